"""Nested counterfactuals on learned models: natural direct and indirect effects by the mediation formula.

A query such as ``E[Y[X = 1, M = M[X = 0]] - Y[X = 0]]`` (the natural
direct effect) reads potential outcomes of three shapes, each ``Y`` under
one treatment ``X``:

* ``Y[X = x]`` -- a plain potential outcome;
* ``Y[X = x, M = m]`` -- mediators held at constants (controlled effects);
* ``Y[X = x, M = M[X = x']]`` -- mediators at the values they would take
  under ``x'`` (nested; several mediators all nested under the same ``x'``).

Identification (Pearl, 2001; Imai, Keele & Yamamoto's sequential
ignorability in graphical form), on the observed ADMG: let W be the
observed non-descendants of X among the ancestors of X, M and Y; then

* (A1) W blocks every back-door path from X to M and Y, and
* (A2) W with X blocks every back-door path from M to Y (no mediator-outcome
  confounding, measured or not, and no confounder of M and Y that X
  affects: a "recanting witness" fails here),

and the mediation formula holds:
``E[Y[x, M[x']]] = sum_w P(w) sum_m P(m | x', w) E[Y | x, m, w]``.

Estimation.  Over finite variables the formula is evaluated on the
empirical joint distribution, with 95% intervals from Dirichlet draws of
it (as ``identify`` does).  With a continuous variable it is computed by
iterated regressions (sequential g-computation): the outcome regression
``m(x, M, W)`` is evaluated on every row, regressed on ``(X, W)`` and
predicted at ``X = x'``, then averaged over the rows -- no density of M is
needed.  The interval is the Bayesian bootstrap over rows, every
regression refitted per draw, batched.

>>> import pandas as pd, causalppl as cp
>>> from causalppl.inference.options import parse_options
>>> m = cp.loads("model Mediation { X : bool\\n M : real <- X\\n Y : real <- X, M }")
>>> rows = pd.DataFrame({"X": [0, 0, 0, 1, 1, 1], "M": [-1, 0, 1, 0, 1, 2]}).eval("Y = 0.3 * X + 0.8 * M")
>>> options = parse_options({"seed": 0, "draws": 100}).with_context(data=m.load_data(rows))
>>> nde = answer_mediation(m.ir, m._check_query_text("E[Y[X = 1, M = M[X = 0]] - Y[X = 0]]"), options)
>>> round(nde.estimate, 3), nde.method  # the natural direct effect: Y's own coefficient of X
(0.3, 'mediation')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from causalppl.diagnostics import Span

from causalppl.identification import ADMG
from causalppl.inference.estimate.resampled import resampled_query, resampled_result
from causalppl.inference.estimate.units import Units
from causalppl.inference.graphs import observed_admg
from causalppl.inference.messages import positivity_fails, query_error
from causalppl.inference.observed import dirichlet_draws
from causalppl.inference.options import Options
from causalppl.inference.results import Result
from causalppl.ir import expressions as rx
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import COMPARISONS, ExpectationSpec, ProbabilitySpec, QuerySpec, fold_term, leaves
from causalppl.statistics.regression import Design, least_squares, logistic_mean, multinomial_logit
from causalppl.data.distributions import joint_counts


@dataclass(frozen=True)
class Outcome:
    """One potential outcome ``Y[X = x, ...]`` in the shapes above, and what the query does with it."""

    variable: str
    treatment: str
    value: float  # x
    nested: tuple[str, ...]  # mediators set to their own potential outcome under x'
    nested_value: float | None  # x'
    fixed: tuple[tuple[str, float], ...]  # mediators held at constants
    event: tuple[str, float] | None  # (op, value) for P(Y[...] op value); None: the value of Y itself

    @property
    def mediators(self) -> tuple[str, ...]:
        return self.nested + tuple(name for name, _ in self.fixed)


@dataclass(frozen=True)
class MediationTerm:
    """``constant + sum coefficient * outcome`` for one leaf."""

    constant: float
    terms: tuple[tuple[float, Outcome], ...]


class NotMediation(ValueError):
    """The query is not of the shapes the mediation formula answers (the message says why)."""


def mediation_terms(query: QuerySpec) -> dict[int, MediationTerm]:
    """Each leaf (keyed by ``id``) as a linear combination of potential outcomes; NotMediation otherwise."""
    found = {}
    for leaf in leaves(query.term):
        if leaf.evidence or leaf.interventions:
            raise NotMediation("the mediation formula takes potential outcomes without evidence or do(...)")
        found[id(leaf)] = _expectation_terms(leaf) if isinstance(leaf, ExpectationSpec) else _probability_terms(leaf)
    return found


def _expectation_terms(leaf: ExpectationSpec) -> MediationTerm:
    constant, pairs = _linear(leaf.expr)
    return MediationTerm(constant, tuple((c, _outcome(ref, None)) for c, ref in pairs))


def _probability_terms(leaf: ProbabilitySpec) -> MediationTerm:
    if len(leaf.events) != 1 or leaf.events[0].op is None:
        raise NotMediation("joint events across worlds are not identified by the mediation formula")
    event = leaf.events[0]
    return MediationTerm(0.0, ((1.0, _outcome(event.outcome, (event.op, float(event.value)))),))


def _linear(expr) -> tuple[float, list[tuple[float, rx.CounterfactualRef]]]:
    value = rx.constant_value(expr)
    if value is not None:
        return value, []
    if isinstance(expr, rx.CounterfactualRef):
        return 0.0, [(1.0, expr)]
    if isinstance(expr, rx.Unary) and expr.op == "-":
        constant, pairs = _linear(expr.operand)
        return -constant, [(-c, r) for c, r in pairs]
    if isinstance(expr, rx.Binary) and expr.op in "+-":
        sign = 1.0 if expr.op == "+" else -1.0
        left, right = _linear(expr.left), _linear(expr.right)
        return left[0] + sign * right[0], left[1] + [(sign * c, r) for c, r in right[1]]
    if isinstance(expr, rx.Binary) and expr.op in "*/":
        left, right = rx.constant_value(expr.left), rx.constant_value(expr.right)
        if expr.op == "*" and left is not None:
            constant, pairs = _linear(expr.right)
            return left * constant, [(left * c, r) for c, r in pairs]
        if right is not None and right != 0:
            factor = right if expr.op == "*" else 1.0 / right
            constant, pairs = _linear(expr.left)
            return factor * constant, [(factor * c, r) for c, r in pairs]
    raise NotMediation("the mediation formula takes sums of potential outcomes (a product or function of "
                       "potential outcomes from different worlds is not identified this way)")


def _outcome(ref: rx.CounterfactualRef, event: tuple[str, float] | None) -> Outcome:
    constants = [(name, float(value)) for name, value in ref.interventions if not isinstance(value, rx.CounterfactualRef)]
    nested = [(name, value) for name, value in ref.interventions if isinstance(value, rx.CounterfactualRef)]
    if not nested:
        if len(constants) == 1:
            (treatment, value), = constants
            return Outcome(ref.variable, treatment, value, (), None, (), event)
        if len(constants) < 1:
            raise NotMediation(f"'{rx.to_text(ref)}' is not a potential outcome")
        treatment, value = constants[0]
        return Outcome(ref.variable, treatment, value, (), None, tuple(constants[1:]), event)
    if len(constants) != 1:
        raise NotMediation("a nested potential outcome needs exactly one treatment set to a constant, "
                           "e.g. Y[X = 1, M = M[X = 0]]")
    (treatment, value), = constants
    inner_values = set()
    for name, inner in nested:
        if inner.variable != name or len(inner.interventions) != 1 or inner.interventions[0][0] != treatment \
                or isinstance(inner.interventions[0][1], rx.CounterfactualRef):
            raise NotMediation(f"'{rx.to_text(ref)}': each mediator must be set to its own potential outcome under "
                               f"the treatment, e.g. {name} = {name}[{treatment} = 0]")
        inner_values.add(float(inner.interventions[0][1]))
    if len(inner_values) != 1:
        raise NotMediation(f"'{rx.to_text(ref)}': the mediators' potential outcomes must share one treatment value")
    return Outcome(ref.variable, treatment, value, tuple(name for name, _ in nested), inner_values.pop(), (), event)


# ------------------------------------------------------------ identification ----


def mediation_covariates(admg: ADMG, outcome: Outcome) -> tuple[str, ...]:
    """W, or NotMediation naming the condition that fails (A1 or A2 above)."""
    x, y, mediators = outcome.treatment, outcome.variable, frozenset(outcome.mediators)
    names = {x, y} | set(mediators)
    unknown = names - set(admg.nodes)
    if unknown:
        raise NotMediation(f"{', '.join(sorted(unknown))} {'is' if len(unknown) == 1 else 'are'} not observed")
    if len(names) != 2 + len(mediators):
        raise NotMediation("the treatment, mediators and outcome must be different variables")
    descendants = admg.descendants({x})
    w = (admg.ancestors(names) - descendants) - names  # an outcome the treatment does not reach is no covariate
    if not admg.remove_outgoing({x}).is_d_separated({x}, mediators | {y}, w):
        raise NotMediation(f"'{x}' and its outcomes are confounded beyond the observed covariates "
                           f"({_named(w)}): no back-door adjustment for the treatment")
    if mediators and not admg.remove_outgoing(mediators).is_d_separated(mediators, {y}, w | {x}):
        raise NotMediation(f"the mediator-outcome relation ({_named(mediators)} -> '{y}') is confounded given "
                           f"the treatment and the pre-treatment covariates ({_named(w)}); the mediation formula "
                           "needs no unobserved mediator-outcome confounding and no confounder that the "
                           "treatment affects")
    return tuple(v for v in admg.topological_order() if v in w)


def _named(names) -> str:
    names = sorted(names)
    return ", ".join(f"'{n}'" for n in names) if names else "none"


def mediation_plan(model: CausalModel, query: QuerySpec, observed: frozenset[str] | None) -> dict[int, MediationTerm]:
    """The leaves' terms, each outcome checked identifiable; NotMediation with the reason otherwise."""
    terms = mediation_terms(query)
    admg = observed_admg(model, observed)
    for term in terms.values():
        for _, outcome in term.terms:
            mediation_covariates(admg, outcome)
    return terms


# ----------------------------------------------------------------- estimation ----


def answer_mediation(model: CausalModel, query: QuerySpec, options: Options) -> Result:
    """The mediation formula on the data: exact on the empirical joint (finite), iterated regressions otherwise."""
    observed = _observed(model, options)
    admg = observed_admg(model, observed)
    try:
        terms = mediation_plan(model, query, observed)
    except NotMediation as error:
        raise query_error(query.span, f"this counterfactual query is not identified by the mediation formula: {error}",
                          "ask for bounds on it instead") from None
    outcomes = [outcome for term in terms.values() for _, outcome in term.terms]
    covariates = {outcome: mediation_covariates(admg, outcome) for outcome in outcomes}
    names = set()
    for outcome in outcomes:
        names |= {outcome.variable, outcome.treatment, *outcome.mediators, *covariates[outcome]}
    needed = tuple(v.name for v in model.observables if v.name in names)
    finite = all(model.variable(name).domain.is_finite for name in needed)
    diagnostics = {"estimator": "mediation formula (" + ("empirical joint, Dirichlet draws" if finite else
                                                        "iterated regressions, Bayesian bootstrap") + ")",
                   "covariates": {_outcome_text(o): list(covariates[o]) for o in outcomes}}
    estimand = "; ".join(dict.fromkeys(f"E[{_outcome_text(o)}] = {_formula(o, covariates[o])}" for o in outcomes))
    if finite:
        values = _finite_values(model, query, terms, covariates, needed, options)
    else:
        units = Units.of(model, options.data, needed)
        regression = _Regressions(units, covariates)
        width = max(regression.width(o) for o in outcomes)
        values = resampled_query(query, units, lambda leaf, W, cache: _term_value(terms[id(leaf)], regression, W, cache),
                                 options.draws, options.seed, width)
    return resampled_result(query, values, "mediation", estimand, diagnostics)


def _term_value(term: MediationTerm, regression: "_Regressions", W: torch.Tensor, cache: dict) -> torch.Tensor:
    total = torch.full((W.shape[0],), term.constant, dtype=torch.float64)
    for coefficient, outcome in term.terms:
        total = total + coefficient * regression.value(outcome, W, cache)
    return total


class _Regressions:
    """Iterated regressions for ``E[Y[x, M[x']]]`` (and its simpler shapes) under a batch of row weights."""

    def __init__(self, units: Units, covariates: dict[Outcome, tuple[str, ...]]) -> None:
        self.units, self.covariates = units, covariates
        self._designs: dict[tuple, Design] = {}

    def _design(self, names: tuple[str, ...], interact: tuple[str, ...]) -> Design:
        key = (names, interact)
        if key not in self._designs:
            self._designs[key] = Design.of(self.units.columns, self.units.levels, names, interact, self.units.weights)
        return self._designs[key]

    def width(self, outcome: Outcome) -> int:
        names = (outcome.treatment,) + outcome.mediators + self.covariates[outcome]
        return self._design(names, (outcome.treatment,)).width

    def _g(self, outcome: Outcome) -> tuple[torch.Tensor, bool]:
        values = self.units.columns[outcome.variable].to(torch.float64)
        if outcome.event is None:
            return values, self.units.levels[outcome.variable] == 2
        op, value = outcome.event
        return COMPARISONS[op](values, value).to(torch.float64), True

    def _fit(self, design: Design, target: torch.Tensor, binary: bool, W: torch.Tensor, cache: dict, key):
        if key not in cache:
            X = design.matrix(self.units.columns)
            cache[key] = multinomial_logit(X, target, 2, W) if binary else least_squares(X, target, W)
        return cache[key]

    @staticmethod
    def _predict(design: Design, columns, coefficients, binary: bool) -> torch.Tensor:
        X = design.matrix(columns)
        return logistic_mean(X, coefficients) if binary else coefficients @ X.T

    def value(self, outcome: Outcome, W: torch.Tensor, cache: dict) -> torch.Tensor:
        units, x = self.units, outcome.treatment
        w = self.covariates[outcome]
        g, binary = self._g(outcome)
        outer = self._design((x,) + outcome.mediators + w, (x,))
        beta = self._fit(outer, g, binary, W, cache, ("outcome", outcome.variable, outcome.event, outer))
        setting = {x: outcome.value, **dict(outcome.fixed)}
        mean = self._predict(outer, units.with_values(setting), beta, binary)  # (b, n): m(x, M_i or m, W_i)
        if outcome.nested:
            inner = self._design((x,) + w, (x,))
            gamma = _batched_least_squares(inner.matrix(units.columns), mean, W)
            mean = gamma @ inner.matrix(units.with_values({x: outcome.nested_value})).T
            mean = mean if not binary else mean.clamp(0.0, 1.0)
        return (W * mean).sum(-1) / W.sum(-1)


def _batched_least_squares(X: torch.Tensor, targets: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """Least squares of target row b on X under weights row b, for every b: (b, p)."""
    weighted = W.unsqueeze(-1) * X  # (b, n, p)
    gram = weighted.transpose(1, 2) @ X + 1e-9 * W.sum(-1)[:, None, None] * torch.eye(X.shape[1], dtype=X.dtype)
    rhs = (weighted * targets.unsqueeze(-1)).sum(1)  # (b, p)
    return torch.linalg.solve(gram, rhs)


# ------------------------------------------------------------------- finite ----


def _finite_values(model: CausalModel, query: QuerySpec, terms: dict[int, MediationTerm],
                   covariates: dict[Outcome, tuple[str, ...]], needed: tuple[str, ...], options: Options) -> torch.Tensor:
    counts = sum(joint_counts(block, model, needed) for block in options.data.observational)
    total = counts.sum()
    point = torch.from_numpy(counts / total).unsqueeze(0)
    stacked = torch.cat([point, torch.from_numpy(dirichlet_draws(counts, options.draws, options.seed))]).double()

    def leaf_value(leaf) -> torch.Tensor:
        term = terms[id(leaf)]
        value = torch.full((stacked.shape[0],), term.constant, dtype=torch.float64)
        for coefficient, outcome in term.terms:
            value = value + coefficient * _finite_outcome(model, stacked, needed, outcome, covariates[outcome],
                                                          leaf.span)
        return value

    return torch.as_tensor(fold_term(query.term, leaf_value), dtype=torch.float64).reshape(-1)


def _finite_outcome(model: CausalModel, joint: torch.Tensor, names: tuple[str, ...], outcome: Outcome,
                    w: tuple[str, ...], span: Span) -> torch.Tensor:
    """``sum_w P(w) sum_m P(m | x', w) E[g(Y) | x, m, w]`` on a batch of joints (S, *levels).

    The first joint is the data's own: a conditional the formula weighs on a stratum no unit is in is a
    user error (positivity fails; :func:`_refuse_empty_strata`). The others, Dirichlet draws, are positive.
    """
    x, y = outcome.treatment, outcome.variable
    order = list(w) + [x] + list(outcome.mediators) + [y]
    kept = [names.index(n) + 1 for n in order]
    dropped = [i + 1 for i, n in enumerate(names) if n not in order]
    table = joint.sum(dim=dropped) if dropped else joint
    remaining = [n for n in names if n in order]
    table = table.permute([0] + [remaining.index(n) + 1 for n in order])
    sizes = [model.variable(n).domain.size for n in order]
    S = table.shape[0]
    nw = int(torch.tensor(sizes[:len(w)]).prod()) if w else 1
    nm = int(torch.tensor(sizes[len(w) + 1:-1]).prod()) if outcome.mediators else 1
    table = table.reshape(S, nw, sizes[len(w)], nm, sizes[-1])
    levels = torch.arange(sizes[-1], dtype=torch.float64)
    g = levels if outcome.event is None else COMPARISONS[outcome.event[0]](levels, outcome.event[1]).double()
    p_w = table.sum((2, 3, 4))
    p_xmw = table.sum(4)  # (S, w, x, m)
    x_at, x_in = int(outcome.value), int(outcome.nested_value if outcome.nested else outcome.value)
    mean = _ratio((table[:, :, x_at] * g).sum(-1), p_xmw[:, :, x_at])  # E[g | x, m, w]: (S, w, m)
    if outcome.fixed:
        index = _fixed_index(model, outcome)
        inner = mean[:, :, index]
        weights = torch.zeros_like(p_xmw[0, :, x_at])
        weights[:, index] = p_w[0]
    else:
        mediator = _ratio(p_xmw[:, :, x_in], p_xmw[:, :, x_in].sum(-1, keepdim=True))  # P(m | x', w)
        inner = (mediator * mean).sum(-1)
        weights = p_w[0, :, None] * mediator[0]
    _refuse_empty_strata(model, span, order, sizes, outcome, p_w[0], p_xmw[0], x_in, weights)
    return (p_w * inner).sum(-1)


def _refuse_empty_strata(model: CausalModel, span: Span, order: list[str], sizes: list[int], outcome: Outcome,
                         p_w: torch.Tensor, p_xmw: torch.Tensor, x_in: int, weights: torch.Tensor) -> None:
    """A located error when the data leave a conditional of the formula undefined where it has weight:
    ``P(m | x', w)`` for a ``w`` some unit has but no unit with ``x'``, or ``E[Y | x, m, w]`` for an
    ``(m, w)`` of positive weight that no unit with ``x`` is in."""
    n_w = len(order) - len(outcome.mediators) - 2
    w_names, x = order[:n_w], order[n_w]
    m_names = order[n_w + 1:-1]

    def stratum(names: list[str], flat: int, shape: list[int]) -> list[tuple[str, int]]:
        return list(zip(names, (int(i) for i in np.unravel_index(flat, shape)))) if names else []

    def shown(pairs) -> str:
        return ", ".join(f"{name} = {model.variable(name).domain.labels[level]}" for name, level in pairs)

    w_shape, m_shape = sizes[:n_w], sizes[n_w + 1:-1]
    if outcome.nested:
        lacking = torch.nonzero((p_w > 0) & (p_xmw[:, x_in].sum(-1) == 0))
        if len(lacking):
            where = stratum(w_names, int(lacking[0, 0]), w_shape)
            given = shown([(x, x_in)] + where)
            raise positivity_fails(span, given, f"P({', '.join(outcome.nested)} | {given})",
                                   f"P({shown(where)}) = {float(p_w[lacking[0, 0]]):.3g}" if where else None,
                                   None if where else 1.0, coarsen=w_names)
    lacking = torch.nonzero((weights > 0) & (p_xmw[:, int(outcome.value)] == 0))
    if len(lacking):
        flat_w, flat_m = (int(i) for i in lacking[0])
        pairs = [(x, int(outcome.value))] + stratum(m_names, flat_m, m_shape) + stratum(w_names, flat_w, w_shape)
        raise positivity_fails(span, shown(pairs), f"E[{outcome.variable} | {shown(pairs)}]",
                               weight=float(weights[flat_w, flat_m]), coarsen=w_names)


def _fixed_index(model: CausalModel, outcome: Outcome) -> int:
    index = 0
    for name, value in outcome.fixed:
        index = index * model.variable(name).domain.size + int(value)
    return index


def _ratio(top: torch.Tensor, bottom: torch.Tensor) -> torch.Tensor:
    zero = bottom == 0
    return torch.where(zero, torch.zeros_like(top), top / torch.where(zero, torch.ones_like(bottom), bottom))


# -------------------------------------------------------------------- text ----


def _outcome_text(outcome: Outcome) -> str:
    parts = [f"{outcome.treatment} = {outcome.value:g}"]
    parts += [f"{m} = {m}[{outcome.treatment} = {outcome.nested_value:g}]" for m in outcome.nested]
    parts += [f"{m} = {v:g}" for m, v in outcome.fixed]
    text = f"{outcome.variable}[{', '.join(parts)}]"
    return text if outcome.event is None else f"1[{text} {outcome.event[0]} {outcome.event[1]:g}]"


def _formula(outcome: Outcome, w: tuple[str, ...]) -> str:
    x, y = outcome.treatment, outcome.variable
    given = ", ".join((x,) + outcome.mediators + w)
    inner = f"E[{y} | {given}]"
    if outcome.nested:
        m = ", ".join(outcome.nested)
        inner = f"sum_{{{m}}} P({m} | {', '.join((x + chr(39),) + w)}) {inner}"
    return f"sum_{{{', '.join(w)}}} P({', '.join(w)}) {inner}" if w else inner


def _observed(model: CausalModel, options: Options) -> frozenset[str]:
    names = {v.name for v in model.observables}
    for block in options.data.observational:
        names &= set(block.columns)
    return frozenset(names)


__all__ = ["answer_mediation", "mediation_plan", "mediation_terms", "mediation_covariates", "NotMediation",
           "Outcome", "MediationTerm"]
