"""A query leaf's value under each posterior draw: exact when the draw's model is finite, else simulated.

For every draw the unknowns are fixed (:func:`instantiate`).  A finite
discrete model is then answered exactly by factor contraction; any other is
forward-simulated for ``units_per_draw`` fresh units of the (do-transformed)
generated program with the draw's values conditioned in.  Evidence is
handled by likelihood weighting: an equality on a stochastic observed
variable is observed and weighs each unit by its density there; any other
event (inequalities, latent or deterministic variables) weighs by its
indicator.  Covariates are not simulated: each unit takes the covariates of
a data row (a fresh Bayesian-bootstrap reweighting of the rows per posterior
draw, or plain resampling for a known model), and evidence on a covariate
selects the rows (:mod:`causalppl.inference.covariates`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import torch
from pyro import poutine

from causalppl.backends import runtime as rt
from causalppl.backends.factors import fixed_parameter_values
from causalppl.backends.pyro_codegen import CodegenError, compiled_program
from causalppl.backends.site_checks import InvalidSite
from causalppl.backends.tensor_eval import evaluate
from causalppl.data.covariates import CovariateRows
from causalppl.data.tensors import column_dtype
from causalppl.inference.covariates import covariate_evidence, covariate_pool
from causalppl.inference.bayesian.instantiate import instantiate
from causalppl.inference.devices import on_cpu, running_on
from causalppl.inference.estimate.exact import (
    can_enumerate,
    exact_distribution,
    exact_leaf,
)
from causalppl.inference.messages import impossible_evidence, query_error
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import ConstantMechanism, Deterministic
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import (
    COMPARISONS,
    EventSpec,
    ExpectationSpec,
    ProbabilitySpec,
)
from causalppl.transforms.do import do

Leaf = ProbabilitySpec | ExpectationSpec
Draw = Mapping[str, torch.Tensor]


class SimulationError(ValueError):
    """Forward simulation produced an invalid distribution argument (the message says which)."""


@dataclass(frozen=True)
class LeafDraws:
    """Per-draw values of one leaf: shape (S,), or (S, k) for a distribution ``P(Y)``."""

    values: torch.Tensor
    evaluation: str  # "exact" or "forward simulation"
    variances: torch.Tensor | None = None  # simulation variance of each value (None when exact)


@dataclass(frozen=True)
class DrawSet:
    """The posterior draws a query is evaluated on, and (on demand) the same draws as known models."""

    model: CausalModel
    draws: Sequence[Draw]
    known_models: Callable[[], Sequence[CausalModel]]  # instantiate(model, draw) for each draw, cached
    device: torch.device
    covariates: CovariateRows | None = None  # the data's covariate rows
    bootstrap: bool = True  # reweigh the covariate rows for each draw (posterior draws) or resample them

    def first_known_model(self) -> CausalModel:
        return instantiate(self.model, self.draws[0])


def leaf_draws(draw_set: DrawSet, leaf: Leaf, units_per_draw: int, seeds: Sequence[int]) -> LeafDraws:
    """``seeds[i]`` seeds the simulation of draw i: leaves of one query share their random numbers."""
    with on_cpu():
        if isinstance(leaf, ExpectationSpec) and not rx.variables_in(leaf.expr):
            return LeafDraws(_parameter_values(draw_set.known_models(), leaf), "exact")
        if can_enumerate(draw_set.first_known_model()):
            return LeafDraws(_exact_values(draw_set.known_models(), leaf), "exact")
    values, variances = _simulated_values(draw_set, leaf, units_per_draw, seeds)
    return LeafDraws(values, "forward simulation", variances)


def common_seeds(count: int) -> list[int]:
    """Per-draw seeds taken from torch's generator: reusing them for every leaf of a query makes
    differences such as E[Y | do(X = 1)] - E[Y | do(X = 0)] free of most simulation noise."""
    base = int(torch.randint(0, 2**62, (), device="cpu"))
    return [base + index for index in range(count)]


def is_distribution(leaf: Leaf) -> bool:
    return isinstance(leaf, ProbabilitySpec) and leaf.is_distribution


# ----------------------------------------------------------------- exact ----


def _parameter_values(models: Sequence[CausalModel], leaf: ExpectationSpec) -> torch.Tensor:
    """``E[b]``, ``E[a / b]``...: a function of the parameters alone is evaluated on each draw."""
    with rt.default_dtype(torch.float64):
        return torch.stack([evaluate(leaf.expr, fixed_parameter_values(model)).reshape(()) for model in models])


def _exact_values(models: Sequence[CausalModel], leaf: Leaf) -> torch.Tensor:
    if is_distribution(leaf):
        rows = [list(exact_distribution(model, leaf).values()) for model in models]
        return torch.tensor(rows, dtype=torch.float64)
    return torch.tensor([exact_leaf(model, leaf).value for model in models], dtype=torch.float64)


# -------------------------------------------------------------- simulated ----


def _simulated_values(draw_set: DrawSet, leaf: Leaf, units: int,
                      seeds: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    intervened = _intervened_model(draw_set.model, leaf)
    pool = covariate_pool(intervened, leaf, draw_set.covariates)
    draw_rows = (pool.bootstrap if draw_set.bootstrap else pool.resample) if pool is not None else None
    try:
        return _simulate(intervened, leaf, draw_set.draws, units, draw_set.device, seeds, draw_rows)
    except SimulationError as error:
        raise query_error(leaf.span, f"simulating the model under a posterior draw failed: {error}",
                          "check that every scale, rate and probability stays in its domain") from None
    except InvalidSite as problem:
        evidence = {e.outcome.variable: e for e in leaf.evidence}
        if problem.observed and problem.site in evidence:
            event = evidence[problem.site]
            raise impossible_evidence(event.span, f"{problem.site} = {problem.example} is outside the values "
                                                  f"{problem.family} gives: it must be {problem.requirement}") \
                from None
        raise


def _simulate(intervened: CausalModel, leaf: Leaf, draws: Sequence[Draw], units: int, device: torch.device,
              seeds: Sequence[int], draw_rows: Callable[[int], dict] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    with running_on(device):
        program = _program(intervened, leaf)
        on_rows = covariate_evidence(intervened, leaf.evidence)
        observed, weighed = _split_evidence(intervened, [e for e in leaf.evidence if e not in on_rows])
        data = {e.outcome.variable: _evidence_column(intervened, e, units) for e in observed}
        measure = _measure(intervened, leaf)
        estimates = []
        for draw, seed in zip(draws, seeds):
            torch.manual_seed(seed)
            if draw_rows is not None:
                data.update({name: values.to(device) for name, values in draw_rows(units).items()})
            estimates.append(_weighted_value(program, draw, units, data, observed, weighed, measure))
    means, variances = (torch.stack(column).to("cpu", torch.float64) for column in zip(*estimates))
    return means, variances


def _intervened_model(model: CausalModel, leaf: Leaf) -> CausalModel:
    return do(model, dict(leaf.interventions))


def _program(model: CausalModel, leaf: Leaf) -> Callable:
    try:
        return compiled_program(model)
    except CodegenError as error:
        raise query_error(error.span or leaf.span, str(error)) from None


def _split_evidence(model: CausalModel, evidence) -> tuple[list[EventSpec], list[EventSpec]]:
    """Evidence observed through the program's sites (density weights) and evidence checked by indicators."""
    observed, weighed = [], []
    for event in evidence:
        variable = model.variable(event.outcome.variable)
        readable = variable.is_observable and not isinstance(variable.mechanism, (Deterministic, ConstantMechanism))
        (observed if event.op == "=" and readable else weighed).append(event)
    return observed, weighed


def _evidence_column(model: CausalModel, event: EventSpec, units: int) -> torch.Tensor:
    variable = model.variable(event.outcome.variable)
    return torch.full((units,), float(event.value)).to(column_dtype(variable))


def _measure(model: CausalModel, leaf: Leaf) -> Callable[[dict], torch.Tensor]:
    """The per-unit quantity whose weighted mean is the leaf's value."""
    if isinstance(leaf, ExpectationSpec):
        return lambda samples: _as_float(evaluate(leaf.expr, samples))
    if leaf.is_distribution:
        name = leaf.events[0].outcome.variable
        size = model.variable(name).domain.size
        return lambda samples: torch.nn.functional.one_hot(samples[name].long(), size).to(torch.float64)
    return lambda samples: _indicators(leaf.events, samples)


def _weighted_value(program: Callable, draw: Draw, units: int, data: dict, observed: list[EventSpec],
                    weighed: list[EventSpec], measure: Callable) -> tuple[torch.Tensor, torch.Tensor]:
    device = torch.get_default_device()
    conditioned = poutine.condition(program, data={name: value.to(device) for name, value in draw.items()})
    with torch.no_grad():
        try:
            trace = poutine.trace(conditioned).get_trace(n_units=units, data=data or None)
        except ValueError as error:  # a distribution argument left its domain for some simulated unit
            raise SimulationError(str(error).split("\n")[0]) from None
    samples = trace.nodes["_RETURN"]["value"]
    log_weights = torch.zeros(units, dtype=torch.float64)
    for event in observed:
        site = trace.nodes[event.outcome.variable]
        log_weights = log_weights + exact_log_prob(site["fn"], site["value"]).to(torch.float64).expand(units)
    top = log_weights.max()
    weights = torch.exp(log_weights - top) if bool(torch.isfinite(top)) else torch.zeros_like(log_weights)
    return _weighted_mean(measure(samples), weights * _indicators(weighed, samples), units)


def exact_log_prob(fn, value: torch.Tensor) -> torch.Tensor:
    """``fn.log_prob(value)``, and -inf where a discrete family gives the value probability exactly zero.

    torch clamps probabilities away from 0 and 1 before taking logs (Bernoulli(0).log_prob(1) is about -16),
    so evidence the model makes impossible would otherwise get a small weight, the same for every unit, and
    be answered as if it were possible.
    """
    log_prob = fn.log_prob(value)
    base = fn
    while hasattr(base, "base_dist"):  # Independent, expanded
        base = base.base_dist
    if "probs" not in base.__dict__:  # (given as logits: no probability is exactly 0)
        return log_prob
    probs = base.probs
    if isinstance(base, torch.distributions.Bernoulli):
        impossible = torch.where(value.bool(), probs == 0, probs == 1)
    elif isinstance(base, torch.distributions.Categorical):
        positions = value.long().unsqueeze(-1)
        shape = torch.broadcast_shapes(positions.shape[:-1], probs.shape[:-1])
        impossible = probs.expand(shape + probs.shape[-1:]).gather(-1, positions.expand(shape + (1,))).squeeze(-1) == 0
    elif isinstance(base, torch.distributions.Binomial):
        impossible = ((probs == 0) & (value > 0)) | ((probs == 1) & (value < base.total_count))
    else:
        return log_prob
    return torch.where(impossible, torch.full_like(log_prob, float("-inf")), log_prob)


def _indicators(events: Sequence[EventSpec], samples: dict) -> torch.Tensor:
    result = torch.ones((), dtype=torch.float64)
    for event in events:
        values = rt.tensor(samples[event.outcome.variable])
        result = result * COMPARISONS[event.op](values, event.value).to(torch.float64)
    return result


def _weighted_mean(values: torch.Tensor, weights: torch.Tensor, units: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Self-normalised weighted mean over units, and its (delta-method) variance."""
    values = values.to(torch.float64)
    if values.dim() == 0:
        values = values.expand(units)
    weights = weights.expand(units).reshape((units,) + (1,) * (values.dim() - 1))
    total = weights.sum()
    if float(total) <= 0.0 or not torch.isfinite(total):
        missing = torch.full(values.shape[1:], float("nan"), dtype=torch.float64)
        return missing, missing
    mean = (weights * values).sum(0) / total
    variance = (weights**2 * (values - mean) ** 2).sum(0) / total**2
    return mean, variance


def _as_float(value: torch.Tensor) -> torch.Tensor:
    return rt.tensor(value).to(torch.float64)

