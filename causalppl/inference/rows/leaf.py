"""One query leaf answered for a whole batch of rows: exact contraction, Gaussian abduction, or sampling.

A leaf with per-row evidence (``P(Y[X = 0] = 0 | X, Y)``) becomes one
multi-world model (:func:`causalppl.inference.counterfactual.leaves.plan_leaf`)
whose observed variables take, row by row, the row's values.  Then, as for
one unit (:mod:`causalppl.inference.counterfactual.leaf`), in order:

* **exact** (finite models): a factual leaf goes to the model's compiled
  network (:mod:`.compiled`); otherwise the twin-network factors are
  contracted once per *distinct* evidence row
  (:func:`.evidence.batched_evidence`), and the answers expanded to every row;
* **abduction** (linear-Gaussian models, ``=`` evidence): the noise
  posterior of every row from one SVD (:func:`~causalppl.inference.counterfactual.gaussian.condition_rows`):
  the means are one matrix product, the covariance is shared, so affine
  answers and event probabilities are closed forms per row;
* **sampling** (any other known model with explicit noise): abduction draws
  for rows × draws at once (noise pinned by inverting mechanisms, truncated
  Uniforms and Gumbels for discrete couplings, likelihood weights for the
  rest), weighted within each row.  When the evidence pins every noise the
  answer depends on, one draw per row is exact ("abduction").

A row whose evidence has probability zero is a user error naming the row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np
import torch

from causalppl.backends.exact import EnumerationTooLarge, Factor, prune_barren
from causalppl.backends.exact.errors import describe_bytes
from causalppl.backends.factors import DTYPE, NotTabulable, fixed_parameter_values
from causalppl.backends.response_factors import twin_factors
from causalppl.data.rows import RowBatch
from causalppl.inference.counterfactual.abduction import (
    ImpossibleEvidence,
    Observation,
    abduction_draws,
    determined,
)
from causalppl.inference.counterfactual.gaussian import (
    affine_system,
    condition_rows,
    evaluate_at,
    is_affine,
    is_linear_gaussian,
)
from causalppl.inference.counterfactual.leaves import LeafPlan, plan_leaf
from causalppl.inference.messages import query_error, too_large_for_exact
from causalppl.inference.rows.compiled import compiled_rows, impossible_row
from causalppl.inference.rows.evidence import batched_evidence
from causalppl.inference.rows.values import LeafRows, RowEstimate
from causalppl.ir.mechanisms import NoiseSource
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import COMPARISONS, ExpectationSpec, ProbabilitySpec
from causalppl.transforms.do import InterventionError
from causalppl.transforms.noise import NoiseError

Leaf = ProbabilitySpec | ExpectationSpec
MAX_ELEMENTS = 1 << 22  # rows × draws evaluated per pass when sampling
ROUNDING = 1e-10


@dataclass(frozen=True)
class RowPlan:
    """A leaf's multi-world model, with the observed variables whose values each row supplies."""

    plan: LeafPlan
    row_names: Mapping[str, str]  # multi-world name → row column (the factual variable)

    @property
    def fixed(self) -> tuple[Observation, ...]:
        return tuple(o for o in self.plan.observations if o.name not in self.row_names)


def plan_rows(model: CausalModel, leaf: Leaf) -> RowPlan:
    """The multi-world model of a leaf with per-row evidence (placeholders stand for the rows' values)."""
    stand_in = replace(leaf, evidence=tuple(replace(e, value=0.0) if e.per_row else e for e in leaf.evidence))
    try:
        plan = plan_leaf(model, stand_in)
    except (NoiseError, InterventionError) as error:
        raise query_error(leaf.span, str(error)) from None
    row_names = {plan.multi.name_of(e.outcome): e.outcome.variable for e in leaf.evidence if e.per_row}
    return RowPlan(replace(plan, leaf=leaf), row_names)


def answer_leaf_rows(model: CausalModel, leaf: Leaf, rows: RowBatch, mode: str, draws: int,
                     device: torch.device) -> LeafRows:
    """The leaf for every row of ``rows``; ``mode``: auto, exact (or an error) or mc (sampling)."""
    if mode in ("auto", "exact"):  # a factual leaf on a finite model: the compiled network, one world
        compiled = compiled_rows(model, leaf, rows, device, lambda row: impossible_row(rows, row, leaf, model))
        if compiled is not None:
            estimate, distribution, labels = compiled
            return LeafRows(estimate, "exact", distribution, labels)
    return general_leaf_rows(model, leaf, rows, mode, draws, device)


def general_leaf_rows(model: CausalModel, leaf: Leaf, rows: RowBatch, mode: str, draws: int,
                      device: torch.device) -> LeafRows:
    """:func:`answer_leaf_rows` without the compiled network: the twin network, Gaussian abduction or sampling."""
    row_plan = plan_rows(model, leaf)
    params = _fixed_parameters(row_plan.plan.model)
    if mode in ("auto", "exact"):
        answer = _exact(row_plan, rows, params, device)
        if answer is None:
            answer = _gaussian(row_plan, rows, params, draws, device, closed_only=mode == "exact")
        if answer is not None:
            return answer
    pinned = determined(row_plan.plan.model, _stand_in_observations(row_plan), row_plan.plan.names)
    if mode == "exact" and not pinned:
        raise query_error(leaf.span, "this per-row query has no exact answer here: the model is neither finite nor "
                                     "linear-Gaussian, and the evidence does not pin every noise the answer "
                                     "depends on", "use --method mc (abduction by sampling)")
    return _sampled(row_plan, rows, params, 1 if pinned else draws, pinned, device)


# ------------------------------------------------------------------ exact ----


def _exact(row_plan: RowPlan, rows: RowBatch, params, device: torch.device) -> LeafRows | None:
    plan = row_plan.plan
    if any(not v.domain.is_finite for v in plan.model.model_variables if not isinstance(v.mechanism, NoiseSource)):
        return None
    try:
        graph = twin_factors(plan.model)
    except NotTabulable:
        return None
    fixed = {o.name: _level(plan.model, o.name, o.value) for o in row_plan.fixed if o.op == "="}
    if any(level is None for level in fixed.values()):
        raise query_error(plan.leaf.span, "the evidence has probability zero under the model (an observed value "
                                          "is not a value of its variable)")
    columns = {name: _row_levels(plan.model, rows, column, plan.leaf) for name, column in row_plan.row_names.items()}
    keep = tuple(name for name in dict.fromkeys(plan.names) if name not in fixed and name not in columns)
    factors = list(graph.factors) + [_indicator(plan.model, o) for o in row_plan.fixed if o.op != "="]
    heads = list(graph.heads) + [None] * (len(factors) - len(graph.factors))
    needed = set(keep) | set(fixed) | set(columns) | {o.name for o in plan.observations}
    factors = [_on(f, device) for f in prune_barren(factors, heads, needed)]
    try:
        marginals = batched_evidence(factors, keep, fixed, {k: v.to(device) for k, v in columns.items()})
    except EnumerationTooLarge as error:
        limit = describe_bytes(error.max_bytes) if error.max_bytes is not None else None
        raise too_large_for_exact(plan.leaf.span, describe_bytes(error.required_bytes),
                                  len(error.largest_factor_vars), limit) from None
    joint = marginals.joint
    axes = tuple(range(1, joint.dim()))
    mass = joint.sum(dim=axes) if axes else joint
    inverse = marginals.inverse if columns else torch.zeros(rows.n_rows, dtype=torch.long, device=joint.device)
    _require_possible(mass > 0, inverse.to(mass.device), rows, plan.leaf, model=plan.model)
    joint = joint / mass.reshape((-1,) + (1,) * len(axes)).clamp_min(torch.finfo(DTYPE).tiny)
    shape = (1,) + tuple(joint.shape[1:])
    env: dict[str, torch.Tensor] = {k: v.to(device) for k, v in params.items()}
    grids = torch.meshgrid(*(torch.arange(s, dtype=DTYPE, device=joint.device) for s in joint.shape[1:]),
                           indexing="ij") if keep else ()
    env.update({name: grid.reshape(shape) for name, grid in zip(keep, grids)})
    env.update({name: torch.tensor(float(level), dtype=DTYPE, device=joint.device) for name, level in fixed.items()})
    env.update({name: marginals.rows[name].to(DTYPE).reshape((-1,) + (1,) * len(axes)) for name in columns})
    if plan.is_distribution:
        return _exact_distribution(plan, joint, keep, env, inverse)
    values = plan.target(env).to(DTYPE)
    answer = (joint * values).sum(dim=axes) if axes else joint * values
    return LeafRows(RowEstimate.exact(answer.reshape(-1)[inverse]), "exact")


def _exact_distribution(plan: LeafPlan, joint: torch.Tensor, keep, env, inverse) -> LeafRows:
    name = plan.distribution_name
    domain = plan.model.variable(name).domain
    if name in keep:
        axis = 1 + keep.index(name)
        others = tuple(a for a in range(1, joint.dim()) if a != axis)
        distribution = joint.sum(dim=others) if others else joint
    else:
        level = env[name].reshape(-1).long()
        distribution = torch.nn.functional.one_hot(level, domain.size).to(DTYPE)
        distribution = distribution.expand(joint.shape[0], domain.size)
    return LeafRows(None, "exact", distribution[inverse], domain.labels)


def _row_levels(model: CausalModel, rows: RowBatch, column: str, leaf: Leaf) -> torch.Tensor:
    if not model.variable(column).domain.is_finite:
        raise NotTabulable(f"'{column}' is not finite")
    return torch.as_tensor(np.array(rows.columns[column], dtype=np.int64))


def _level(model: CausalModel, name: str, value) -> int | None:
    size = model.variable(name).domain.size
    number = float(value)
    return int(number) if number.is_integer() and 0 <= number < size else None


def _indicator(model: CausalModel, observation: Observation) -> Factor:
    size = model.variable(observation.name).domain.size
    values = torch.arange(size, dtype=DTYPE)
    holds = COMPARISONS[observation.op](values, torch.tensor(float(observation.value), dtype=DTYPE))
    return Factor((observation.name,), holds.to(DTYPE))


def _on(factor: Factor, device: torch.device) -> Factor:
    return factor if factor.table.device == device else Factor(factor.variables, factor.table.to(device))


# --------------------------------------------------------------- gaussian ----


def _gaussian(row_plan: RowPlan, rows: RowBatch, params, draws: int, device: torch.device,
              closed_only: bool) -> LeafRows | None:
    plan = row_plan.plan
    if not is_linear_gaussian(plan.model) or any(o.op != "=" for o in plan.observations):
        return None
    names = tuple(o.name for o in plan.observations)
    system = affine_system(plan.model, names, params)
    values = torch.stack([_observed_column(o, row_plan, rows) for o in plan.observations], dim=1) if names \
        else torch.zeros(rows.n_rows, 0, dtype=DTYPE)
    system = replace(system, offset=system.offset.to(device), matrix=system.matrix.to(device))
    conditioned = condition_rows(system, values.to(device))
    _require_possible(conditioned.consistent, None, rows, plan.leaf, model=plan.model)
    env_params = {k: v.to(device) for k, v in params.items()}
    leaf = plan.leaf
    if isinstance(leaf, ExpectationSpec) and is_affine(leaf.expr):
        value, spread = _affine_moments(plan, system.sites, conditioned, env_params)
        return LeafRows(RowEstimate.exact(value), "abduction")
    if isinstance(leaf, ProbabilitySpec) and len(leaf.events) == 1 and leaf.events[0].op is not None:
        event = leaf.events[0]
        name = plan.multi.name_of(event.outcome)
        mean, sd = _affine_moments(plan, system.sites, conditioned, env_params, lambda env: env[name])
        return LeafRows(RowEstimate.exact(_event_probability(event.op, float(event.value), mean, sd)), "abduction")
    if closed_only:
        return None
    return _gaussian_sampled(plan, system.sites, conditioned, env_params, draws)


def _observed_column(observation: Observation, row_plan: RowPlan, rows: RowBatch) -> torch.Tensor:
    column = row_plan.row_names.get(observation.name)
    if column is None:
        return torch.full((rows.n_rows,), float(observation.value), dtype=DTYPE)
    return torch.as_tensor(np.asarray(rows.columns[column], dtype=np.float64).copy())


def _affine_moments(plan: LeafPlan, sites, conditioned, params, function=None) -> tuple[torch.Tensor, float]:
    """Per-row posterior means of an affine function (its value at the mean) and its shared spread."""
    function = function or plan.target
    m = len(sites)
    means = conditioned.means
    value = function(evaluate_at(plan.model, sites, means, params)).to(DTYPE).expand(means.shape[0])
    basis = torch.cat([torch.zeros(1, m, dtype=means.dtype, device=means.device),
                       torch.eye(m, dtype=means.dtype, device=means.device)])
    at_basis = function(evaluate_at(plan.model, sites, basis, params)).to(DTYPE).expand(m + 1)
    gradient = at_basis[1:] - at_basis[0]
    variance = float(gradient @ conditioned.covariance @ gradient)
    scale = float(gradient @ gradient)
    return value, (variance if variance > ROUNDING * scale else 0.0) ** 0.5


def _event_probability(op: str, value: float, mean: torch.Tensor, sd: float) -> torch.Tensor:
    threshold = torch.tensor(value, dtype=mean.dtype, device=mean.device)
    if sd == 0.0:
        return COMPARISONS[op](mean, threshold).to(DTYPE)
    if op in ("=", "!="):
        return torch.full_like(mean, float(op == "!="))
    below = torch.distributions.Normal(mean, sd).cdf(threshold)
    return below if op in ("<", "<=") else 1.0 - below


def _gaussian_sampled(plan: LeafPlan, sites, conditioned, params, draws: int) -> LeafRows:
    eigenvalues, vectors = torch.linalg.eigh(conditioned.covariance)
    root = vectors * torch.where(eigenvalues > ROUNDING, eigenvalues, 0.0).sqrt()
    n, m = conditioned.means.shape
    per_pass = max(1, MAX_ELEMENTS // max(draws * max(m, 1), 1))
    values, variances = [], []
    for start in range(0, n, per_pass):
        means = conditioned.means[start:start + per_pass]
        z = torch.randn(means.shape[0], draws, m, dtype=means.dtype, device=means.device)
        noise = (means.unsqueeze(1) + z @ root.T).reshape(-1, m)
        sampled = plan.target(evaluate_at(plan.model, sites, noise, params)).to(DTYPE)
        sampled = sampled.expand(noise.shape[0]).reshape(means.shape[0], draws)
        values.append(sampled.mean(dim=1))
        variances.append(sampled.var(dim=1, unbiased=draws > 1) / draws)
    note = (f"exact Gaussian posterior of the noise, averaged over {draws} draws per row "
            "(the function is not affine)",)
    return LeafRows(RowEstimate(torch.cat(values), torch.cat(variances)), "mc", notes=note)


# --------------------------------------------------------------- sampling ----


def _stand_in_observations(row_plan: RowPlan) -> tuple[Observation, ...]:
    return row_plan.plan.observations


def _sampled(row_plan: RowPlan, rows: RowBatch, params, draws: int, pinned: bool, device) -> LeafRows:
    plan = row_plan.plan
    n = rows.n_rows
    if draws > MAX_ELEMENTS:  # sized before anything is drawn: one row's draws must fit one pass
        raise query_error(plan.leaf.span, f"{draws:,} draws per row would take {describe_bytes(draws * 8 * 4)} or "
                                          "more for each row's draws alone",
                          f"use at most {MAX_ELEMENTS:,} draws per row (--draws-per-row)")
    per_pass = max(1, MAX_ELEMENTS // draws)
    values, variances, distributions = [], [], []
    for start in range(0, n, per_pass):
        stop = min(n, start + per_pass)
        observations = tuple(_repeated(o, row_plan, rows, start, stop, draws) for o in plan.observations)
        try:
            sampled = abduction_draws(plan.model, observations, dict(params), (stop - start) * draws)
        except ImpossibleEvidence:
            raise impossible_row(rows, start, plan.leaf, plan.model) from None
        log_weights = sampled.log_weights.reshape(stop - start, draws)
        possible = torch.isfinite(log_weights).any(dim=1)
        _require_possible(possible, None, rows, plan.leaf, offset=start, model=plan.model)
        weights = torch.softmax(log_weights, dim=1)
        if plan.is_distribution:
            domain = plan.model.variable(plan.distribution_name).domain
            level = sampled.values[plan.distribution_name].long().clamp(0, domain.size - 1)
            level = level.expand(weights.numel()).reshape(weights.shape)
            one_hot = torch.nn.functional.one_hot(level, domain.size).to(weights.dtype)
            distributions.append((weights.unsqueeze(-1) * one_hot).sum(dim=1))
            continue
        target = plan.target(sampled.values).to(weights.dtype).expand(weights.numel()).reshape(weights.shape)
        mean = (weights * target).sum(dim=1)
        variance = (weights**2 * (target - mean.unsqueeze(1)) ** 2).sum(dim=1)
        values.append(mean)
        variances.append(torch.where(variance > (1e-12 * mean.abs().clamp_min(1.0)) ** 2, variance, 0.0))
    method = "abduction" if pinned else "mc"
    notes = () if pinned else (f"abduction by sampling: {draws} noise draws per row, weighted by the evidence",)
    if plan.is_distribution:
        domain = plan.model.variable(plan.distribution_name).domain
        found = torch.cat(distributions) if distributions else torch.zeros((0, domain.size), dtype=DTYPE)
        return LeafRows(None, method, found, domain.labels, notes)
    if not values:  # no rows
        values, variances = [torch.zeros(0, dtype=DTYPE)], [torch.zeros(0, dtype=DTYPE)]
    return LeafRows(RowEstimate(torch.cat(values), torch.cat(variances)), method, notes=notes)


def _repeated(observation: Observation, row_plan: RowPlan, rows: RowBatch, start: int, stop: int,
              draws: int) -> Observation:
    column = row_plan.row_names.get(observation.name)
    if column is None:
        return observation
    values = torch.as_tensor(np.array(rows.columns[column][start:stop], dtype=np.float64))
    return Observation(observation.name, observation.op, values.repeat_interleave(draws))


# ----------------------------------------------------------------- errors ----


def _require_possible(possible: torch.Tensor, inverse: torch.Tensor | None, rows: RowBatch, leaf: Leaf,
                      offset: int = 0, model: CausalModel | None = None) -> None:
    """A user error naming the first row whose evidence has probability zero."""
    flags = possible if inverse is None else possible[inverse]
    if bool(flags.all()):
        return
    raise impossible_row(rows, offset + int(torch.nonzero(~flags)[0]), leaf, model)


def _fixed_parameters(model: CausalModel) -> dict[str, torch.Tensor]:
    return dict(fixed_parameter_values(model))
