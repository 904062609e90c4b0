"""Resolved expressions → Python source over torch (via the ``rt`` runtime helpers).

Only validated identifiers (through ``name_of``) and numeric literals ever
reach the output; nothing the user wrote is pasted in verbatim.
"""

from __future__ import annotations

import keyword
from typing import Callable

from causalppl.ir import expressions as rx

_OPERATORS = {"+": "+", "-": "-", "*": "*", "/": "/", "^": "**"}
_COMPARISONS = {"==": "rt.eq", "!=": "rt.ne", "<": "rt.lt", "<=": "rt.le", ">": "rt.gt", ">=": "rt.ge"}
_LOGICAL = {"and": "rt.both", "or": "rt.either"}
RESERVED = {"torch", "pyro", "dist", "rt", "model", "data", "n_units", "units", "subsample_size", "values",
            "device", "poutine"}


def python_name(name: str) -> str:
    """The Python identifier for a model name (a suffix avoids keywords and our own names)."""
    if not name.isidentifier():
        raise ValueError(f"not a valid identifier: {name!r}")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED:
        return name + "_"
    return name


def number(value: float) -> str:
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        return f"float({str(value)!r})"
    return repr(int(value)) + ".0" if value.is_integer() and abs(value) < 1e15 else repr(value)


def expression(expr: rx.Expr, name_of: Callable[[str], str] = python_name) -> str:
    """Python source computing ``expr``; ``name_of`` maps variable/parameter names to locals."""
    return _Emitter(name_of).emit(expr)


class _Emitter:
    def __init__(self, name_of: Callable[[str], str]) -> None:
        self.name_of = name_of

    def emit(self, expr: rx.Expr) -> str:
        if isinstance(expr, rx.Const):
            return number(expr.value)
        if isinstance(expr, (rx.VarRef, rx.ParamRef)):
            return self.name_of(expr.name)
        if isinstance(expr, rx.Unary):
            return f"rt.negate({self.emit(expr.operand)})" if expr.op == "not" else f"(-{self.emit(expr.operand)})"
        if isinstance(expr, rx.Binary):
            return self._binary(expr)
        if isinstance(expr, rx.IfThenElse):
            return f"rt.where({self.emit(expr.condition)}, {self.emit(expr.then)}, {self.emit(expr.otherwise)})"
        if isinstance(expr, rx.FunctionCall):
            return f"rt.{expr.function}({', '.join(self.emit(arg) for arg in expr.args)})"
        if isinstance(expr, rx.VectorLiteral):
            return f"rt.vector({', '.join(self.emit(item) for item in expr.items)})"
        if isinstance(expr, rx.IndexInto):
            return f"rt.index({self.emit(expr.target)}, {self.emit(expr.index)})"
        raise TypeError(f"cannot generate code for {type(expr).__name__}")

    def _binary(self, expr: rx.Binary) -> str:
        left, right = self.emit(expr.left), self.emit(expr.right)
        if expr.op in _COMPARISONS:
            return f"{_COMPARISONS[expr.op]}({left}, {right})"
        if expr.op in _LOGICAL:
            return f"{_LOGICAL[expr.op]}({left}, {right})"
        return f"({left} {_OPERATORS[expr.op]} {right})"
