"""Expectations of real variables with finite parents, read through their means (no torch).

``E[f(Y) | e]`` for ``Y ~ Normal(2 * T + Z, 1)`` with finite ``T`` and ``Z``
needs no samples when ``f`` is affine in ``Y``: given its parents, ``Y``'s
mean is ``2 * T + Z``, and ``E[f(Y)] = E[f(mean of Y given its parents)]``,
an expectation over the finite parents alone. :func:`mean_expression` writes
a family's mean in terms of its arguments; :func:`is_affine_in` checks the
expression; a deterministic ``R := g(parents)`` is its own value, for any
``f``.

>>> import causalppl as cp
>>> m = cp.loads("model A { T ~ Bernoulli(0.5)\\n Y ~ Normal(2 * T + 1, 1) }").ir
>>> rx.to_text(mean_expression(m.variable("Y").mechanism))
'((2 * T) + 1)'
>>> is_affine_in(cp.loads("model B { Y ~ Normal(0, 1)\\n T ~ Bernoulli(0.5) }")._check_query_text(
...     "E[3 * Y - T]").term.expr, {"Y"})
True
"""

from __future__ import annotations

import math
from collections.abc import Collection

from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import Parametric


def mean_expression(mechanism: Parametric) -> rx.Expr | None:
    """The family's mean in terms of its arguments (None: no finite mean, or not one written here)."""
    arg = mechanism.argument
    span = mechanism.span
    family = mechanism.family

    def binary(op: str, left: rx.Expr, right: rx.Expr) -> rx.Expr:
        return rx.Binary(op, left, right, span)

    def number(value: float) -> rx.Expr:
        return rx.Const(value, span)

    if family in ("Normal", "Laplace"):
        return arg("loc")
    if family == "Uniform":
        return binary("/", binary("+", arg("low"), arg("high")), number(2.0))
    if family == "Exponential":
        return binary("/", number(1.0), arg("rate"))
    if family == "Gamma":
        return binary("/", arg("concentration"), arg("rate"))
    if family == "Poisson":
        return arg("rate")
    if family == "Binomial" and arg("probs") is not None:
        return binary("*", arg("total_count"), arg("probs"))
    if family == "HalfNormal":
        return binary("*", arg("scale"), number(math.sqrt(2.0 / math.pi)))
    if family == "LogNormal":
        scale = arg("scale")
        half_variance = binary("/", binary("*", scale, scale), number(2.0))
        return rx.FunctionCall("exp", (binary("+", arg("loc"), half_variance),), span)
    if family == "Beta":
        first = arg("concentration1")
        return binary("/", first, binary("+", first, arg("concentration0")))
    return None  # Cauchy, HalfCauchy: no mean; StudentT: only for df > 1


def is_affine_in(expr: rx.Expr, names: Collection[str]) -> bool:
    """Whether ``expr`` is affine in the variables ``names`` jointly: sums and differences of terms, each a
    product of at most one of them (to the first power) with factors that read none of them."""
    if not _reads(expr, names):
        return True
    if isinstance(expr, rx.VarRef):
        return True
    if isinstance(expr, rx.Unary):
        return expr.op == "-" and is_affine_in(expr.operand, names)
    if isinstance(expr, rx.Binary):
        if expr.op in ("+", "-"):
            return is_affine_in(expr.left, names) and is_affine_in(expr.right, names)
        if expr.op == "*":
            left, right = _reads(expr.left, names), _reads(expr.right, names)
            return not (left and right) and is_affine_in(expr.left, names) and is_affine_in(expr.right, names)
        if expr.op == "/":
            return not _reads(expr.right, names) and is_affine_in(expr.left, names)
        return False
    if isinstance(expr, rx.IfThenElse):
        return (not _reads(expr.condition, names) and is_affine_in(expr.then, names)
                and is_affine_in(expr.otherwise, names))
    return False


def _reads(expr: rx.Expr, names: Collection[str]) -> bool:
    return any(name in names for name in rx.variables_in(expr))


__all__ = ["mean_expression", "is_affine_in"]
