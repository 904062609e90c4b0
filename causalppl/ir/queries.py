"""Checked queries: events, evidence and interventions with resolved values, and their arithmetic.

Every outcome is a :class:`~causalppl.ir.expressions.CounterfactualRef`
(with no interventions for a factual variable), every value a number (a level
position for finite variables).  A query is a tree of arithmetic
(:class:`BinarySpec`, :class:`NegationSpec`, :class:`NumberSpec`) over
leaves (:class:`ProbabilitySpec`, :class:`ExpectationSpec`);
:func:`fold_term` is the one walk over that arithmetic and
:data:`COMPARISONS` the one table of comparison operators.

>>> from causalppl.diagnostics import Span
>>> s = Span.unknown()
>>> term = BinarySpec("-", NumberSpec(3.0, s), NegationSpec(NumberSpec(1.5, s), s), s)
>>> fold_term(term, lambda leaf: 0.0)
4.5
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx

#: Comparison operators of events (``X > 1``) and of expressions, on numbers or tensors.
COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq, "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}

#: The arithmetic of query terms, on floats, tensors of draws, or anything with these operators.
ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
}


@dataclass(frozen=True)
class EventSpec:
    """``outcome op value``; ``op`` None means "the distribution of outcome".

    Per-row evidence (``| X`` in a scored query) is ``X = <each row's value>``:
    ``op`` "=" and ``value`` None.
    """

    outcome: rx.CounterfactualRef
    op: str | None
    value: float | None
    span: Span

    @property
    def is_factual(self) -> bool:
        return not self.outcome.interventions

    @property
    def per_row(self) -> bool:
        return self.op == "=" and self.value is None


@dataclass(frozen=True)
class ProbabilitySpec:
    """``P(events | evidence, do(...))`` with every name resolved."""

    events: tuple[EventSpec, ...]
    evidence: tuple[EventSpec, ...]
    interventions: tuple[tuple[str, float], ...]
    span: Span

    @property
    def is_distribution(self) -> bool:
        return len(self.events) == 1 and self.events[0].op is None


@dataclass(frozen=True)
class ExpectationSpec:
    """``E[expr | evidence, do(...)]`` with every name resolved."""

    expr: rx.Expr
    evidence: tuple[EventSpec, ...]
    interventions: tuple[tuple[str, float], ...]
    span: Span


@dataclass(frozen=True)
class NumberSpec:
    """A number in a query's arithmetic."""

    value: float
    span: Span


@dataclass(frozen=True)
class BinarySpec:
    """``left op right`` in a query's arithmetic (``+ - * /``)."""

    op: str
    left: "QueryTerm"
    right: "QueryTerm"
    span: Span


@dataclass(frozen=True)
class NegationSpec:
    """``-term`` in a query's arithmetic."""

    operand: "QueryTerm"
    span: Span


QueryTerm = Union[ProbabilitySpec, ExpectationSpec, NumberSpec, BinarySpec, NegationSpec]


@dataclass(frozen=True)
class QuerySpec:
    """One query: its name, kind (estimate, bounds or identify), resolved term and source text.

    ``text`` is the query as results show it (spaces normalised); ``source``, for a query given on its
    own (``--query``, ``Model.query``), is the text as written, which its spans' columns count in.
    """

    name: str | None
    kind: str  # "estimate", "bounds", "identify"
    term: QueryTerm
    text: str
    span: Span
    source: str | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        return self.name or self.text


def leaves(term: QueryTerm) -> list[ProbabilitySpec | ExpectationSpec]:
    """The probability and expectation terms of a query expression, left to right."""
    if isinstance(term, BinarySpec):
        return leaves(term.left) + leaves(term.right)
    if isinstance(term, NegationSpec):
        return leaves(term.operand)
    if isinstance(term, NumberSpec):
        return []
    return [term]


def has_counterfactuals(term: QueryTerm) -> bool:
    for leaf in leaves(term):
        if isinstance(leaf, ProbabilitySpec) and any(not e.is_factual for e in leaf.events + leaf.evidence):
            return True
        if isinstance(leaf, ExpectationSpec) and (rx.counterfactuals_in(leaf.expr)
                                                  or any(not e.is_factual for e in leaf.evidence)):
            return True
    return False


Leaf = Union[ProbabilitySpec, ExpectationSpec]


def per_row_evidence(term: QueryTerm) -> tuple[str, ...]:
    """The variables whose values each row supplies (evidence written without a value), in order.

    >>> from causalppl.diagnostics import Span
    >>> s = Span.unknown()
    >>> x = EventSpec(rx.CounterfactualRef("X", (), s), "=", None, s)
    >>> per_row_evidence(ProbabilitySpec((), (x,), (), s))
    ('X',)
    """
    names = [e.outcome.variable for leaf in leaves(term) for e in leaf.evidence if e.per_row]
    return tuple(dict.fromkeys(names))


def fold_term(term: QueryTerm, leaf: Callable[[Leaf], Any], number: Callable[[float], Any] = float,
              operations: dict[str, Callable[[Any, Any], Any]] = ARITHMETIC) -> Any:
    """The query's arithmetic applied to the values ``leaf`` gives each leaf (the one fold over queries).

    Numbers become ``number(value)``; ``operations`` maps + - * / to functions
    (plain operators by default: floats, tensors, or any type overloading them).
    The walk keeps an explicit stack, so deeply nested queries do not recurse.
    """
    # post-order walk with an explicit stack: (node, visited)
    stack: list[tuple[QueryTerm, bool]] = [(term, False)]
    values: list[Any] = []
    while stack:
        node, visited = stack.pop()
        if isinstance(node, NumberSpec):
            values.append(number(node.value))
        elif isinstance(node, NegationSpec):
            if visited:
                values.append(-values.pop())
            else:
                stack += [(node, True), (node.operand, False)]
        elif isinstance(node, BinarySpec):
            if visited:
                right = values.pop()
                left = values.pop()
                values.append(operations[node.op](left, right))
            else:
                stack += [(node, True), (node.right, False), (node.left, False)]
        else:
            values.append(leaf(node))
    return values[0]


def is_linear(term: QueryTerm) -> bool:
    """Sums, differences and scalings of leaves (no product or ratio of two leaves)."""
    if isinstance(term, (NumberSpec, ProbabilitySpec, ExpectationSpec)):
        return True
    if isinstance(term, NegationSpec):
        return is_linear(term.operand)
    if term.op in "+-":
        return is_linear(term.left) and is_linear(term.right)
    if term.op == "*":
        return (isinstance(term.left, NumberSpec) and is_linear(term.right)) or (
            isinstance(term.right, NumberSpec) and is_linear(term.left))
    return isinstance(term.right, NumberSpec) and is_linear(term.left)
