"""A model fitted to data: its posterior, reused by every query asked of it.

``Model.fit(data, method="nuts", **options)`` returns a :class:`FittedModel`;
its ``query`` answers estimate queries from the one posterior (posterior
mean and 95% credible interval) without fitting again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from causalppl.diagnostics import CausalPPLError
from causalppl.inference.bayesian import Posterior, fit, posterior_parameter_draws
from causalppl.inference.engine import QueryOptions, answer, query_options
from causalppl.inference.results import Result
from causalppl.semantics.queries import QuerySpec


@dataclass(frozen=True)
class FittedModel:
    model: Any  # causalppl.api.Model
    posterior: Posterior
    options: QueryOptions

    @staticmethod
    def create(model: Any, data: Any, method: str, options: dict[str, Any]) -> "FittedModel":
        """Fit ``model`` (a causalppl Model) to ``data`` (DataFrame, path, list or DataCollection)."""
        dataset = model.load_data(data)
        settings = query_options(dataset, dict(options, method=method))
        try:
            posterior = fit(model.ir, dataset, method, settings)
        except CausalPPLError as error:
            raise CausalPPLError(error.diagnostics, {model.program.filename: model.program.source}) from None
        return FittedModel(model, posterior, settings)

    @property
    def diagnostics(self) -> dict[str, Any]:
        return dict(self.posterior.diagnostics)

    @property
    def inference_data(self) -> Any:
        return self.posterior.arviz_data()

    @property
    def draws(self) -> dict:
        """Posterior draws of every learnt site, with a leading draw dimension."""
        return posterior_parameter_draws(self.posterior)

    def query(self, text: str, **options: Any) -> Result:
        """Answer a query from the fitted posterior (options: samples, seed, query_draws, plot...)."""
        return self.answer(self.model._check_query_text(text), **options)

    def answer(self, spec: QuerySpec, **options: Any) -> Result:
        settings = self._options(options)
        try:
            if spec.kind == "estimate" and not _is_counterfactual(spec):
                return self.posterior.answer(spec, settings)
            return answer(self.model.ir, spec, settings)  # counterfactual engines reuse the cached fit
        except CausalPPLError as error:
            raise self.model._with_sources(error, spec) from None

    def _options(self, options: dict[str, Any]) -> QueryOptions:
        known = {k: options.pop(k) for k in list(options) if k in ("samples", "seed", "quiet", "device")}
        return replace(self.options, extra={**self.options.extra, **options}, **known)

    def __repr__(self) -> str:
        return (f"<causalppl.FittedModel {self.model.name}: {self.posterior.method}, "
                f"{self.posterior.num_draws} draws>")


def _is_counterfactual(spec: QuerySpec) -> bool:
    from causalppl.semantics.queries import has_counterfactuals

    return has_counterfactuals(spec.term)
