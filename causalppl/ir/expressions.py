"""Resolved expressions: every name is known to be a variable, a parameter or a constant.

These nodes are what the IR and every backend consume.  Level names have
become numeric constants (their positions); potential outcomes appear only
inside queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, Union

from causalppl.diagnostics import Span


@dataclass(frozen=True)
class Const:
    """A number."""

    value: float
    span: Span


@dataclass(frozen=True)
class VarRef:
    """A model variable's value (or a level name, resolved to its position)."""

    name: str
    span: Span


@dataclass(frozen=True)
class ParamRef:
    """A parameter's value."""

    name: str
    span: Span


@dataclass(frozen=True)
class Unary:
    """``-x`` or ``not x``."""

    op: str  # "-" or "not"
    operand: "Expr"
    span: Span


@dataclass(frozen=True)
class Binary:
    """An arithmetic, comparison or logical operator on two expressions."""

    op: str  # + - * / ^ == != < <= > >= and or
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True)
class IfThenElse:
    """``if c then a else b``."""

    condition: "Expr"
    then: "Expr"
    otherwise: "Expr"
    span: Span


@dataclass(frozen=True)
class FunctionCall:
    """A built-in function (``exp``, ``log``, ``sigmoid``, ...) applied to its arguments."""

    function: str
    args: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True)
class VectorLiteral:
    """``[a, b, c]``."""

    items: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True)
class IndexInto:
    """``v[i]``: an element of a vector, counted from 0."""

    target: "Expr"
    index: "Expr"
    span: Span


@dataclass(frozen=True)
class CounterfactualRef:
    """A potential outcome inside a query expression: ``Y[X = 0]``."""

    variable: str
    interventions: tuple[tuple[str, "InterventionValue"], ...]
    span: Span

    def key(self) -> tuple:
        return (self.variable, tuple((name, _value_key(value)) for name, value in self.interventions))


InterventionValue = Union[float, CounterfactualRef]

Expr = Union[Const, VarRef, ParamRef, Unary, Binary, IfThenElse, FunctionCall, VectorLiteral, IndexInto, CounterfactualRef]

FUNCTIONS: dict[str, int] = {
    "exp": 1,
    "log": 1,
    "sqrt": 1,
    "abs": 1,
    "sigmoid": 1,
    "logit": 1,
    "softplus": 1,
    "min": 2,
    "max": 2,
}


def _value_key(value: InterventionValue) -> object:
    return value.key() if isinstance(value, CounterfactualRef) else float(value)


def children(expr: Expr) -> tuple[Expr, ...]:
    if isinstance(expr, Unary):
        return (expr.operand,)
    if isinstance(expr, Binary):
        return (expr.left, expr.right)
    if isinstance(expr, IfThenElse):
        return (expr.condition, expr.then, expr.otherwise)
    if isinstance(expr, (FunctionCall,)):
        return expr.args
    if isinstance(expr, VectorLiteral):
        return expr.items
    if isinstance(expr, IndexInto):
        return (expr.target, expr.index)
    return ()


def walk(expr: Expr) -> Iterator[Expr]:
    yield expr
    for child in children(expr):
        yield from walk(child)


def variables_in(expr: Expr) -> tuple[str, ...]:
    """Model variables an expression reads, in order of first appearance."""
    return _unique(node.name for node in walk(expr) if isinstance(node, VarRef))


def parameters_in(expr: Expr) -> tuple[str, ...]:
    return _unique(node.name for node in walk(expr) if isinstance(node, ParamRef))


def counterfactuals_in(expr: Expr) -> tuple[CounterfactualRef, ...]:
    return tuple(node for node in walk(expr) if isinstance(node, CounterfactualRef))


def _unique(names) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def constant_value(expr: Expr) -> float | None:
    """The value of an expression made only of numbers, or None."""
    if isinstance(expr, Const):
        return expr.value if math.isfinite(expr.value) else None
    if isinstance(expr, Unary) and expr.op == "-":
        inner = constant_value(expr.operand)
        return None if inner is None else -inner
    if isinstance(expr, Binary) and expr.op in _ARITHMETIC:
        left, right = constant_value(expr.left), constant_value(expr.right)
        if left is None or right is None:
            return None
        try:
            value = _ARITHMETIC[expr.op](left, right)
        except (ZeroDivisionError, OverflowError):
            return None
        return value if isinstance(value, float | int) and math.isfinite(value) else None
    return None


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a**b,
}


def to_text(expr: Expr) -> str:
    """A readable rendering of an expression (for messages and generated comments)."""
    if isinstance(expr, Const):
        return _number_text(expr.value)
    if isinstance(expr, (VarRef, ParamRef)):
        return expr.name
    if isinstance(expr, Unary):
        return f"{expr.op}{' ' if expr.op == 'not' else ''}{to_text(expr.operand)}"
    if isinstance(expr, Binary):
        return f"({to_text(expr.left)} {expr.op} {to_text(expr.right)})"
    if isinstance(expr, IfThenElse):
        return f"(if {to_text(expr.condition)} then {to_text(expr.then)} else {to_text(expr.otherwise)})"
    if isinstance(expr, FunctionCall):
        return f"{expr.function}({', '.join(map(to_text, expr.args))})"
    if isinstance(expr, VectorLiteral):
        return f"[{', '.join(map(to_text, expr.items))}]"
    if isinstance(expr, IndexInto):
        return f"{to_text(expr.target)}[{to_text(expr.index)}]"
    if isinstance(expr, CounterfactualRef):
        inner = ", ".join(f"{name} = {_intervention_text(value)}" for name, value in expr.interventions)
        return f"{expr.variable}[{inner}]"
    raise TypeError(f"not an expression: {expr!r}")


def _intervention_text(value: InterventionValue) -> str:
    return to_text(value) if isinstance(value, CounterfactualRef) else _number_text(value)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
