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
from typing import Callable, Mapping

from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import Coupled, Deterministic, Parametric, TableMechanism


def rename_expr(expr: rx.Expr, names: Mapping[str, str]) -> rx.Expr:
    """``expr`` with every variable reference in ``names`` replaced by its new name."""
    return map_refs(expr, lambda ref: replace(ref, name=names.get(ref.name, ref.name)))


def map_refs(expr: rx.Expr, change: Callable[[rx.VarRef], rx.Expr]) -> rx.Expr:
    """``expr`` with every variable reference ``ref`` replaced by ``change(ref)`` (a new name, a constant)."""
    if isinstance(expr, rx.VarRef):
        return change(expr)
    if isinstance(expr, rx.Unary):
        return replace(expr, operand=map_refs(expr.operand, change))
    if isinstance(expr, rx.Binary):
        return replace(expr, left=map_refs(expr.left, change), right=map_refs(expr.right, change))
    if isinstance(expr, rx.IfThenElse):
        return replace(expr, condition=map_refs(expr.condition, change), then=map_refs(expr.then, change),
                       otherwise=map_refs(expr.otherwise, change))
    if isinstance(expr, rx.FunctionCall):
        return replace(expr, args=tuple(map_refs(arg, change) for arg in expr.args))
    if isinstance(expr, rx.VectorLiteral):
        return replace(expr, items=tuple(map_refs(item, change) for item in expr.items))
    if isinstance(expr, rx.IndexInto):
        return replace(expr, target=map_refs(expr.target, change), index=map_refs(expr.index, change))
    return expr


def rename_mechanism(mechanism, names: Mapping[str, str]):
    """A mechanism reading the renamed parents (noise sites and parameters keep their names)."""
    return map_mechanism_refs(mechanism, lambda ref: replace(ref, name=names.get(ref.name, ref.name)),
                              lambda parent: names.get(parent, parent))


def map_mechanism_refs(mechanism, change: Callable[[rx.VarRef], rx.Expr], parent: Callable[[str], str]):
    """A mechanism whose expressions have every variable reference mapped by ``change`` (see :func:`map_refs`);
    a table's parents (names, not expressions) are mapped by ``parent``."""
    if isinstance(mechanism, Coupled):
        return replace(mechanism, base=map_mechanism_refs(mechanism.base, change, parent))
    if isinstance(mechanism, Parametric):
        return replace(mechanism, arguments=tuple((arg, map_refs(e, change)) for arg, e in mechanism.arguments))
    if isinstance(mechanism, TableMechanism):
        return replace(mechanism, parents=tuple(parent(p) for p in mechanism.parents))
    if isinstance(mechanism, Deterministic):
        return replace(mechanism, expr=map_refs(mechanism.expr, change))
    return mechanism
