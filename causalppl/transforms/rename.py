"""Renaming model variables inside expressions and mechanisms (pure; used to copy worlds).

>>> import causalppl as cp
>>> m = cp.loads("model M { X ~ Bernoulli(0.3)\\n M ~ Normal(X, 1)\\n Y ~ Normal(X + M, 1) }")
>>> mechanism = m.ir.variable("Y").mechanism
>>> mechanism.parents, rename_mechanism(mechanism, {"M": "M__w1"}).parents
(('X', 'M'), ('X', 'M__w1'))
>>> rx.variables_in(rename_expr(mechanism.argument("loc"), {"X": "X__w1"}))
('X__w1', 'M')
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import Coupled, Deterministic, Parametric, TableMechanism


def rename_expr(expr: rx.Expr, names: Mapping[str, str]) -> rx.Expr:
    """``expr`` with every variable reference in ``names`` replaced by its new name."""
    if isinstance(expr, rx.VarRef):
        return replace(expr, name=names.get(expr.name, expr.name))
    if isinstance(expr, rx.Unary):
        return replace(expr, operand=rename_expr(expr.operand, names))
    if isinstance(expr, rx.Binary):
        return replace(expr, left=rename_expr(expr.left, names), right=rename_expr(expr.right, names))
    if isinstance(expr, rx.IfThenElse):
        return replace(expr, condition=rename_expr(expr.condition, names), then=rename_expr(expr.then, names),
                       otherwise=rename_expr(expr.otherwise, names))
    if isinstance(expr, rx.FunctionCall):
        return replace(expr, args=tuple(rename_expr(arg, names) for arg in expr.args))
    if isinstance(expr, rx.VectorLiteral):
        return replace(expr, items=tuple(rename_expr(item, names) for item in expr.items))
    if isinstance(expr, rx.IndexInto):
        return replace(expr, target=rename_expr(expr.target, names), index=rename_expr(expr.index, names))
    return expr


def rename_mechanism(mechanism, names: Mapping[str, str]):
    """A mechanism reading the renamed parents (noise sites and parameters keep their names)."""
    if isinstance(mechanism, Coupled):
        return replace(mechanism, base=rename_mechanism(mechanism.base, names))
    if isinstance(mechanism, Parametric):
        return replace(mechanism, arguments=tuple((arg, rename_expr(e, names)) for arg, e in mechanism.arguments))
    if isinstance(mechanism, TableMechanism):
        return replace(mechanism, parents=tuple(names.get(p, p) for p in mechanism.parents))
    if isinstance(mechanism, Deterministic):
        return replace(mechanism, expr=rename_expr(mechanism.expr, names))
    return mechanism
