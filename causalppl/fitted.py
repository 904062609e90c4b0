"""A model fitted to data: its posterior, reused by every query asked of it.

``Model.fit(data, method="nuts", **options)`` returns a :class:`FittedModel`;
its ``query`` answers estimate queries from the one posterior (posterior
mean and 95% credible interval) without fitting again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from causalppl.diagnostics import CausalPPLError
from causalppl.inference.bayesian import Posterior, posterior_parameter_draws
from causalppl.inference.options import Options, parse_options
from causalppl.inference.plan import answer, fit_posterior
from causalppl.inference.results import Result
from causalppl.ir.queries import QuerySpec


@dataclass(frozen=True)
class FittedModel:
    model: Any  # causalppl.api.Model
    posterior: Posterior
    options: Options
    data: Any = None  # the DataCollection the posterior was fitted to

    @staticmethod
    def create(model: Any, data: Any, method: str, options: dict[str, Any]) -> "FittedModel":
        """Fit ``model`` (a causalppl Model) to ``data`` (DataFrame, path, list or DataCollection).

        ``method``: "nuts", "svi", or "auto" (exact conjugate updates where the model has them, else NUTS).
        """
        settings = parse_options(dict(options, method=method))
        dataset = model.load_data(data, missing=settings.missing, quiet=settings.quiet)
        try:
            posterior = fit_posterior(model.ir, settings.with_context(data=dataset))
        except CausalPPLError as error:
            raise CausalPPLError(error.diagnostics, {model.program.filename: model.program.source}) from None
        return FittedModel(model, posterior, settings, dataset)

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
        settings = self.options.updated(**options).with_context(data=self.data, fitted=self.posterior)
        try:
            return answer(self.model.ir, spec, settings)
        except CausalPPLError as error:
            raise self.model._with_sources(error, spec) from None

    def __repr__(self) -> str:
        return (f"<causalppl.FittedModel {self.model.name}: {self.posterior.method}, "
                f"{self.posterior.num_draws} draws>")

