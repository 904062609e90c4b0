"""Evaluate resolved expressions directly on tensors (samples, or enumerated parent values)."""

from __future__ import annotations

import operator
from typing import Mapping

from causalppl.lazy import torch

from causalppl.backends import runtime as rt
from causalppl.ir import expressions as rx

# (the operators of tensors are torch.add, torch.sub, ...: no torch import before an expression is evaluated)
_ARITHMETIC = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "^": operator.pow,
}
_COMPARE = {"==": rt.eq, "!=": rt.ne, "<": rt.lt, "<=": rt.le, ">": rt.gt, ">=": rt.ge, "and": rt.both, "or": rt.either}


def evaluate(expr: rx.Expr, env: Mapping[str, torch.Tensor], counterfactual_env: Mapping | None = None) -> torch.Tensor:
    """Value of ``expr`` with names (and potential outcomes, by key) bound to tensors."""
    if isinstance(expr, rx.Const):
        return rt.tensor(expr.value)
    if isinstance(expr, (rx.VarRef, rx.ParamRef)):
        return rt.tensor(env[expr.name])
    if isinstance(expr, rx.CounterfactualRef):
        if counterfactual_env is None:
            raise KeyError(f"no value for the potential outcome {rx.to_text(expr)}")
        return rt.tensor(counterfactual_env[expr.key()])
    recurse = lambda e: evaluate(e, env, counterfactual_env)  # noqa: E731
    if isinstance(expr, rx.Unary):
        value = recurse(expr.operand)
        return rt.negate(value) if expr.op == "not" else -value
    if isinstance(expr, rx.Binary):
        left, right = recurse(expr.left), recurse(expr.right)
        if expr.op in _COMPARE:
            return _COMPARE[expr.op](left, right)
        return _ARITHMETIC[expr.op](left, right)
    if isinstance(expr, rx.IfThenElse):
        return rt.where(recurse(expr.condition), recurse(expr.then), recurse(expr.otherwise))
    if isinstance(expr, rx.FunctionCall):
        return getattr(rt, expr.function)(*(recurse(arg) for arg in expr.args))
    if isinstance(expr, rx.VectorLiteral):
        return rt.vector(*(recurse(item) for item in expr.items))
    if isinstance(expr, rx.IndexInto):
        return rt.index(recurse(expr.target), recurse(expr.index))
    raise TypeError(f"cannot evaluate {type(expr).__name__}")
