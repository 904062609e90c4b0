"""``identify`` queries: the ID/IDC estimand, and its value with a credible interval.

Each probability or expectation of the query is identified on the model's
observed ADMG.  The estimand is evaluated on the observed distribution: the
data's empirical distribution (interval from Dirichlet posterior draws over
the cells) or, without data, the model's own exact P(V).

Positivity: an estimand that needs a conditional on a stratum no unit is in
(``P(Y | X = 1, Z = 1)`` with no unit at ``X = 1, Z = 1`` while ``P(Z = 1) >
0``) is undefined on the data, and the query is refused with a located error
that names the stratum; an empty stratum the formula weighs by zero (times
``P(Z = 1) = 0``) is harmless.  The interval needs no such care: the
Dirichlet(counts + 1/2) draws give every cell positive probability, so every
conditional is defined in every draw (an empty stratum's conditional is then
drawn from the prior, which is what the posterior says about it).

>>> import causalppl as cp
>>> m = cp.loads("model M { Z ~ Bernoulli(0.5)\\n X ~ Bernoulli(if Z then 0.8 else 0.2)\\n Y := X and Z }")
>>> result = answer_identify(m.ir, m._check_query_text("identify P(Y = 1 | do(X = 1))"), Options())
>>> print(result.estimand)
P(Y | do(X)) = sum_{Z} P(Z) P(Y | Z, X)
>>> round(result.estimate, 6), result.method
(0.5, 'identification+exact')
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from causalppl.diagnostics import CausalPPLError
from causalppl.identification import (
    Estimand,
    Fraction,
    Identification,
    Prob,
    Product,
    Sum,
    Undefined,
    evaluate_range,
    identify,
    undefined_conditional,
)
from causalppl.inference.graphs import observed_admg
from causalppl.inference.messages import (
    condition_not_in_data,
    condition_weights_not_identified,
    positivity_fails,
    query_error,
)
from causalppl.inference.observed import NotTabulable, ObservedJoint, observed_joint
from causalppl.inference.options import Options
from causalppl.inference.results import Result
from causalppl.ir import expressions as rx
from causalppl.ir.constants import fold
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import (
    COMPARISONS,
    ExpectationSpec,
    ProbabilitySpec,
    QuerySpec,
    fold_term,
    leaves,
)


def answer_identify(model: CausalModel, query: QuerySpec, options: Options) -> Result:
    """The ID/IDC estimand of every leaf, evaluated on the data (Dirichlet draws) or on the model's exact P(V).

    Variables without a column in the data are treated as unobserved (latent
    projection).  An ``identify`` query that is not identified answers so,
    with the hedge; an estimate query sent here must be identified.
    """
    observed = observed_in_data(model, options.data)
    identified = identify_leaves(model, query, observed)
    failures = [(leaf, result) for leaf in leaves(query.term) if not (result := identified[id(leaf)]).identifiable]
    if failures:
        return _not_identified(query, failures)
    formula = _formula(model, query, identified)
    names = _needed_variables(model, query, identified)
    continuous = [name for name in names if not model.variable(name).domain.is_finite]
    if continuous:
        return Result(query.name, query.text, identifiable=True, estimand=formula, method="identification",
                      kind=query.kind, notes=(f"'{continuous[0]}' is {model.variable(continuous[0]).domain.describe()}"
                                              ": give unit-level data (a data line or --data) to estimate the "
                                              "estimand by regression",))
    joint = _joint_or_none(model, options, names)
    if joint is None:
        return Result(query.name, query.text, identifiable=True, estimand=formula, method="identification",
                      kind=query.kind, notes=("no data: give data (a data line or --data) to estimate it",))
    stacked = joint.point[None] if joint.draws is None else np.concatenate([joint.point[None], joint.draws])

    def leaf_values(leaf) -> np.ndarray:
        values = estimand_leaf_values(model, leaf, identified[id(leaf)], stacked, joint.variables)
        if not math.isfinite(values[0]):
            _refuse_undefined(model, query, leaf, identified[id(leaf)], joint)
        return values

    with np.errstate(divide="ignore", invalid="ignore"):  # a quotient of zero is not finite: refused below
        values = fold_term(query.term, leaf_values)
    return _estimate_result(query, formula, values, joint)


def identify_leaves(model: CausalModel, query: QuerySpec,
                    observed: frozenset[str] | None = None) -> dict[int, Identification]:
    """ID/IDC of every leaf (keyed by ``id(leaf)``) on the ADMG over ``observed`` (default: all observables)."""
    admg = observed_admg(model, observed)
    return {id(leaf): _identify_leaf(model, admg, leaf) for leaf in leaves(query.term)}


def observed_in_data(model: CausalModel, data) -> frozenset[str] | None:
    """The observable variables every observational block has a column for (None without such data)."""
    blocks = data.observational if data is not None else ()
    if not blocks:
        return None
    names = {v.name for v in model.observables}
    for block in blocks:
        names &= set(block.columns)
    return frozenset(names)


def estimand_variables(model: CausalModel, query: QuerySpec, observed: frozenset[str] | None = None) -> tuple[str, ...]:
    """The observed variables an identified query and its estimands read, in model order (identified leaves only)."""
    identified = identify_leaves(model, query, observed)
    usable = {key: result for key, result in identified.items() if result.identifiable}
    needed: set[str] = set()
    for leaf in leaves(query.term):
        if id(leaf) in usable:
            needed |= _mentioned(usable[id(leaf)].estimand)
        needed |= _plain_outcomes(leaf) | {name for name, _ in leaf.interventions}
        needed |= {e.outcome.variable for e in leaf.evidence}
    return tuple(v.name for v in model.observables if v.name in needed)


def _needed_variables(model: CausalModel, query: QuerySpec, identified: dict[int, Identification]) -> tuple[str, ...]:
    """The observed variables the estimands and the query read, in model order."""
    needed: set[str] = set()
    for leaf in leaves(query.term):
        needed |= _mentioned(identified[id(leaf)].estimand)
        needed |= _plain_outcomes(leaf) | {name for name, _ in leaf.interventions}
        needed |= {e.outcome.variable for e in leaf.evidence}
    return tuple(v.name for v in model.observables if v.name in needed)


def _mentioned(estimand: Estimand) -> set[str]:
    stack, names = [estimand], set()
    while stack:
        node = stack.pop()
        if isinstance(node, Prob):
            names |= set(node.variables) | set(node.given)
        elif isinstance(node, Sum):
            names |= set(node.over)
            stack.append(node.body)
        elif isinstance(node, Product):
            stack.extend(node.terms)
        elif isinstance(node, Fraction):
            stack += [node.numerator, node.denominator]
    return names


# ----------------------------------------------------------------- leaves ----


def _identify_leaf(model: CausalModel, admg, leaf: ProbabilitySpec | ExpectationSpec) -> Identification:
    """The leaf's estimand: P(outcomes | do(treatments), conditions) by ID/IDC.

    A condition that admits several values (``W != w0``, ``W > w0``) weighs the conditional at each value w by
    P(W = w | do(treatments)), so such a leaf gets the estimand of the joint P(outcomes, conditions |
    do(treatments)) instead, which :func:`estimand_leaf_values` sums over the outcome and condition values and
    normalises; when the conditional is identified but that joint is not (P(conditions | do(treatments)) is
    not), the leaf is refused.  A condition of one value keeps the conditional's estimand.
    """
    outcomes = _outcome_names(model, leaf)
    treatments = {name for name, _ in leaf.interventions}
    conditions = {event.outcome.variable for event in leaf.evidence}
    _require_observed(model, leaf, outcomes | treatments | conditions)
    try:
        result = identify(admg, outcomes, treatments, conditions)
        if not result.identifiable or not several_condition_values(model, leaf):
            return result
        joint = identify(admg, outcomes | conditions, treatments)
    except ValueError as error:
        raise query_error(leaf.span, f"cannot identify this query: {error}") from None
    if not joint.identifiable:
        weights = identify(admg, conditions, treatments)  # not identified either (the joint's marginal)
        raise condition_weights_not_identified(
            leaf.span, _condition_text(model, leaf), _weights_label(leaf),
            weights.hedge.describe() if not weights.identifiable and weights.hedge is not None else None)
    return joint


def several_condition_values(model: CausalModel, leaf) -> bool:
    """Whether the leaf's condition admits more than one assignment of its variables (``W != w0`` on three
    levels; not ``W = w1``), so that its values must be weighed by their probability."""
    events: dict[str, list] = {}
    for event in leaf.evidence:
        events.setdefault(event.outcome.variable, []).append(event)
    count = 1
    for name, held in events.items():
        domain = model.variable(name).domain
        if not domain.is_finite:
            if any(COMPARISONS[e.op] is not COMPARISONS["="] for e in held):
                return True
            continue
        levels = np.arange(domain.size)
        count *= int(np.all([np.asarray(COMPARISONS[e.op](levels, e.value), dtype=bool) for e in held],
                            axis=0).sum())
    return count > 1


def _condition_text(model: CausalModel, leaf) -> str:
    def value(name: str, level) -> str:
        domain = model.variable(name).domain
        labels = getattr(domain, "labels", None)
        if domain.is_finite and labels is not None and float(level).is_integer() and 0 <= int(level) < len(labels):
            return str(labels[int(level)])
        return f"{level:g}" if isinstance(level, float) else str(level)

    return ", ".join(f"{e.outcome.variable} {e.op} {value(e.outcome.variable, e.value)}" for e in leaf.evidence)


def _weights_label(leaf) -> str:
    given = ", ".join(sorted({e.outcome.variable for e in leaf.evidence}))
    treatments = ", ".join(name for name, _ in leaf.interventions)
    return f"P({given} | do({treatments}))" if treatments else f"P({given})"


def _outcome_names(model: CausalModel, leaf) -> set[str]:
    if isinstance(leaf, ExpectationSpec):
        names = set(rx.variables_in(leaf.expr))
        if rx.counterfactuals_in(leaf.expr) or rx.parameters_in(leaf.expr):
            raise query_error(leaf.span, "identify takes P(...) or E[...] of observed variables under do(...)")
        return names
    if any(not event.is_factual for event in leaf.events + leaf.evidence):
        raise query_error(leaf.span, "identify takes interventional queries; counterfactual ones get 'bounds'")
    return {event.outcome.variable for event in leaf.events}


def _require_observed(model: CausalModel, leaf, names: set[str]) -> None:
    for name in sorted(names):
        if model.variable(name).kind == "latent":
            raise query_error(leaf.span, f"'{name}' is latent; identification is about observed variables")


def _formula(model: CausalModel, query: QuerySpec, identified: dict[int, Identification]) -> str:
    texts = [f"{_leaf_label(leaf, several_condition_values(model, leaf))} = {identified[id(leaf)].estimand.to_text()}"
             for leaf in leaves(query.term)]
    return "; ".join(dict.fromkeys(texts))


def _leaf_label(leaf, joint: bool = False) -> str:
    """``P(Y | do(X), W)``; ``P(Y, W | do(X))`` for the joint a condition of several values is identified by."""
    outcomes = sorted(_plain_outcomes(leaf))
    treatments = ", ".join(name for name, _ in leaf.interventions)
    given = ", ".join(sorted({e.outcome.variable for e in leaf.evidence}))
    if joint:
        outcomes, given = outcomes + sorted({e.outcome.variable for e in leaf.evidence} - set(outcomes)), ""
    parts = [f"do({treatments})"] if treatments else []
    parts += [given] if given else []
    condition = f" | {', '.join(parts)}" if parts else ""
    return f"P({', '.join(outcomes)}{condition})"


def _plain_outcomes(leaf) -> set[str]:
    if isinstance(leaf, ExpectationSpec):
        return set(rx.variables_in(leaf.expr))
    return {event.outcome.variable for event in leaf.events}


def _not_identified(query: QuerySpec, failures) -> Result:
    notes = tuple(f"{_leaf_label(leaf)}: {result.hedge.describe()}" if result.hedge else _leaf_label(leaf)
                  for leaf, result in failures)
    return Result(query.name, query.text, identifiable=False, method="identification", kind=query.kind,
                  notes=("not identifiable from the observed distribution; ask for 'bounds' instead",) + notes)


# ------------------------------------------------------------- evaluation ----


def _joint_or_none(model: CausalModel, options: Options, names: tuple[str, ...]) -> ObservedJoint | None:
    try:
        return observed_joint(model, options.data, options.draws, options.seed, names)
    except NotTabulable:
        return None


def estimand_leaf_values(model: CausalModel, leaf, identification: Identification, stacked: np.ndarray,
                         variables: tuple[str, ...]) -> np.ndarray:
    """An identified leaf's value under each table of ``stacked`` (shape (T, ...) over ``variables``): one value
    per table, nan where the leaf's evidence has probability zero under that table, and nan where the estimand
    is undefined there (positivity fails: it gives positive weight to a conditional on a stratum of probability
    zero; :func:`positivity_error` names it).

    The one sum over the leaf's outcome and evidence values that identification estimates and bounds (for
    their identified leaves) both use.
    """
    fixed = {name: int(value) for name, value in leaf.interventions}
    numerator = np.zeros(stacked.shape[0], dtype=np.float64)
    normalizer = np.zeros_like(numerator)
    undefined = np.zeros(stacked.shape[0], dtype=bool)
    for assignment, weight in _leaf_assignments(model, leaf):
        low, high = evaluate_range(identification.estimand, stacked, variables, {**assignment, **fixed})
        if weight != 0 or leaf.evidence:  # an outcome value of weight zero adds nothing, defined or not
            undefined |= high > low
        numerator += low * weight
        normalizer += low
    if leaf.evidence:
        numerator = np.where(normalizer > 0, numerator / np.where(normalizer > 0, normalizer, 1.0), np.nan)
    return np.where(undefined, np.nan, numerator)


def positivity_error(model: CausalModel, query: QuerySpec, leaf, identification: Identification,
                     table: np.ndarray, variables: tuple[str, ...], source: str = "data") -> CausalPPLError | None:
    """The located error naming a stratum of probability zero that the leaf's estimand needs on ``table`` (one
    joint over ``variables``), or None when the estimand is defined there."""
    fixed = {name: int(value) for name, value in leaf.interventions}
    for assignment, weight in _leaf_assignments(model, leaf):
        if weight == 0 and not leaf.evidence:
            continue
        found = undefined_conditional(identification.estimand, table, variables, {**assignment, **fixed})
        if found is not None:
            return _positivity_error(model, query, leaf, found, table, variables, source)
    return None


def _leaf_assignments(model: CausalModel, leaf):
    """Each assignment of level positions to the leaf's outcomes and evidence variables that meets the evidence,
    with the leaf's quantity there."""
    evidence = {e.outcome.variable for e in leaf.evidence}
    outcomes = sorted(_plain_outcomes(leaf))
    free = outcomes + sorted(evidence - set(outcomes))
    for values in itertools.product(*(range(model.variable(n).domain.size) for n in free)):
        assignment = dict(zip(free, values))
        if all(COMPARISONS[e.op](assignment[e.outcome.variable], e.value) for e in leaf.evidence):
            yield assignment, _leaf_weight(leaf, assignment)


def _refuse_undefined(model: CausalModel, query: QuerySpec, leaf, identification: Identification,
                      joint: ObservedJoint) -> None:
    """Raise the reason the leaf has no value on the observed distribution: a condition of probability zero, or
    an empty stratum the estimand needs (positivity); otherwise leave it to the caller."""
    if leaf.evidence and _probability(joint.point, joint.variables, _evidence_mask(leaf, joint)) == 0:
        raise condition_not_in_data(query.span)
    error = positivity_error(model, query, leaf, identification, joint.point, joint.variables, joint.source)
    if error is not None:
        raise error


def _positivity_error(model: CausalModel, query: QuerySpec, leaf, found: Undefined, table: np.ndarray,
                      variables: tuple[str, ...], source: str) -> CausalPPLError:
    def shown(pairs) -> str:
        return ", ".join(f"{name} = {model.variable(name).domain.labels[level]}" for name, level in pairs)

    levels = dict(found.stratum)
    term = found.term
    if isinstance(term, Prob):
        undefined = f"P({', '.join(term.variables)} | {shown((name, levels[name]) for name in term.given)})"
    else:
        undefined = f"[{term.to_text()}] at {shown(found.stratum)}"
    summed = [(name, level) for name, level in found.stratum if name not in found.fixed]
    support = None
    if summed and len(summed) < len(found.stratum):
        probability = _probability(table, variables, {name: np.arange(table.shape[variables.index(name)]) == level
                                                      for name, level in summed})
        if probability > 0:
            support = f"P({shown(summed)}) = {probability:.3g}"
    finite = all(v.domain.is_finite for v in model.observables)
    return positivity_fails(leaf.span, shown(found.stratum), undefined, support, found.weight, source,
                            bounds_text(query) if finite else None, [name for name, _ in summed])


def bounds_text(query: QuerySpec) -> str:
    """The query asked for sharp bounds instead (``bounds P(Y = 1 | do(X = 1))``), for hints."""
    text = query.text.strip()
    if query.kind == "identify" and text.startswith("identify"):
        text = text[len("identify"):].strip()
    return f"bounds {text}"


def _evidence_mask(leaf, joint: ObservedJoint) -> dict[str, np.ndarray]:
    masks: dict[str, np.ndarray] = {}
    for event in leaf.evidence:
        name = event.outcome.variable
        levels = np.arange(joint.point.shape[joint.variables.index(name)])
        holds = np.asarray(COMPARISONS[event.op](levels, event.value), dtype=bool)
        masks[name] = masks[name] & holds if name in masks else holds
    return masks


def _probability(table: np.ndarray, variables: tuple[str, ...], masks: dict[str, np.ndarray]) -> float:
    """The probability under one joint ``table`` over ``variables`` that each named variable's level is in its mask."""
    selected = np.asarray(table, dtype=np.float64)
    for name, mask in masks.items():
        axis = variables.index(name)
        shape = [1] * selected.ndim
        shape[axis] = -1
        selected = selected * np.asarray(mask, dtype=np.float64).reshape(shape)
    return float(selected.sum())


def _leaf_weight(leaf, assignment: dict[str, int]) -> float:
    """The leaf's quantity at one assignment of level positions: its expression, or whether its events hold."""
    if isinstance(leaf, ExpectationSpec):
        value = fold(leaf.expr, {name: float(level) for name, level in assignment.items()}).value
        return math.nan if value is None else value  # undefined at this assignment (1/0): not a finite answer
    return float(all(COMPARISONS[e.op](assignment[e.outcome.variable], e.value) for e in leaf.events))


def _estimate_result(query: QuerySpec, formula: str, values: np.ndarray, joint: ObservedJoint) -> Result:
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    estimate = float(values[0])
    if not math.isfinite(estimate):
        raise condition_not_in_data(query.span)
    interval = None
    draws = values[1:][np.isfinite(values[1:])]
    notes: tuple[str, ...] = ()
    if joint.draws is not None and draws.size > 0:
        interval = (float(np.quantile(draws, 0.025)), float(np.quantile(draws, 0.975)))
    if joint.draws is not None and draws.size < values.size - 1:
        notes = (f"{values.size - 1 - draws.size} of {values.size - 1} posterior draws of the observed distribution "
                 "left the answer undefined and were left out of the interval",)
    method = "identification" if joint.source == "data" else "identification+exact"
    return Result(query.name, query.text, estimate=estimate, interval=interval, identifiable=True,
                  estimand=formula, method=method, kind=query.kind, notes=notes)
