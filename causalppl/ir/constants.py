"""Constant folding with located problems: ``1/0``, ``10 ^ 400``, ``log(-1)`` and ``1e999`` are mistakes.

:func:`fold` evaluates every sub-expression made only of numbers, in one
iterative pass (no recursion, so deep expressions are safe), and reports the
first place where a constant computation is undefined or overflows, at that
sub-expression's span.  The model's programs compute in 32-bit floats, so a
number written beyond their range (``1e39``, or ``1e-300``, which they would
hold as 0) and a computation overflowing it (``10 ^ 39``) are mistakes too,
the same for every engine (the exact one computes in 64 bits).  A problem is reported once, at the innermost place:
the expressions around it are simply not constant.

>>> from causalppl.diagnostics import Span
>>> s = Span("m.scm", 1, 1, 1, 4)
>>> folded = fold(Binary("/", Const(1.0, s), Const(0.0, s), s))
>>> folded.value, folded.problems[0][1]
(None, 'division by zero')
>>> fold(FunctionCall("log", (Const(-1.0, s),), s)).problems[0][1]
'log of a number that is not positive (-1)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

from causalppl.diagnostics import Span
from causalppl.ir.expressions import (
    FUNCTIONS,
    Binary,
    Const,
    Expr,
    FunctionCall,
    IfThenElse,
    Unary,
    VarRef,
    children,
)


#: The largest magnitude the model's programs hold: the largest number that a 32-bit float rounds to its
#: largest value (3.4028235e38) rather than to inf.
LARGEST_VALUE = 3.4028235677973362e38
#: The smallest magnitude they hold other than 0: the smallest 32-bit float (subnormal).
SMALLEST_VALUE = 1.401298464324817e-45
#: The words of a number out of that range (messages use it to suggest other units).
OUT_OF_RANGE = "32-bit floats"
LARGEST_TEXT, SMALLEST_TEXT = "3.4e38", "1.4e-45"
#: The words of a nonzero number too close to 0 for them.
HELD_AS_ZERO = "they would hold 0"


@dataclass(frozen=True)
class Folded:
    """The value of the whole expression when it is constant (else None), and every problem found."""

    value: float | None
    problems: tuple[tuple[Span, str], ...] = ()
    values: dict[int, float] = field(default_factory=dict, compare=False, repr=False)  # id(node) -> constant

    def of(self, node: Expr) -> float | None:
        """The constant value of a sub-expression of the folded one, or None."""
        return self.values.get(id(node))


class _Undefined(Exception):
    """A constant computation without a finite value; the message says why."""


def fold(expr: Expr, env: Mapping[str, float] | None = None) -> Folded:
    """Every constant sub-expression's value, and the problems of those that have none.

    ``env`` gives variables values (a variable it names is a constant here): an expression over finite
    variables is evaluated at one assignment of their values without torch.
    """
    values: dict[int, float] = {}
    problems: list[tuple[Span, str]] = []
    stack: list[tuple[Expr, tuple[Expr, ...] | None]] = [(expr, None)]
    while stack:
        node, kids = stack.pop()
        if kids is None:  # first visit: the children go first, the node comes back with them
            kids = children(node)
            stack.append((node, kids))
            stack.extend((child, None) for child in reversed(kids))
            continue
        try:
            value = _value(node, kids, values, env)
        except _Undefined as problem:
            problems.append((node.span, str(problem)))
            continue
        if value is not None:
            values[id(node)] = value
    return Folded(values.get(id(expr)), tuple(problems), values)


def _value(node: Expr, kids: tuple[Expr, ...], values: dict[int, float],
           env: Mapping[str, float] | None = None) -> float | None:
    if env is not None and isinstance(node, VarRef):
        value = env.get(node.name)
        return None if value is None else float(value)
    if isinstance(node, Const):
        if math.isnan(node.value):
            raise _Undefined("this is not a number")
        if abs(node.value) > LARGEST_VALUE:
            raise _Undefined(f"this number is beyond the largest the model's programs hold (about "
                             f"{LARGEST_TEXT}: {OUT_OF_RANGE})")
        if 0 < abs(node.value) < SMALLEST_VALUE / 2:
            raise _Undefined(f"this number is closer to 0 than the smallest the model's programs hold (about "
                             f"{SMALLEST_TEXT}: {OUT_OF_RANGE}): {HELD_AS_ZERO}")
        return float(node.value)
    if not kids:
        return None
    parts = [values.get(id(child)) for child in kids]
    if None in parts:
        return None
    if isinstance(node, Unary):
        return -parts[0] if node.op == "-" else float(parts[0] == 0)
    if isinstance(node, Binary):
        return _checked(_BINARY[node.op], parts[0], parts[1], op=node.op)
    if isinstance(node, IfThenElse):
        return parts[1] if parts[0] != 0 else parts[2]
    if isinstance(node, FunctionCall) and node.function in _FUNCTIONS and len(parts) == FUNCTIONS[node.function]:
        return _checked(_FUNCTIONS[node.function], *parts, op=node.function)
    return None  # vectors and indexing are not folded


def _checked(function: Callable[..., float], *args: float, op: str) -> float:
    try:
        value = function(*args)
    except ZeroDivisionError:
        raise _Undefined("division by zero" if op == "/" else f"0 raised to a negative power ({_n(args[1])})")
    except OverflowError:
        raise _Undefined(f"{_described(op, args)} overflows the model's programs' numbers (about "
                         f"{LARGEST_TEXT}: {OUT_OF_RANGE})") from None
    if isinstance(value, complex):
        raise _Undefined(f"a negative number raised to a fractional power ({_n(args[0])} ^ {_n(args[1])})")
    if not math.isfinite(value) or abs(value) > LARGEST_VALUE:
        raise _Undefined(f"{_described(op, args)} overflows the model's programs' numbers (about "
                         f"{LARGEST_TEXT}: {OUT_OF_RANGE})")
    return float(value)


def _log(x: float) -> float:
    if x <= 0:
        raise _Undefined(f"log of a number that is not positive ({_n(x)})")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise _Undefined(f"sqrt of a negative number ({_n(x)})")
    return math.sqrt(x)


def _logit(x: float) -> float:
    if not 0 < x < 1:
        raise _Undefined(f"logit of a number outside (0, 1) ({_n(x)})")
    return math.log(x / (1 - x))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _softplus(x: float) -> float:
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _power(a: float, b: float) -> float:
    return a**b


_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": _power,
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
    "<": lambda a, b: float(a < b),
    "<=": lambda a, b: float(a <= b),
    ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b),
    "and": lambda a, b: float(a != 0 and b != 0),
    "or": lambda a, b: float(a != 0 or b != 0),
}

_FUNCTIONS: dict[str, Callable[..., float]] = {
    "exp": math.exp, "log": _log, "sqrt": _sqrt, "abs": abs, "sigmoid": _sigmoid, "logit": _logit,
    "softplus": _softplus, "min": min, "max": max,
}


def _described(op: str, args: tuple[float, ...]) -> str:
    if op in _BINARY and len(args) == 2:
        return f"{_n(args[0])} {op} {_n(args[1])}"
    return f"{op}({', '.join(map(_n, args))})"


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


__all__ = ["Folded", "fold"]
