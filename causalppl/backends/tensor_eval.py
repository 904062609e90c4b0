"""Evaluate resolved expressions directly on tensors (samples, or enumerated parent values).

:func:`evaluate` covers every expression, on torch tensors;
:func:`evaluate_numpy` covers arithmetic, comparisons, logic and
``if``-``then``-``else`` on float64 numpy arrays, with the same numbers, so
that an expectation over a network of tables needs no torch.

>>> import numpy as np
>>> from causalppl.diagnostics import Span
>>> from causalppl.ir import expressions as rx
>>> at = Span.unknown("<example>")
>>> expr = rx.Binary("+", rx.VarRef("Y", at), rx.Binary(">", rx.VarRef("Z", at), rx.Const(0.0, at), at), at)
>>> evaluate_numpy(expr, {"Y": np.array([1.0, 2.0]), "Z": np.array([0.0, 3.0])}).tolist()
[1.0, 3.0]
"""

from __future__ import annotations

import operator
from typing import Mapping

from causalppl.lazy import numpy as np
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


_NUMPY_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
                  ">=": operator.ge}


def evaluate_numpy(expr: rx.Expr, env: Mapping[str, object]):
    """:func:`evaluate` on float64 numpy arrays for names bound in ``env``; None when ``expr`` holds anything else
    (a function call, a vector, a parameter, a potential outcome: :func:`evaluate` covers those)."""
    if isinstance(expr, rx.Const):
        return np.float64(expr.value)
    if isinstance(expr, rx.VarRef):
        value = env.get(expr.name)
        return None if value is None else np.asarray(value, dtype=np.float64)
    recurse = lambda e: evaluate_numpy(e, env)  # noqa: E731
    if isinstance(expr, rx.Unary):
        value = recurse(expr.operand)
        if value is None:
            return None
        return (value == 0).astype(np.float64) if expr.op == "not" else -value
    if isinstance(expr, rx.Binary):
        left, right = recurse(expr.left), recurse(expr.right)
        if left is None or right is None:
            return None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # (inf and nan as torch gives them)
            if expr.op in _NUMPY_COMPARE:
                return np.asarray(_NUMPY_COMPARE[expr.op](left, right), dtype=np.float64)
            if expr.op == "and":
                return ((left != 0) & (right != 0)).astype(np.float64)
            if expr.op == "or":
                return ((left != 0) | (right != 0)).astype(np.float64)
            return np.asarray(_ARITHMETIC[expr.op](left, right), dtype=np.float64)
    if isinstance(expr, rx.IfThenElse):
        parts = [recurse(expr.condition), recurse(expr.then), recurse(expr.otherwise)]
        if any(part is None for part in parts):
            return None
        return np.where(parts[0] != 0, parts[1], parts[2]).astype(np.float64)
    return None
