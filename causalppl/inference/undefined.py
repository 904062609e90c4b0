"""Undefined answers are errors, never numbers: means that do not exist, and results that are not finite.

Before a query is answered, :func:`require_defined_means` refuses ``E[...]``
of an expression whose mean does not exist: one that grows with a
heavy-tailed variable (``Cauchy``, ``HalfCauchy``, ``StudentT`` with
``df <= 1``, or anything computed from one by arithmetic, ``abs``, ``exp``,
``softplus``, ``min``/``max`` or a location argument).  Bounded functions
(comparisons, ``sigmoid``, a ``Bernoulli`` probability) and slowly growing
ones (``log``, ``sqrt``) keep a mean and are allowed; intervened variables
and variables pinned by equality evidence are constants.  A Monte Carlo
average of such a quantity would print a number that means nothing.
A single potential outcome is checked in its world (``E[X[Y = 0]]`` is
``E[X]`` when Y does not cause X); contrasts across worlds are not
(they cancel the shared noise: ``Y[X = 1] - Y[X = 0]`` can have a mean when
``Y`` has none), nor expectations with evidence.

After a query is answered, :func:`require_finite` turns a ``nan`` or ``inf``
estimate, interval, bound or probability into a located user error.

>>> import causalppl as cp
>>> m = cp.loads("model M { X ~ Cauchy(0, 1)\\n Y := X > 0 }")
>>> heavy_variables(m.ir, frozenset())
{'X': 'Cauchy'}
"""

from __future__ import annotations

import math
from typing import Iterable

from causalppl.inference.messages import no_finite_answer
from causalppl.inference.results import Result
from causalppl.ir import expressions as rx
from causalppl.ir.constants import LARGEST_TEXT, fold
from causalppl.ir.mechanisms import Deterministic, Parametric
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import ExpectationSpec, QuerySpec, leaves

HEAVY_FAMILIES = {"Cauchy", "HalfCauchy"}
#: Families whose values stay bounded whatever their arguments.
BOUNDED_FAMILIES = {"Bernoulli", "Categorical", "Beta"}
#: Functions whose value grows no faster than their argument's: a heavy argument gives a heavy value.
GROWING_FUNCTIONS = {"exp", "abs", "softplus", "min", "max", "logit"}


def heavy_variables(model: CausalModel, constants: frozenset[str]) -> dict[str, str]:
    """Variables without a mean, each with the family it inherits that from (``constants``: fixed ones)."""
    heavy: dict[str, str] = {}
    for variable in model.model_variables:
        if variable.name in constants or variable.domain.is_finite:
            continue
        mechanism = variable.mechanism
        if isinstance(mechanism, Parametric):
            source = _family_source(mechanism, heavy)
        elif isinstance(mechanism, Deterministic):
            source = heavy_source(mechanism.expr, heavy)
        else:
            source = None
        if source is not None:
            heavy[variable.name] = source
    return heavy


def _family_source(mechanism: Parametric, heavy: dict[str, str]) -> str | None:
    family = mechanism.family
    if family in HEAVY_FAMILIES:
        return family
    if family == "StudentT":
        df = mechanism.argument("df")
        value = fold(df).value if df is not None else None
        if value is not None and value <= 1:
            return f"StudentT with df = {value:g}"
    if family in BOUNDED_FAMILIES:
        return None
    for _, expr in mechanism.arguments:
        source = heavy_source(expr, heavy)
        if source is not None:
            return source
    return None


def heavy_source(expr: rx.Expr, heavy: dict[str, str]) -> str | None:
    """The heavy-tailed family an expression's value inherits, or None (it keeps a mean)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (rx.VarRef, rx.CounterfactualRef)):  # (a potential outcome: see require_defined_means)
            name = node.name if isinstance(node, rx.VarRef) else node.variable
            if name in heavy:
                return heavy[name]
            continue
        if isinstance(node, rx.Binary) and node.op in ("+", "-", "*", "/", "^"):
            stack += [node.left, node.right]
        elif isinstance(node, rx.Unary) and node.op == "-":
            stack.append(node.operand)
        elif isinstance(node, rx.IfThenElse):
            stack += [node.then, node.otherwise]
        elif isinstance(node, rx.FunctionCall) and node.function in GROWING_FUNCTIONS:
            stack += list(node.args)
    return None


def require_defined_means(model: CausalModel, query: QuerySpec) -> None:
    """A user error when the query asks for the mean of something that has none."""
    for leaf in leaves(query.term):
        if not isinstance(leaf, ExpectationSpec):
            continue
        outcomes = rx.counterfactuals_in(leaf.expr)
        if outcomes and _contrast_or_evidence(leaf, outcomes):
            continue
        pinned = {e.outcome.variable for e in leaf.evidence if e.op == "=" and e.is_factual}
        constants = frozenset(name for name, _ in leaf.interventions) | frozenset(pinned)
        if outcomes:  # one potential outcome, alone: its world's interventions are constants
            constants |= frozenset(name for name, _ in outcomes[0].interventions)
        source = heavy_source(leaf.expr, heavy_variables(model, constants))
        if source is not None:
            raise no_finite_answer(leaf.span, f"E[{rx.to_text(leaf.expr)}] does not exist: it grows with a "
                                              f"{source} variable, which has no mean",
                                   "ask for a probability instead (P(X > 0), P(X < 10)), or model the variable "
                                   "with a family that has a mean (StudentT with df > 1, Normal)")


def _contrast_or_evidence(leaf: ExpectationSpec, outcomes: tuple[rx.CounterfactualRef, ...]) -> bool:
    """Whether a counterfactual expectation is left unchecked: it combines worlds (a contrast can cancel the
    shared heavy noise), nests a potential outcome, or has evidence (which can make the noise light)."""
    if leaf.evidence or len({outcome.key() for outcome in outcomes}) > 1:
        return True
    if any(isinstance(value, rx.CounterfactualRef) for _, value in outcomes[0].interventions):
        return True
    return any(isinstance(node, rx.VarRef) for node in rx.walk(leaf.expr))


def require_finite(result: Result, query: QuerySpec) -> Result:
    """``result``, or a user error when a number in it is nan or infinite."""
    problem = _non_finite(result)
    if problem is None:
        return result
    text, value = problem
    causes = ("a ratio whose denominator is 0" if math.isinf(value) else
              "a ratio 0/0, an expression outside its domain (sqrt or log of a negative number)")
    hint = (f"{causes} somewhere in the query, or values beyond the largest number the programs compute with "
            f"(about {LARGEST_TEXT}: exp of a large argument, a LogNormal with a large scale), make the answer "
            "undefined; "
            "guard the expression, rescale the model (log units, thousands), or ask for a probability "
            "(P(X > c)) instead of a mean")
    raise no_finite_answer(query.span, text, hint)


def _non_finite(result: Result) -> tuple[str, float] | None:
    checks: list[tuple[str, Iterable[float | None]]] = [
        ("the estimate", [result.estimate]),
        ("the interval", result.interval or ()),
        ("the bounds", result.bounds or ()),
        ("the distribution", (result.distribution or {}).values()),
    ]
    for what, values in checks:
        for value in values:
            if value is not None and isinstance(value, (int, float)) and not math.isfinite(value):
                return f"{what} of {result.text} is {value}", float(value)
    return None


__all__ = ["heavy_variables", "heavy_source", "require_defined_means", "require_finite"]
