"""A fitted posterior: draws of every global site, their diagnostics, and queries answered from them.

Global sites are the parameters with priors (by name), the nonparametric
tables (``probs_X``: shape (*[4 per <-> arc], *parent sizes, levels of X))
and the latent-class weights of ``<->`` arcs (``weights_U_A_B``).  A
:class:`Posterior` answers any estimate query on its model (interventions
and evidence included) by pushing its draws through the query.  It keeps
the rows of the model's covariates (conditioned on, not modelled): queries
that average over them draw units from those rows, reweighted by a
Bayesian bootstrap for each posterior draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from causalppl.inference.bayesian.instantiate import instantiate
from causalppl.ir.model import CausalModel


@dataclass(eq=False)
class Posterior:
    model: CausalModel
    method: str  # "nuts", "svi", "conjugate" or "prior" (no data)
    draws: dict[str, torch.Tensor]  # (chains, draws per chain, *site shape), on the CPU
    diagnostics: dict[str, Any]
    device: torch.device
    inference_data: Any = None
    notes: tuple[str, ...] = ()
    answered: list[tuple[str, torch.Tensor]] = field(default_factory=list)  # (query label, per-draw values)
    trace_written_to: str | None = None
    covariates: Any = None  # causalppl.data.covariates.CovariateRows of the fitted data, or None
    _known_models: dict[int, CausalModel] = field(default_factory=dict, repr=False)

    @property
    def num_draws(self) -> int:
        first = next(iter(self.draws.values()), None)
        return 0 if first is None else first.shape[0] * first.shape[1]

    def flat_draws(self) -> dict[str, torch.Tensor]:
        """Every draw of every global site, chains concatenated: shape (S, *site shape)."""
        return {name: values.reshape((-1,) + tuple(values.shape[2:])) for name, values in self.draws.items()}

    def draw_list(self, limit: int | None = None) -> list[dict[str, torch.Tensor]]:
        """Draws as one dictionary each, thinned evenly to at most ``limit``."""
        flat = self.flat_draws()
        indices = thinned_indices(self.num_draws, limit)
        return [{name: values[i] for name, values in flat.items()} for i in indices]

    def models(self, limit: int | None = None) -> list[CausalModel]:
        """The model with its unknowns fixed to each (thinned) draw; see :func:`instantiate`. Cached."""
        flat = self.flat_draws()
        models = []
        for index in thinned_indices(self.num_draws, limit):
            if index not in self._known_models:
                self._known_models[index] = instantiate(self.model, {name: v[index] for name, v in flat.items()})
            models.append(self._known_models[index])
        return models

    def arviz_data(self) -> Any:
        """The draws as ``arviz.InferenceData`` (built on first use for conjugate and prior draws)."""
        if self.inference_data is None and self.draws:
            from causalppl.inference.bayesian.diagnostics import draws_inference_data

            self.inference_data = draws_inference_data(self.draws, self.method)
        return self.inference_data


def posterior_parameter_draws(posterior: Posterior) -> dict[str, torch.Tensor]:
    """Draws of every global site with a leading draw dimension (chains concatenated)."""
    return posterior.flat_draws()


def thinned_indices(total: int, limit: int | None) -> list[int]:
    if limit is None or total <= limit:
        return list(range(total))
    return torch.linspace(0, total - 1, limit).round().long().tolist()
