"""Abduction by sampling: posterior draws of every noise site of a multi-world model given evidence.

One pass over the structural equations in an order where, for each noise
site, the first variable observed with ``=`` that reads it comes before the
site's other readers.  That variable *pins* the site with its exact noise
posterior given its parents (:func:`causalppl.backends.structural.abduce`):
a point for invertible mechanisms, a truncated Uniform for Bernoulli and
ordered discrete ones, truncated Gumbels for Categorical; its likelihood
multiplies the draw's weight.  Every other site is drawn from its prior
(likelihood weighting).  When no prior draw reaches an observation the
weights are all equal and each draw is an exact posterior draw
(``Draws.exact``); otherwise the draws are an importance sample.

Other evidence (inequalities, or an observed variable whose noise is
already pinned) weighs each draw by its indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import networkx as nx
import torch

from causalppl.backends import structural
from causalppl.ir.families import Noise
from causalppl.ir.mechanisms import Coupled, Covariate, NoiseSource
from causalppl.ir.model import CausalModel, Variable
from causalppl.ir.queries import COMPARISONS

EQUALITY_TOLERANCE = 1e-6
CONTINUOUS_INVERSE_CDF = ("Uniform", "Beta", "Gamma", "Exponential", "HalfNormal", "HalfCauchy")
Env = dict[str, torch.Tensor]


@dataclass(frozen=True, eq=False)
class Observation:
    """Evidence ``name op value`` on a variable of the multi-world model.

    ``value`` is a number, or a tensor of one value per draw (per-row evidence, :mod:`causalppl.inference.rows`).
    """

    name: str
    op: str
    value: float | torch.Tensor


@dataclass(frozen=True)
class Draws:
    """``n`` joint draws of every variable, noise site and parameter, with log importance weights."""

    values: Mapping[str, torch.Tensor]
    log_weights: torch.Tensor
    exact: bool  # equal weights: each draw is an exact posterior draw
    free_sites: tuple[str, ...] = ()  # prior-drawn sites upstream of the evidence

    @property
    def weights(self) -> torch.Tensor:
        w = torch.exp(self.log_weights - self.log_weights.max())
        return w / w.sum()

    @property
    def effective_sample_size(self) -> float:
        w = self.weights
        return float(1.0 / (w**2).sum())


class ImpossibleEvidence(ValueError):
    """Every draw contradicts the evidence."""


def abduction_draws(model: CausalModel, observations: tuple[Observation, ...], params: Env, n: int,
                    fixed_noise: Mapping[str, torch.Tensor] | None = None, draw: bool = True) -> Draws:
    """``n`` weighted draws; ``fixed_noise`` supplies values for some sites instead of prior draws."""
    plan = abduction_plan(model, observations)
    env, log_weights = run_plan(model, plan, params, n, fixed_noise, draw)
    if not bool(torch.isfinite(log_weights).any()):
        raise ImpossibleEvidence("no draw is compatible with the evidence")
    finite = log_weights[torch.isfinite(log_weights)]
    exact = bool(torch.isfinite(log_weights).all()) and float(finite.max() - finite.min()) < 1e-9
    return Draws(env, log_weights, exact, plan.free_sites)


def run_plan(model: CausalModel, plan: "AbductionPlan", params: Env, n: int,
             fixed_noise: Mapping[str, torch.Tensor] | None = None, draw: bool = True) -> tuple[Env, torch.Tensor]:
    """One pass: every variable's ``n`` values and the log-weights (``-inf`` where evidence fails)."""
    env: Env = dict(params)
    env.update(fixed_noise or {})
    log_weights = torch.zeros(n, dtype=torch.get_default_dtype())
    for name in plan.order:
        log_weights = log_weights + _step(model, model.variable(name), plan, env, n, draw)
    return env, log_weights


@dataclass(frozen=True)
class AbductionPlan:
    order: tuple[str, ...]  # non-noise variables, in evaluation order
    pins: Mapping[str, str]  # noise site → the observed variable that pins it
    equalities: Mapping[str, float]
    checks: Mapping[str, tuple[Observation, ...]]  # variable → evidence checked by indicator
    free_sites: tuple[str, ...]


def abduction_plan(model: CausalModel, observations: tuple[Observation, ...]) -> AbductionPlan:
    equalities = {o.name: _number(o.value) for o in observations if o.op == "="}
    order = [v.name for v in model.model_variables if not isinstance(v.mechanism, NoiseSource)]
    pins = _pins(model, order, equalities)
    order = _pinned_order(model, order, pins)
    checks: dict[str, list[Observation]] = {}
    for o in observations:
        if not (o.op == "=" and o.name in pins.values()):
            checks.setdefault(o.name, []).append(o)
    return AbductionPlan(tuple(order), pins, equalities, {k: tuple(v) for k, v in checks.items()},
                         _free_sites(model, pins, observations))


def determined(model: CausalModel, observations: tuple[Observation, ...], names: tuple[str, ...]) -> bool:
    """True when the evidence pins, by inversion, every noise the ``names`` depend on, to one value.

    A site pinned by an observed variable takes one value only if that
    variable's parents do too, so their noise is needed as well.  A covariate
    (drawn from the data rows) is determined only when evidence fixes it.
    """
    plan = abduction_plan(model, observations)
    points = {site for site, pinner in plan.pins.items() if _inverts(model.variable(pinner).mechanism)}
    seen: set[str] = set()
    frontier = list(names)
    while frontier:
        sites = _noise_upstream(model, frontier, plan.equalities) - seen
        if not sites <= points:
            return False
        seen |= sites
        frontier = [p for site in sites for p in model.variable(plan.pins[site]).mechanism.model_parents]
    return True


def _noise_upstream(model: CausalModel, names: list[str], known: Mapping[str, float]) -> set[str]:
    """Noise sites the values of ``names`` depend on, not looking past variables observed with ``=``."""
    sites: set[str] = set()
    stack, visited = [n for n in names if n not in known], set()
    while stack:
        name = stack.pop()
        if name in visited:
            continue
        visited.add(name)
        if isinstance(model.variable(name).mechanism, (NoiseSource, Covariate)):
            sites.add(name)
        stack.extend(p for p in model.variable(name).parents if p not in known)
    return sites


def _inverts(mechanism: Coupled) -> bool:
    """The coupling maps the observed value back to a single noise value."""
    if mechanism.coupling in (Noise.LOCATION_SCALE, Noise.LOG_LOCATION_SCALE):
        return True
    return mechanism.coupling is Noise.INVERSE_CDF and mechanism.family in CONTINUOUS_INVERSE_CDF


def _pins(model: CausalModel, order: list[str], equalities: Mapping[str, float]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for name in order:
        mechanism = model.variable(name).mechanism
        if name in equalities and isinstance(mechanism, Coupled) and mechanism.site not in pins:
            pins[mechanism.site] = name
    return pins


def _pinned_order(model: CausalModel, order: list[str], pins: Mapping[str, str]) -> list[str]:
    """Topological order with each pinning variable before the other readers of its site."""
    graph = nx.DiGraph()
    graph.add_nodes_from(order)
    for name in order:
        graph.add_edges_from((p, name) for p in model.variable(name).parents if p in graph)
    position = {name: i for i, name in enumerate(order)}
    for name in order:
        mechanism = model.variable(name).mechanism
        pin = pins.get(mechanism.site) if isinstance(mechanism, Coupled) else None
        if pin is not None and pin != name:
            graph.add_edge(pin, name)
            if not nx.is_directed_acyclic_graph(graph):
                graph.remove_edge(pin, name)
    return list(nx.lexicographical_topological_sort(graph, key=position.__getitem__))


def _free_sites(model: CausalModel, pins: Mapping[str, str], observations) -> tuple[str, ...]:
    """Prior-drawn noise sites that can reach an observation (they make the weights vary)."""
    upstream = model.ancestors({o.name for o in observations}, inclusive=True)
    return tuple(v.name for v in model.model_variables
                 if isinstance(v.mechanism, NoiseSource) and v.name in upstream and v.name not in pins)


def _step(model: CausalModel, variable: Variable, plan: AbductionPlan, env: Env, n: int, draw: bool) -> torch.Tensor:
    """Evaluate one variable (pinning or drawing its noise first); return its log-weight term."""
    log_weight = torch.zeros(n, dtype=torch.get_default_dtype())
    mechanism = variable.mechanism
    if isinstance(mechanism, Coupled) and mechanism.site not in env:
        site = model.variable(mechanism.site)
        if plan.pins.get(mechanism.site) == variable.name:
            x = _per_draw(plan.equalities[variable.name], n)
            abduced = structural.abduce(variable, site, env, x, draw)
            env[site.name] = _batch(abduced.noise, n, site)
            env[variable.name] = x
            log_weight = _batch(abduced.log_weight, n)
        else:
            env[site.name] = structural.sample_noise(site, env, n)
    if variable.name not in env:
        env[variable.name] = structural.value_of(variable, env, n)
    for observation in plan.checks.get(variable.name, ()):
        log_weight = log_weight + _indicator(observation, env[variable.name])
    return log_weight


def _number(value: float | torch.Tensor) -> float | torch.Tensor:
    return value if isinstance(value, torch.Tensor) else float(value)


def _per_draw(value: float | torch.Tensor, n: int) -> torch.Tensor:
    """An observed value as ``n`` draws (a per-draw tensor as it is)."""
    if isinstance(value, torch.Tensor):
        return value.to(torch.get_default_dtype()).expand(n)
    return torch.full((n,), value, dtype=torch.get_default_dtype())


def _indicator(observation: Observation, values: torch.Tensor) -> torch.Tensor:
    value = torch.as_tensor(_number(observation.value), dtype=values.dtype)
    if observation.op == "=":
        holds = (values - value).abs() <= EQUALITY_TOLERANCE * (1 + value.abs())
    else:
        holds = COMPARISONS[observation.op](values, value)
    return torch.where(holds, 0.0, -torch.inf).to(values.dtype)


def _batch(value: torch.Tensor, n: int, site: Variable | None = None) -> torch.Tensor:
    event = (site.mechanism.size,) if site is not None and site.mechanism.size else ()
    if value.shape == (n,) + event:
        return value
    return value.expand((n,) + event).clone()
