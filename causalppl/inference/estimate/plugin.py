"""Plug-in estimation of general identification estimands (front-door and others) on unit-level data.

An ID estimand without fractions is a sum, over its bound variables, of a
product of observational conditionals.  Renaming every bound variable apart
(the front-door's inner ``X'`` becomes its own variable) makes it one sum
over all of them: an expectation under ancestral sampling, once the terms
are put in an order where each one's conditioning variables come first.
The plug-in draws *particles* (``PARTICLE_REPLICATES`` per data row):

* a term without conditions, ``P(Z)``, takes its variables jointly from a
  data row -- the first such term the particle's own row, later ones a row
  drawn by the weights (independent copies, as the product says);
* a term ``P(V | G)`` draws V from a regression fitted on the rows: a
  multinomial logit for a finite V, a linear model plus a resampled
  residual for a numeric one (several targets are drawn one after another);
* the outcome's term ``P(Y | G)`` is not drawn: an outcome regression of
  ``g(Y)`` on G is averaged over the particles instead.

Uncertainty is the Bayesian bootstrap, as for back-door adjustment: each
draw's Dirichlet weights choose the rows and refit every regression.

Positivity: a conditional given a finite treatment's value, ``P(T | S = 1)``,
needs units with ``S = 1``; without any, the regression would extrapolate,
and the query is refused with a located error that names the empty arm.

>>> import pandas as pd, causalppl as cp
>>> from causalppl.inference.options import parse_options
>>> m = cp.loads("model FrontDoor { S : bool\\n T : real <- S\\n C : real <- T\\n S <-> C }")
>>> rows = pd.DataFrame({"S": [0, 0, 0, 0, 1, 1, 1, 1], "T": [-1, 0, 0, 1, 0, 1, 1, 2]}).eval("C = 3 * T + S")
>>> options = parse_options({"seed": 0, "draws": 100}).with_context(data=m.load_data(pd.concat([rows] * 50)))
>>> result = answer_plugin(m.ir, m._check_query_text("E[C | do(S = 1)] - E[C | do(S = 0)]"), options)
>>> result.method, result.interval[0] < 3 < result.interval[1]
('plug-in', True)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from causalppl.identification import Estimand, Fraction, Prob, Product, Sum
from causalppl.inference.estimate.identify import bounds_text, identify_leaves
from causalppl.inference.estimate.resampled import resampled_query, resampled_result
from causalppl.inference.estimate.units import Leaf, Units, is_binary, leaf_outcome, outcome_names
from causalppl.inference.messages import positivity_fails, query_error
from causalppl.inference.options import Options
from causalppl.inference.results import Result
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import QuerySpec, leaves
from causalppl.statistics.regression import Design, least_squares, multinomial_logit

PARTICLE_REPLICATES = 2


class NotPlugin(ValueError):
    """The estimand is not of the form the plug-in samples (the message says why)."""


@dataclass(frozen=True)
class Term:
    targets: tuple[str, ...]  # renamed variables
    given: tuple[str, ...]


@dataclass(frozen=True)
class SamplingPlan:
    """Terms in sampling order, the outcome's term, and each renamed variable's base variable."""

    steps: tuple[Term, ...]
    outcome: Term
    base: dict[str, str]
    fixed: dict[str, float]


def sampling_plan(estimand: Estimand, leaf: Leaf) -> SamplingPlan:
    """The leaf's estimand as ancestral sampling steps; NotPlugin when it is not of that form."""
    if leaf.evidence:
        raise NotPlugin("the plug-in takes queries without evidence")
    fixed = {name: float(value) for name, value in leaf.interventions}
    outcomes = set(outcome_names(leaf))
    base: dict[str, str] = {name: name for name in estimand.free_variables()}
    terms = _flatten(estimand, {name: name for name in base}, base, [0])
    outcome_terms = [t for t in terms if set(t.targets) & outcomes]
    if len(outcome_terms) != 1 or set(outcome_terms[0].targets) != outcomes:
        raise NotPlugin("the outcome is not the target of exactly one conditional of the estimand")
    outcome = outcome_terms[0]
    rest = [t for t in terms if t is not outcome]
    if any(set(t.targets) & set(fixed) for t in rest):
        raise NotPlugin("a conditional of the estimand has a treatment as its target (a weighting term)")
    available, steps = set(fixed), []
    while rest:
        ready = next((t for t in rest if set(t.given) <= available), None)
        if ready is None:
            raise NotPlugin("the conditionals of the estimand cannot be put in a sampling order")
        steps.append(ready)
        available |= set(ready.targets)
        rest.remove(ready)
    if not set(outcome.given) <= available:
        raise NotPlugin("the outcome's conditioning variables are not all sampled")
    return SamplingPlan(tuple(steps), outcome, base, fixed)


def _flatten(node: Estimand, scope: dict[str, str], base: dict[str, str], counter: list[int]) -> list[Term]:
    if isinstance(node, Prob):
        return [Term(tuple(scope[v] for v in node.variables), tuple(scope[v] for v in node.given))]
    if isinstance(node, Product):
        return [term for part in node.terms for term in _flatten(part, scope, base, counter)]
    if isinstance(node, Sum):
        inner = dict(scope)
        for variable in node.over:
            counter[0] += 1
            fresh = f"{variable}#{counter[0]}"
            inner[variable], base[fresh] = fresh, variable
        return _flatten(node.body, inner, base, counter)
    if isinstance(node, Fraction):
        raise NotPlugin("the estimand has a ratio (a conditional query): the plug-in does not sample ratios")
    raise NotPlugin(f"cannot sample {type(node).__name__}")


def plugin_plans(model: CausalModel, query: QuerySpec, observed: frozenset[str] | None) -> dict[int, SamplingPlan]:
    """Each leaf's sampling plan; NotPlugin (with the reason) when a leaf is not identified or not samplable."""
    identified = identify_leaves(model, query, observed)
    plans = {}
    for leaf in leaves(query.term):
        result = identified[id(leaf)]
        if not result.identifiable:
            raise NotPlugin("the query is not identified")
        plans[id(leaf)] = sampling_plan(result.estimand, leaf)
    return plans


def answer_plugin(model: CausalModel, query: QuerySpec, options: Options) -> Result:
    """The plug-in estimate of each leaf's ID estimand, Bayesian-bootstrap interval."""
    observed = frozenset.intersection(*(frozenset(b.columns) for b in options.data.observational)) & {
        v.name for v in model.observables}
    try:
        plans = plugin_plans(model, query, observed)
    except NotPlugin as error:
        raise query_error(query.span, f"the plug-in estimator cannot take this query: {error}") from None
    identified = identify_leaves(model, query, observed)
    names = set()
    for leaf in leaves(query.term):
        plan = plans[id(leaf)]
        names |= set(plan.base.values()) | set(outcome_names(leaf)) | set(plan.fixed)
    units = Units.of(model, options.data, tuple(v.name for v in model.observables if v.name in names))
    for leaf in leaves(query.term):
        _require_treated_units(model, query, leaf, plans[id(leaf)], units)
    sampler = _Sampler(units, plans, options.seed)
    values = resampled_query(query, units, sampler.leaf_value, options.draws, options.seed,
                             width=PARTICLE_REPLICATES * 16)
    estimand = "; ".join(dict.fromkeys(identified[id(leaf)].estimand.to_text() for leaf in leaves(query.term)))
    diagnostics = {"estimator": "plug-in of the ID estimand (regressions, ancestral sampling)", "units": units.n,
                   "particles_per_row": PARTICLE_REPLICATES}
    return resampled_result(query, values, "plug-in", estimand, diagnostics)


def _require_treated_units(model: CausalModel, query: QuerySpec, leaf: Leaf, plan: SamplingPlan, units: Units) -> None:
    """Refuse a leaf whose conditionals are given a finite treatment's value that no unit has (positivity)."""
    present = units.weights > 0
    for term in (*plan.steps, plan.outcome):
        for name in term.given:
            if name not in plan.fixed or units.levels.get(name) is None:
                continue
            level = int(plan.fixed[name])
            if bool((present & (units.columns[name] == level)).any()):
                continue
            label = model.variable(name).domain.labels[level]
            given = ", ".join(f"{name} = {label}" if g == name else plan.base[g] for g in term.given)
            targets = ", ".join(plan.base[t] for t in term.targets) or ", ".join(outcome_names(leaf))
            finite = all(v.domain.is_finite for v in model.observables)
            raise positivity_fails(leaf.span, f"{name} = {label}", f"P({targets} | {given})",
                                   bounds=bounds_text(query) if finite else None)


class _Sampler:
    def __init__(self, units: Units, plans: dict[int, SamplingPlan], seed: int | None) -> None:
        self.units, self.plans = units, plans
        self.generator = torch.Generator().manual_seed(0 if seed is None else seed)
        self._designs: dict[tuple, Design] = {}

    def _design(self, names: tuple[str, ...]) -> Design:
        if names not in self._designs:
            self._designs[names] = Design.of(self.units.columns, self.units.levels, names, names[:1],
                                             self.units.weights)
        return self._designs[names]

    def leaf_value(self, leaf: Leaf, W: torch.Tensor, cache: dict) -> torch.Tensor:
        plan, units = self.plans[id(leaf)], self.units
        b, n = W.shape
        K = n * PARTICLE_REPLICATES
        own_rows = torch.arange(K) % n  # the particle's own row
        weights = W[:, own_rows] / PARTICLE_REPLICATES  # (b, K)
        values: dict[str, torch.Tensor] = {name: torch.full((b, K), value, dtype=torch.float64)
                                           for name, value in plan.fixed.items()}
        first_root = True
        for term in plan.steps:
            if not term.given:
                rows = own_rows.expand(b, K) if first_root else self._rows(W, K)
                first_root = False
                for target in term.targets:
                    values[target] = units.columns[plan.base[target]].to(torch.float64)[rows]
                continue
            given = list(term.given)
            for target in term.targets:
                values[target] = self._draw(plan, target, tuple(given), values, W, cache, K)
                given.append(target)
        g = leaf_outcome(leaf, units.columns)
        mean = self._regression_mean(plan, g, is_binary(leaf, units.levels), plan.outcome.given, values, W, cache)
        return (weights * mean).sum(-1) / weights.sum(-1)

    def _columns(self, plan: SamplingPlan, names: tuple[str, ...], values: dict[str, torch.Tensor]) -> dict:
        return {plan.base[name]: values[name].reshape(-1) for name in names}

    def _fit(self, plan: SamplingPlan, base: str, levels: int | None, given: tuple[str, ...], W: torch.Tensor,
             cache: dict):
        base_given = tuple(plan.base[name] for name in given)
        design = self._design(base_given)
        key = ("target", base, base_given)
        if key not in cache:
            X = design.matrix(self.units.columns)
            cache[key] = (multinomial_logit(X, self.units.columns[base], levels, W) if levels
                          else least_squares(X, self.units.columns[base].to(torch.float64), W))
        return design, cache[key]

    def _draw(self, plan, target, given, values, W, cache, K) -> torch.Tensor:
        units, base = self.units, plan.base[target]
        levels = units.levels[base]
        design, fit = self._fit(plan, base, levels, given, W, cache)
        b = W.shape[0]
        X = design.matrix(self._columns(plan, given, values), rows=b * K).reshape(b, K, -1)
        if levels:
            logits = torch.einsum("bkp,bpc->bkc", X, fit)
            logits = torch.cat([torch.zeros_like(logits[..., :1]), logits], dim=-1)
            cumulative = torch.cumsum(torch.softmax(logits, dim=-1), dim=-1)  # (b, K, levels)
            uniforms = torch.rand(b, K, 1, dtype=cumulative.dtype, generator=self.generator)
            return (uniforms > cumulative[..., :-1]).sum(-1).to(torch.float64)  # the inverse CDF
        mean = torch.einsum("bkp,bp->bk", X, fit)
        residuals = units.columns[base].to(torch.float64) - fit @ design.matrix(units.columns).T  # (b, n)
        return mean + torch.gather(residuals, 1, self._rows(W, K))

    def _rows(self, W: torch.Tensor, K: int) -> torch.Tensor:
        """K row indices per weight vector, drawn with replacement by the weights (inverse CDF): (b, K)."""
        cumulative = torch.cumsum(W, dim=-1)
        uniforms = torch.rand(W.shape[0], K, dtype=W.dtype, generator=self.generator) * cumulative[:, -1:]
        return torch.searchsorted(cumulative, uniforms).clamp(max=W.shape[1] - 1)

    def _regression_mean(self, plan, g, binary, given, values, W, cache) -> torch.Tensor:
        base_given = tuple(plan.base[name] for name in given)
        design = self._design(base_given)
        key = ("outcome", base_given, binary, float(g.sum()), float((g * g).sum()))
        if key not in cache:
            X = design.matrix(self.units.columns)
            cache[key] = multinomial_logit(X, g, 2, W) if binary else least_squares(X, g, W)
        fit = cache[key]
        b = W.shape[0]
        points = next(iter(values.values())).numel() if values else b  # b x (points per draw)
        X = design.matrix(self._columns(plan, given, values), rows=points)
        X = X.reshape(b, -1, X.shape[-1])
        if binary:
            return torch.sigmoid(torch.einsum("bkp,bp->bk", X, fit[..., 0]))
        return torch.einsum("bkp,bp->bk", X, fit)


__all__ = ["answer_plugin", "plugin_plans", "sampling_plan", "NotPlugin", "SamplingPlan"]
