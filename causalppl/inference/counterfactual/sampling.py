"""Counterfactual answers by sampling: parameter draws, abduction draws, weighted estimates.

The draws come from :func:`causalppl.inference.counterfactual.abduction.abduction_draws`
(exact posterior draws when the evidence pins the noise it depends on,
likelihood weighting otherwise), or from NUTS over the free noise
(:mod:`causalppl.inference.counterfactual.nuts`) when asked for, or when the importance
weights degenerate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import torch
import torch.distributions as D
from pyro.ops.stats import effective_sample_size

from causalppl.backends import runtime as rt
from causalppl.backends.tensor_eval import evaluate
from causalppl.data.covariates import CovariateRows
from causalppl.inference.counterfactual.abduction import (
    Draws,
    Observation,
    abduction_draws,
    abduction_plan,
)
from causalppl.inference.counterfactual.leaves import LeafPlan
from causalppl.inference.counterfactual.nuts import nuts_draws, nuts_obstacle
from causalppl.inference.results import Estimate
from causalppl.ir.model import CausalModel

LOW_ESS_FRACTION = 0.01
LOW_ESS_FLOOR = 20
ROUNDING = 1e-12  # relative standard errors below this are rounding: reported as zero


@dataclass(frozen=True)
class Parameters:
    """Parameter values: fixed (unbatched) or one draw per unit of the sample (leading axis n)."""

    values: Mapping[str, torch.Tensor]
    fixed: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sampled:
    """Weighted draws of every multi-world variable, and how they were obtained."""

    draws: Draws
    weights: torch.Tensor  # normalised
    ess: float
    notes: tuple[str, ...]
    nuts: bool = False

    def estimate(self, values: torch.Tensor) -> Estimate:
        values = values.expand(self.weights.shape).to(self.weights.dtype)
        mean = float((self.weights * values).sum())
        variance = _chain_variance(values) if self.nuts else float((self.weights**2 * (values - mean) ** 2).sum())
        return Estimate(mean, variance if variance > (ROUNDING * max(1.0, abs(mean))) ** 2 else 0.0)

    @property
    def exact(self) -> bool:
        return self.draws.exact and not self.nuts


def parameters(model: CausalModel, n: int) -> Parameters:
    """Fixed values; or, for parameters with priors (and no data), one prior draw per unit of the sample."""
    if all(p.mechanism is None for p in model.parameters):
        return Parameters(_fixed(model), True)
    return Parameters(_prior_draws(model, n), False,
                      ("parameters drawn from their priors (no data given), reweighted by the evidence",))


def with_covariates(params: Parameters, pool: CovariateRows | None, n: int, bootstrap: bool = False) -> Parameters:
    """The parameters plus one row of covariates per draw (units keep their covariates in every world).

    ``pool`` holds the rows (from :func:`causalppl.inference.covariates.covariate_pool`); a single
    pinned row (evidence without data) keeps the parameters fixed.
    """
    if pool is None:
        return params
    if pool.n_rows == 1 and not bootstrap:
        values = {name: torch.tensor(float(column[0])) for name, column in zip(pool.names, pool.columns)}
        return Parameters({**params.values, **values}, params.fixed, params.notes)
    drawn = pool.bootstrap(n) if bootstrap else pool.resample(n)
    note = f"covariates drawn from {pool.n_rows} data rows" + (" (Bayesian bootstrap)" if bootstrap else "")
    return Parameters({**params.values, **drawn}, False, params.notes + (note,))


def sample_plan(model: CausalModel, observations: tuple[Observation, ...], params: Parameters, n: int,
                method: str) -> Sampled:
    """Abduction draws for the evidence; NUTS for ``method="nuts"`` or degenerate weights under ``auto``."""
    draws = abduction_draws(model, observations, params.values, n)
    notes: list[str] = []
    ess = draws.effective_sample_size
    degenerate = ess < max(LOW_ESS_FLOOR, LOW_ESS_FRACTION * n)
    if not draws.exact and (method == "nuts" or (method == "auto" and degenerate)):
        obstacle = nuts_obstacle(model, draws, params.fixed)
        if obstacle is None:
            chain, steps = nuts_draws(model, observations, params.values, n, draws)
            notes.append(f"NUTS over the unobserved noise ({steps} draws; observed noise abducted exactly)")
            return Sampled(chain, torch.full((steps,), 1.0 / steps, dtype=chain.log_weights.dtype), float(steps),
                           tuple(notes), nuts=True)
        if method == "nuts":
            notes.append(f"NUTS not used ({obstacle}); importance sampling instead")
    if not draws.exact:
        notes.append(f"importance sampling over the unobserved noise (likelihood weighting, {n} draws, "
                     f"effective sample size {ess:.0f})")
    return Sampled(draws, draws.weights, ess, tuple(notes))


def _chain_variance(values: torch.Tensor) -> float:
    if float(values.var()) == 0.0:
        return 0.0
    ess = float(effective_sample_size(values.reshape(1, -1, 1).double()))
    return float(values.var()) / max(ess, 1.0)


def _fixed(model: CausalModel) -> dict[str, torch.Tensor]:
    values: dict[str, torch.Tensor] = {}
    for parameter in model.parameters:
        values[parameter.name] = rt.tensor(evaluate(parameter.fixed_value, values))
    return values


def _prior_draws(model: CausalModel, n: int) -> dict[str, torch.Tensor]:
    values: dict[str, torch.Tensor] = {}
    for parameter in model.parameters:
        if parameter.mechanism is None:
            values[parameter.name] = rt.tensor(evaluate(parameter.fixed_value, values))
            continue
        args = {name: rt.tensor(evaluate(expr, values)) for name, expr in parameter.mechanism.arguments}
        law = getattr(D, parameter.mechanism.family)(**args)
        values[parameter.name] = _draw(law, n, parameter.size, parameter.mechanism.family)
    return values


def _draw(law: D.Distribution, n: int, size: int | None, family: str) -> torch.Tensor:
    if size is None or family == "Dirichlet":
        return law.sample((n,)) if law.batch_shape == () else law.sample()
    if law.batch_shape == ():
        return law.sample((n, size))
    return law.sample((size,)).movedim(0, -1)


def is_degenerate_continuous(plan: LeafPlan) -> bool:
    """Evidence ``=`` on a continuous variable that sampling can only hit by chance."""
    checks = abduction_plan(plan.model, plan.observations).checks
    return any(o.op == "=" and not plan.model.variable(name).domain.is_discrete
               for name, observations in checks.items() for o in observations)


def weighted_histogram(sampled: Sampled, values: torch.Tensor, size: int) -> torch.Tensor:
    index = values.long().clamp(0, size - 1)
    return torch.zeros(size, dtype=sampled.weights.dtype).index_add_(0, index, sampled.weights)
