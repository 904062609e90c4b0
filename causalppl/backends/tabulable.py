"""Whether a model, or the part of it a query reads, has finite tables for exact enumeration (no torch).

A model is tabulable when every variable is finite with a known mechanism of
a tabulated family. A query may be answered exactly on a model that is not:
only the variables it reads and their ancestors (after its ``do`` surgery)
need tables, the others are barren and sum out. :func:`finite_part` is the
largest ancestrally closed set of tabulable variables; a query whose
relevant variables lie in it is answered on that part's compiled network.
:mod:`causalppl.backends.factors` builds the tables themselves, by the same
rules.

>>> import causalppl as cp
>>> untabulable_reason(cp.loads("model C { X ~ Bernoulli(0.3)\\n Y := not X }").ir) is None
True
>>> m = cp.loads("model N { X ~ Bernoulli(0.3)\\n W ~ Normal(X, 1) }").ir
>>> untabulable_reason(m), finite_part(m)
("'W' is real", ('X',))
>>> untabulable_reason(m, relevant_variables(m, {"X"})) is None
True
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

from causalppl.backends.means import is_affine_in, mean_expression
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import Deterministic, NonparametricMechanism, Parametric
from causalppl.ir.model import CausalModel, Variable
from causalppl.ir.queries import ExpectationSpec, ProbabilitySpec
from causalppl.transforms.inline import is_inlined
from causalppl.transforms.rename import map_refs

TABULATED_FAMILIES = ("Bernoulli", "Categorical")


class NotTabulable(ValueError):
    """The model (or one variable) has no finite table; the message says why."""


def untabulable_reason(model: CausalModel, names: Collection[str] | None = None,
                       intervened: Collection[str] = ()) -> str | None:
    """Why the model (or, given ``names``, those of its variables) has no finite tables, read from its
    structure alone (None: it has).

    ``intervened`` variables are constants set by ``do``: only their domain must be finite. The same rules
    :func:`causalppl.backends.factors.model_factors` applies, without building a table.
    """
    reason = _model_reason(model)
    if reason is not None:
        return reason
    for variable in model.model_variables:
        if names is not None and variable.name not in names:
            continue
        if variable.name in intervened:
            if not variable.domain.is_finite:
                return f"'{variable.name}' is {variable.domain.describe()}"
            continue
        reason = variable_reason(variable)
        if reason is not None:
            return reason
    return None


def variable_reason(variable: Variable) -> str | None:
    """Why one variable has no finite table given its parents' (None: it has one)."""
    mechanism = variable.mechanism
    if not variable.domain.is_finite:
        return f"'{variable.name}' is {variable.domain.describe()}"
    if isinstance(mechanism, NonparametricMechanism) or mechanism is None:
        return f"'{variable.name}' has an unknown mechanism"
    if isinstance(mechanism, Parametric) and mechanism.family not in TABULATED_FAMILIES:
        return f"'{variable.name}' ~ {mechanism.family} has no finite table"
    return None


def _model_reason(model: CausalModel) -> str | None:
    """What keeps every query of the model from exact enumeration, whatever it reads."""
    if model.confounders:
        arc = model.confounders[0]
        return f"'{arc.a} <-> {arc.b}' is an unknown confounder"
    for parameter in model.parameters:
        if parameter.mechanism is not None:
            return f"parameter '{parameter.name}' has a prior"
    return None


def finite_part(model: CausalModel) -> tuple[str, ...]:
    """The variables with finite tables whose ancestors all have them too, in topological order (empty when
    something keeps the whole model from enumeration: an unknown confounder, a prior)."""
    if _model_reason(model) is not None:
        return ()
    kept: set[str] = set()
    for variable in model.model_variables:
        if variable_reason(variable) is None and all(parent in kept for parent in variable.parents):
            kept.add(variable.name)
    return tuple(v.name for v in model.model_variables if v.name in kept)


def relevant_variables(model: CausalModel, names: Iterable[str],
                       interventions: Mapping[str, float] | Collection[str] = (),
                       observed_points: Collection[str] = ()) -> set[str]:
    """``names`` and their ancestors in the model after ``do`` of the ``interventions`` (whose arrows in are
    cut): the variables whose tables a query on ``names`` reads; every other table is barren. A constant with
    no finite domain (``do(R = 0.5)`` on a real ``R``) is written into its children's mechanisms, so it is
    relevant only where ``names`` reads it itself; so is a variable in ``observed_points`` (see
    :func:`point_observed`)."""
    cut = set(interventions)
    found: set[str] = set()
    stack = [name for name in names if name in model and not model.variable(name).is_parameter]
    while stack:
        name = stack.pop()
        if name in found:
            continue
        found.add(name)
        if name not in cut:
            stack.extend(parent for parent in model.variable(name).parents
                         if parent not in found and parent not in observed_points
                         and not _inlined(model.variable(parent), cut))
    return found


def _inlined(variable: Variable, cut: Collection[str]) -> bool:
    """A constant (set by the model's ``do`` or the query's) with no finite domain: its children read its number
    (:func:`causalppl.transforms.inline.inline_constants`), not a table."""
    return not variable.domain.is_finite and (variable.name in cut or is_inlined(variable))


def leaf_variables(leaf) -> set[str]:
    """The variables a factual query leaf (``P(...)`` or ``E[...]``) reads: its events or expression and its
    evidence."""
    if isinstance(leaf, ExpectationSpec):
        names = set(rx.variables_in(leaf.expr))
    else:
        names = {event.outcome.variable for event in leaf.events}
    return names | {event.outcome.variable for event in leaf.evidence}


def observed_real(model: CausalModel, leaf) -> dict[str, str]:
    """The real variables a factual leaf compares with a number that exact enumeration reads as a likelihood of
    their finite parents (:func:`causalppl.backends.factors.log_likelihood_weights`), each with its comparison.

    Each is not finite, compared once, neither set by the leaf's ``do`` nor read by it otherwise, and either

    * evidence at a point (``S = 3.2``: a density family, a count family or a deterministic mechanism; its
      children read the number), or
    * evidence or an event with an inequality (``S > 3``: a family with a cdf, :data:`CDF_FAMILIES`, or a
      deterministic mechanism), or an event ``N = 3`` of a count family or a deterministic mechanism (its
      probability); no child of it may matter to the leaf, since no child can read one number.
    """
    events = () if isinstance(leaf, ExpectationSpec) or leaf.is_distribution else leaf.events
    read = set(rx.variables_in(leaf.expr)) if isinstance(leaf, ExpectationSpec) else set()
    if isinstance(leaf, ProbabilitySpec) and leaf.is_distribution:
        read.add(leaf.events[0].outcome.variable)
    compared = [event.outcome.variable for event in (*events, *leaf.evidence)]
    interventions = dict(leaf.interventions)
    found: dict[str, str] = {}
    for event, is_evidence in [(e, False) for e in events] + [(e, True) for e in leaf.evidence]:
        name = event.outcome.variable
        if (event.op is None or event.value is None or not event.is_factual or name in read
                or compared.count(name) != 1 or name in interventions or name not in model):
            continue
        variable = model.variable(name)
        mechanism = variable.mechanism
        if variable.domain.is_finite or variable.is_parameter:
            continue
        if not all(model.variable(p).domain.is_finite or _inlined(model.variable(p), interventions)
                   for p in variable.parents):
            continue  # (its likelihood is a table of finite parents only)
        found_here = has_likelihood(variable, event.op, is_evidence)
        if found_here and not (event.op == "=" and is_evidence):
            others = leaf_variables(leaf) - {name}
            found_here = not any(name in model.variable(v).parents
                                 for v in relevant_variables(model, others, interventions))
        if found_here:
            found[name] = event.op
    return found


def has_likelihood(variable: Variable, op: str, is_evidence: bool = True) -> bool:
    """Whether ``variable op number`` has a likelihood of the variable's parents that exact enumeration reads:
    at a point, as evidence, a density (or count) family or a deterministic mechanism; as an event, a count
    family or a deterministic mechanism (its probability); an inequality, a family with a cdf or a
    deterministic mechanism."""
    mechanism = variable.mechanism
    if isinstance(mechanism, Deterministic):
        return True
    if not isinstance(mechanism, Parametric):
        return False
    if op == "=":
        return mechanism.family not in POINTLESS_FAMILIES if is_evidence else mechanism.family in COUNT_FAMILIES
    return mechanism.family in CDF_FAMILIES


#: Families whose point evidence is not read as a likelihood (finite ones have tables; a vector has no point).
POINTLESS_FAMILIES = TABULATED_FAMILIES + ("Dirichlet",)
#: Families whose events ``S < v`` (and ``<=``, ``>``, ``>=``) have a probability torch computes (a cdf).
CDF_FAMILIES = ("Normal", "LogNormal", "Cauchy", "Laplace", "Uniform", "Exponential", "HalfNormal", "HalfCauchy",
                "Gamma")
#: Families whose event ``N = n`` has a probability (their mass function).
COUNT_FAMILIES = ("Poisson", "Binomial")


def expectation_by_means(model: CausalModel, leaf) -> rx.Expr | None:
    """An expectation leaf's expression with real variables replaced by what they are on average given their
    parents, where that keeps the expectation (None: nothing replaced): a deterministic ``R := g(...)`` by
    ``g``, a stochastic ``Y ~ Family(...)`` by its mean (:func:`causalppl.backends.means.mean_expression`)
    where the expression is affine in it. A variable is replaced only where nothing else the leaf reads or
    observes descends from it (then, given its parents, it is independent of them), and never when the leaf
    observes or sets it; a real variable it sets by ``do``, or observes at a point, is that number. One variable at a time, the last in topological order first, so that chains
    (``Y ~ Normal(M, 1)``, ``M ~ Normal(2 * T, 1)``) reduce to their finite roots.

    >>> import causalppl as cp
    >>> m = cp.loads("model A { T ~ Bernoulli(0.5)\\n M ~ Normal(2 * T, 1)\\n Y ~ Normal(M + 1, 1) }")
    >>> rx.to_text(expectation_by_means(m.ir, m._check_query_text("E[3 * Y]").term))
    '(3 * ((2 * T) + 1))'
    """
    if not isinstance(leaf, ExpectationSpec):
        return None
    interventions = dict(leaf.interventions)
    observed = {event.outcome.variable for event in leaf.evidence}
    order = model.topological_names()
    expr, changed = leaf.expr, False
    numbers = {name: value for name, value in interventions.items() if not model.variable(name).domain.is_finite}
    numbers.update({v.name: v.mechanism.value for v in model.model_variables if is_inlined(v)})
    numbers.update({e.outcome.variable: e.value for e in leaf.evidence  # (observed at a point: that number)
                    if e.op == "=" and e.value is not None and e.is_factual
                    and not model.variable(e.outcome.variable).domain.is_finite})
    while True:
        if numbers.keys() & set(rx.variables_in(expr)):  # (a real constant the expression or a mean reads)
            expr = map_refs(expr, lambda ref: rx.Const(numbers[ref.name], ref.span) if ref.name in numbers else ref)
            changed = True
        read = set(rx.variables_in(expr))
        for name in [n for n in reversed(order) if n in read]:
            variable = model.variable(name)
            if variable.domain.is_finite or variable.is_parameter or name in interventions or name in observed:
                continue
            mechanism = variable.mechanism
            if isinstance(mechanism, Deterministic):
                replacement = mechanism.expr
            elif isinstance(mechanism, Parametric) and is_affine_in(expr, {name}):
                replacement = mean_expression(mechanism)
            else:
                replacement = None
            if replacement is None:
                continue
            others = (read - {name}) | observed
            if any(name in model.variable(v).parents for v in relevant_variables(model, others, interventions)):
                continue
            expr = map_refs(expr, lambda ref, name=name, by=replacement: by if ref.name == name else ref)
            changed = True
            break
        else:
            return expr if changed else None


def leaf_untabulable_reason(model: CausalModel, leaf) -> str | None:
    """Why the tables a factual query leaf reads (its variables and their ancestors, after its ``do``) are not
    all finite (None: exact enumeration answers it). Evidence on a real variable read as a likelihood reads
    its parents' tables instead of its own (:func:`observed_real`)."""
    by_means = expectation_by_means(model, leaf)
    if by_means is not None:
        leaf = replace(leaf, expr=by_means)
    interventions = dict(leaf.interventions)
    likelihoods = observed_real(model, leaf)
    points = {name for name, op in likelihoods.items() if op == "="}
    read = leaf_variables(leaf) - set(likelihoods)
    cut = set(interventions)
    for name in likelihoods:
        read |= {p for p in model.variable(name).parents if not _inlined(model.variable(p), cut)}
    relevant = relevant_variables(model, read, interventions, points)
    return untabulable_reason(model, relevant, intervened=set(interventions) & relevant)


__all__ = ["TABULATED_FAMILIES", "NotTabulable", "untabulable_reason", "variable_reason", "finite_part",
           "relevant_variables", "leaf_variables", "observed_real", "has_likelihood", "expectation_by_means", "leaf_untabulable_reason",
           "POINTLESS_FAMILIES", "CDF_FAMILIES"]
