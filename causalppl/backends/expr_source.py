"""Resolved expressions → Python source over the ``rt`` runtime helpers (torch or JAX).

Only identifiers from the program's :class:`~causalppl.backends.symbols.Symbols`
(through ``name_of``) and numeric literals ever reach the output; nothing the
user wrote is pasted in verbatim.  Output stays flat: a subexpression nested
deeper than :data:`MAX_DEPTH` is assigned to a temporary first (collected in
:attr:`ExpressionWriter.statements`), so a sum of a thousand terms compiles
as easily as a sum of two.

>>> from causalppl.ir import expressions as rx
>>> from causalppl.diagnostics import Span
>>> span = Span.unknown("<doc>")
>>> total = rx.Binary("+", rx.VarRef("x", span), rx.Const(1.0, span), span)
>>> expression(total, lambda name: name)
'(x + 1.0)'
"""

from __future__ import annotations

import sys
from typing import Callable

from causalppl.backends.symbols import Symbols
from causalppl.ir import expressions as rx

_OPERATORS = {"+": "+", "-": "-", "*": "*", "/": "/", "^": "**"}
_COMPARISONS = {"==": "rt.eq", "!=": "rt.ne", "<": "rt.lt", "<=": "rt.le", ">": "rt.gt", ">=": "rt.ge"}
_LOGICAL = {"and": "rt.both", "or": "rt.either"}
MAX_DEPTH = 12  # nesting of parentheses and calls in one generated expression before a temporary
FRAMES_PER_LEVEL = 6  # Python frames the writer uses per level of the expression tree
MIN_DOT_TERMS = 3  # terms b[k] * x of one parameter vector that become one matrix product


def python_name(name: str) -> str:
    """The identifier a lone name gets in a program with no other names (see :class:`Symbols`)."""
    return Symbols([name]).local(name)


def number(value: float) -> str:
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        return f"float({str(value)!r})"
    return repr(int(value)) + ".0" if value.is_integer() and abs(value) < 1e15 else repr(value)


def expression(expr: rx.Expr, name_of: Callable[[str], str] = python_name) -> str:
    """Python source computing ``expr`` as one expression (no temporaries: for shallow expressions)."""
    return ExpressionWriter(name_of, None).emit(expr)


class ExpressionWriter:
    """Writes expressions for one program; deep ones spill into temporaries listed in ``statements``.

    ``name_of`` maps variable and parameter names to locals; ``temporary``
    returns a fresh local (None: never spill).  Callers write the pending
    ``statements`` (see :meth:`take_statements`) before the line using the expression.
    ``float_parameters`` names parameters whose values are always floating-point
    arrays (sampled from a continuous prior, or fixed through ``rt.tensor``): a
    constant position into one is written as plain indexing, ``b[..., 0]``, with
    no helper call (a sampler runs it at every step, once per site that reads it).
    """

    def __init__(self, name_of: Callable[[str], str], temporary: Callable[[], str] | None,
                 float_parameters: frozenset[str] = frozenset()) -> None:
        self.name_of = name_of
        self.temporary = temporary
        self.float_parameters = float_parameters
        self.statements: list[str] = []

    def emit(self, expr: rx.Expr) -> str:
        needed = FRAMES_PER_LEVEL * _depth(expr) + 200
        limit = sys.getrecursionlimit()
        if needed <= limit:
            return self._emit(expr)[0]
        sys.setrecursionlimit(needed)  # the writer recurses over the expression tree; the syntax stage took it
        try:
            return self._emit(expr)[0]
        finally:
            sys.setrecursionlimit(limit)

    def take_statements(self) -> list[str]:
        statements, self.statements = self.statements, []
        return statements

    def _emit(self, expr: rx.Expr) -> tuple[str, int]:
        text, depth = self._node(expr)
        if depth >= MAX_DEPTH and self.temporary is not None:
            name = self.temporary()
            self.statements.append(f"{name} = {text}")
            return name, 0
        return text, depth

    def _node(self, expr: rx.Expr) -> tuple[str, int]:
        if isinstance(expr, rx.Const):
            return number(expr.value), 0
        if isinstance(expr, (rx.VarRef, rx.ParamRef)):
            return self.name_of(expr.name), 0
        if isinstance(expr, rx.Unary):
            operand, depth = self._emit(expr.operand)
            return (f"rt.negate({operand})" if expr.op == "not" else f"(-{operand})"), depth + 1
        if isinstance(expr, rx.Binary) and expr.op == "+":
            return self._sum(expr)
        if isinstance(expr, rx.Binary):
            (left, a), (right, b) = self._emit(expr.left), self._emit(expr.right)
            if expr.op in _COMPARISONS:
                return f"{_COMPARISONS[expr.op]}({left}, {right})", max(a, b) + 1
            if expr.op in _LOGICAL:
                return f"{_LOGICAL[expr.op]}({left}, {right})", max(a, b) + 1
            return f"({left} {_OPERATORS[expr.op]} {right})", max(a, b) + 1
        if isinstance(expr, rx.IfThenElse):
            return self._call("rt.where", (expr.condition, expr.then, expr.otherwise))
        if isinstance(expr, rx.FunctionCall):
            return self._call(f"rt.{expr.function}", expr.args)
        if isinstance(expr, rx.VectorLiteral):
            return self._call("rt.vector", expr.items)
        if isinstance(expr, rx.IndexInto):
            if isinstance(expr.index, rx.Const) and float(expr.index.value).is_integer() and expr.index.value >= 0:
                target, depth = self._emit(expr.target)  # a constant position: plain indexing
                if isinstance(expr.target, rx.ParamRef) and expr.target.name in self.float_parameters:
                    return f"{target}[..., {int(expr.index.value)}]", depth + 1  # batched over leading axes
                return f"rt.at({target}, {int(expr.index.value)})", depth + 1
            return self._call("rt.index", (expr.target, expr.index))
        raise TypeError(f"cannot generate code for {type(expr).__name__}")

    def _sum(self, expr: rx.Binary) -> tuple[str, int]:
        """A sum; terms ``b[k] * x`` of one parameter vector ``b`` (three or more) become one ``rt.dot``."""
        terms = _terms(expr)
        groups: dict[str, list[tuple[int, rx.Expr]]] = {}
        for term in terms:
            found = _weighted_term(term)
            if found is not None:
                groups.setdefault(found[0], []).append((found[1], found[2]))
        fused = {name for name, group in groups.items() if len(group) >= MIN_DOT_TERMS}
        parts: list[tuple[str, int]] = []
        done: set[str] = set()
        for term in terms:
            found = _weighted_term(term)
            if found is None or found[0] not in fused:
                parts.append(self._emit(term))
            elif found[0] not in done:
                done.add(found[0])
                items = [self._emit(item) for _, item in groups[found[0]]]
                positions = ", ".join(str(position) for position, _ in groups[found[0]])
                texts = ", ".join(text for text, _ in items)
                parts.append((f"rt.dot({self.name_of(found[0])}, ({positions}), ({texts}))",
                              max(depth for _, depth in items) + 1))
        text, depth = parts[0]
        for part, part_depth in parts[1:]:
            text, depth = f"({text} + {part})", max(depth, part_depth) + 1
            if depth >= MAX_DEPTH and self.temporary is not None:
                name = self.temporary()
                self.statements.append(f"{name} = {text}")
                text, depth = name, 0
        return text, depth

    def _call(self, function: str, arguments) -> tuple[str, int]:
        emitted = [self._emit(argument) for argument in arguments]
        depth = max((d for _, d in emitted), default=0) + 1
        return f"{function}({', '.join(text for text, _ in emitted)})", depth


def _terms(expr: rx.Expr) -> list[rx.Expr]:
    """The terms of a chain of ``+`` (iteratively: a long sum is a deep tree)."""
    terms, stack = [], [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, rx.Binary) and node.op == "+":
            stack += [node.right, node.left]
        else:
            terms.append(node)
    return terms


def _weighted_term(term: rx.Expr) -> tuple[str, int, rx.Expr] | None:
    """``(b, k, x)`` for a term ``b[k] * x`` or ``x * b[k]`` (b a parameter, k a constant position)."""
    if not (isinstance(term, rx.Binary) and term.op == "*"):
        return None
    for weight, item in ((term.left, term.right), (term.right, term.left)):
        if (isinstance(weight, rx.IndexInto) and isinstance(weight.target, rx.ParamRef)
                and isinstance(weight.index, rx.Const) and float(weight.index.value).is_integer()
                and weight.index.value >= 0):
            return weight.target.name, int(weight.index.value), item
    return None


def _depth(expr: rx.Expr) -> int:
    """The height of an expression tree (iteratively)."""
    deepest, stack = 0, [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in rx.children(node)]
    return deepest
