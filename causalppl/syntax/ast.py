"""The abstract syntax tree: frozen dataclasses, each carrying its source span.

The AST says what the user wrote, resolved of nothing: names are strings,
level names and variables are not told apart yet (the semantic stage does
that).  Expressions are shared by mechanisms and by queries.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Callable, Iterator, NamedTuple, Sequence, Union

from causalppl.diagnostics import Span
from causalppl.lazy import numpy as np


class Node:
    """Equality and hashing by fields, written once for every AST node.

    A frozen dataclass generates its own ``__eq__`` and ``__hash__`` for each
    class at import (about 0.6 ms a class; ``causalppl check`` imports every
    node class): the nodes are declared with ``eq=False`` and share these.

    >>> Name("x", Span.unknown("<test>")) == Name("x", Span.unknown("<test>"))
    True
    >>> len({Name("x", Span.unknown("<t>")), Name("x", Span.unknown("<t>")), Name("y", Span.unknown("<t>"))})
    2
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _values(self) == _values(other)

    def __hash__(self) -> int:
        return hash(_values(self))


def _values(node: Node) -> tuple:
    return tuple(getattr(node, name) for name in node.__dataclass_fields__)

# ------------------------------------------------------------ expressions ----


@dataclass(frozen=True, eq=False)
class Number(Node):
    """A number as written (its text kept, to tell ``2`` from ``2.0``)."""

    value: float
    text: str
    span: Span

    @property
    def is_integer(self) -> bool:
        return float(self.value).is_integer() and "." not in self.text and "e" not in self.text.lower()


@dataclass(frozen=True, eq=False)
class Name(Node):
    """A name: a variable, a parameter or a level, told apart by the semantic stage."""

    name: str
    span: Span


@dataclass(frozen=True, eq=False)
class Bool(Node):
    """``true`` or ``false``."""

    value: bool
    span: Span


@dataclass(frozen=True, eq=False)
class BinaryOp(Node):
    """An arithmetic, comparison or logical operator on two expressions."""

    op: str  # + - * / ^ == != < <= > >= and or
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True, eq=False)
class UnaryOp(Node):
    """``-x`` or ``not x``."""

    op: str  # - not
    operand: "Expr"
    span: Span


@dataclass(frozen=True, eq=False)
class IfElse(Node):
    """``if c then a else b``."""

    condition: "Expr"
    then: "Expr"
    otherwise: "Expr"
    span: Span


@dataclass(frozen=True, eq=False)
class Call(Node):
    """``f(a, b)``: a function applied to arguments."""

    function: str
    args: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True, eq=False)
class Vector(Node):
    """``[a, b, c]``."""

    items: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True, eq=False)
class Index(Node):
    """``v[i]``."""

    target: "Expr"
    index: "Expr"
    span: Span


@dataclass(frozen=True, eq=False)
class Assignment(Node):
    """``X = value`` inside ``do(...)`` or a potential-outcome subscript."""

    name: str
    value: "Expr"
    span: Span
    name_span: Span


@dataclass(frozen=True, eq=False)
class PotentialOutcome(Node):
    """``Y[X = 0, M = M[X = 1]]``: Y under the listed interventions."""

    variable: str
    assignments: tuple[Assignment, ...]
    span: Span


Expr = Union[Number, Name, Bool, BinaryOp, UnaryOp, IfElse, Call, Vector, Index, PotentialOutcome]


def to_text(expr: Expr) -> str:
    """An expression written back as source, on one line (messages quote it; every compound operand is bracketed).

    >>> s = Span.unknown("<t>")
    >>> to_text(PotentialOutcome("M", (Assignment("X", Number(0.0, "0", s), s, s),), s))
    'M[X = 0]'
    >>> to_text(BinaryOp("+", Name("a", s), UnaryOp("-", Name("b", s), s), s))
    'a + (-b)'
    """
    if isinstance(expr, Number):
        return expr.text
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, Bool):
        return "true" if expr.value else "false"
    if isinstance(expr, BinaryOp):
        return f"{_operand_text(expr.left)} {expr.op} {_operand_text(expr.right)}"
    if isinstance(expr, UnaryOp):
        return ("-" if expr.op == "-" else "not ") + _operand_text(expr.operand)
    if isinstance(expr, IfElse):
        return f"if {to_text(expr.condition)} then {to_text(expr.then)} else {to_text(expr.otherwise)}"
    if isinstance(expr, Call):
        return f"{expr.function}({', '.join(map(to_text, expr.args))})"
    if isinstance(expr, Vector):
        return f"[{', '.join(map(to_text, expr.items))}]"
    if isinstance(expr, Index):
        return f"{_operand_text(expr.target)}[{to_text(expr.index)}]"
    if isinstance(expr, PotentialOutcome):
        return f"{expr.variable}[{', '.join(assignment_text(a.name, a.value) for a in expr.assignments)}]"
    return "..."  # pragma: no cover - every expression node is listed above


def assignment_text(name: str, value: Expr | None) -> str:
    """``X = value`` as written (``X`` alone for a data line's per-row target, whose value is None)."""
    return name if value is None else f"{name} = {to_text(value)}"


def _operand_text(expr: Expr) -> str:
    text = to_text(expr)
    return f"({text})" if isinstance(expr, (BinaryOp, UnaryOp, IfElse)) else text

# ------------------------------------------------------------------ types ----


@dataclass(frozen=True, eq=False)
class BoolType(Node):
    """The type ``bool``."""

    span: Span


@dataclass(frozen=True, eq=False)
class IntType(Node):
    """The type ``int``."""

    span: Span


@dataclass(frozen=True, eq=False)
class RealType(Node):
    """The type ``real``."""

    span: Span


@dataclass(frozen=True, eq=False)
class LevelsType(Node):
    """A type of named levels: ``{low, medium, high}``."""

    levels: tuple[str, ...]
    span: Span


TypeExpr = Union[BoolType, IntType, RealType, LevelsType]

# ------------------------------------------------------------- mechanisms ----


@dataclass(frozen=True, eq=False)
class Argument(Node):
    """A distribution argument, positional (``name`` is None) or named."""

    name: str | None
    value: Expr
    span: Span


@dataclass(frozen=True, eq=False)
class DistributionCall(Node):
    """``Family(arguments)`` after ``~``."""

    family: str
    args: tuple[Argument, ...]
    span: Span


@dataclass(frozen=True, eq=False)
class TableRow(Node):
    """``LOW, HIGH : [0.1, 0.9]``; ``key`` is empty for a root table."""

    key: tuple[str, ...]
    probabilities: tuple[float, ...]
    span: Span
    key_spans: tuple[Span, ...]


#: One value of a row key as written: a name, a number, or a negative number (``- 1``).
KEY_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|(?:-[ \t]*)?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class RowPlace(NamedTuple):
    """Where a table row is written: its first and last character, and its key's text and column.

    The row and key spans of :class:`TableRows` are made from these only when a message needs them. A
    named tuple, not a node: a table holds one per row, and the lexer makes them as plain tuples.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    key_column: int
    key_text: str  # the key as written ("LOW, - 1"); "" for an unkeyed row


class TableRows:
    """The rows of a ``table`` block, column-wise: keys, one float64 array of every probability, places.

    Row ``i`` holds ``values[offsets[i]:offsets[i + 1]]``; its key is ``keys[i]`` (level names as
    written, ``true``/``false`` as ``"1"``/``"0"``, negative numbers as ``"-1"``). Rows compare by value.

    >>> rows = TableRows.build([("a",), ("b",)], [0.5, 0.5, 0.1, 0.9], [2, 2],
    ...                        [RowPlace(2, 5, 2, 17, 5, "a"), RowPlace(3, 5, 3, 17, 5, "b")], "t.scm")
    >>> len(rows), rows.probabilities(1), rows.key_spans(1)[0].column
    (2, (0.1, 0.9), 5)
    """

    __slots__ = ("keys", "values", "offsets", "_places", "filename", "width")

    def __init__(self, keys: tuple[tuple[str, ...], ...], values: np.ndarray, offsets: np.ndarray,
                 places: tuple[RowPlace, ...] | Callable[[], tuple[RowPlace, ...]], filename: str,
                 width: int | None = None) -> None:
        self.keys = keys
        self.values = values
        self.offsets = offsets
        self._places = places  # (or a function making them: most tables never need their rows' places)
        self.filename = filename
        self.width = width  # the number of probabilities of every row, when all rows have the same (else None)

    @staticmethod
    def build(keys: Sequence[tuple[str, ...]], values: Sequence[float] | np.ndarray, widths: Sequence[int],
              places: Sequence[RowPlace] | Callable[[], tuple[RowPlace, ...]], filename: str) -> "TableRows":
        """The rows; ``places`` may be a function that makes them, called when a place is first asked for."""
        array = np.array(values, dtype=np.float64).reshape(-1)
        array.flags.writeable = False
        offsets = np.fromiter(itertools.accumulate(widths, initial=0), dtype=np.int64, count=len(widths) + 1)
        offsets.flags.writeable = False
        width = widths[0] if widths and min(widths) == max(widths) else None
        return TableRows(tuple(keys), array, offsets, places if callable(places) else tuple(places), filename, width)

    @property
    def places(self) -> tuple[RowPlace, ...]:
        """Where each row stands in the source (made on first use when the reader deferred them)."""
        places = self._places
        if callable(places):
            places = self._places = tuple(places())
        return places

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def widths(self) -> np.ndarray:
        """The number of probabilities of each row."""
        return np.diff(self.offsets)

    def probabilities(self, index: int) -> tuple[float, ...]:
        return tuple(self.values[self.offsets[index]:self.offsets[index + 1]].tolist())

    def place(self, index: int) -> RowPlace:
        return RowPlace(*self.places[index])

    def span(self, index: int) -> Span:
        place = self.place(index)
        return Span(self.filename, place.line, place.column, place.end_line, place.end_column)

    def key_spans(self, index: int) -> tuple[Span, ...]:
        place = self.place(index)
        return tuple(Span(self.filename, place.line, place.key_column + match.start(), place.line,
                          place.key_column + match.end()) for match in KEY_PART.finditer(place.key_text))

    def row(self, index: int) -> TableRow:
        return TableRow(self.keys[index], self.probabilities(index), self.span(index), self.key_spans(index))

    def __getitem__(self, index: int) -> TableRow:
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self.row(index % len(self))

    def __iter__(self) -> Iterator[TableRow]:
        return (self.row(index) for index in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TableRows):
            return NotImplemented
        return (self.keys == other.keys and self.places == other.places and self.filename == other.filename
                and np.array_equal(self.offsets, other.offsets) and np.array_equal(self.values, other.values))

    def __hash__(self) -> int:
        return hash((self.keys, self.places, (self.values + 0.0).tobytes()))  # -0.0 hashes as 0.0

    def __repr__(self) -> str:
        return f"TableRows({len(self)} rows, {len(self.values)} probabilities)"


@dataclass(frozen=True, eq=False)
class Table(Node):
    """``table(parents) { rows }``: a conditional probability table."""

    parents: tuple[str, ...]
    rows: TableRows
    elided: bool  # the rows contain a literal `...`
    span: Span


Distribution = Union[DistributionCall, Table]


@dataclass(frozen=True, eq=False)
class Stochastic(Node):
    """``X ~ distribution``."""

    distribution: Distribution
    span: Span


@dataclass(frozen=True, eq=False)
class Deterministic(Node):
    """``X := expression``."""

    expr: Expr
    span: Span


@dataclass(frozen=True, eq=False)
class Nonparametric(Node):
    """``X : T <- parents``: an unknown function of the parents."""

    parents: tuple[str, ...]
    parent_spans: tuple[Span, ...]
    span: Span


Mechanism = Union[Stochastic, Deterministic, Nonparametric]

# ----------------------------------------------------------- declarations ----


@dataclass(frozen=True, eq=False)
class VariableDecl(Node):
    """A model variable: ``X ~ ...``, ``X := ...``, ``X : T``, ``X : T <- A``, ``latent U ...``."""

    name: str
    type: TypeExpr | None
    mechanism: Mechanism | None
    latent: bool
    span: Span
    name_span: Span


@dataclass(frozen=True, eq=False)
class ParamDecl(Node):
    """``param b ~ Normal(0, 1)``, ``param b[3] ~ ...`` or ``param b = 0.7``."""

    name: str
    size: int | None
    type: TypeExpr | None
    prior: Distribution | None
    value: Expr | None
    span: Span
    name_span: Span


@dataclass(frozen=True, eq=False)
class Confounding(Node):
    """``A <-> B``: an anonymous latent common cause."""

    left: str
    right: str
    span: Span
    left_span: Span
    right_span: Span


Declaration = Union[VariableDecl, ParamDecl, Confounding]


@dataclass(frozen=True, eq=False)
class ModelBlock(Node):
    """``model Name { declarations }``."""

    name: str
    declarations: tuple[Declaration, ...]
    span: Span


# ------------------------------------------------------------------- data ----


@dataclass(frozen=True, eq=False)
class DoTarget(Node):
    """A variable set by the experiment, read per row (``value`` None) or fixed."""

    name: str
    value: Expr | None
    span: Span


@dataclass(frozen=True, eq=False)
class DataStatement(Node):
    """``data "file"`` (optionally ``under do(...)``, for experimental rows)."""

    path: str
    under: tuple[DoTarget, ...]
    span: Span


# ---------------------------------------------------------------- queries ----


@dataclass(frozen=True, eq=False)
class Outcome(Node):
    """A variable, possibly as a potential outcome ``Y[X = 0]``."""

    variable: str
    assignments: tuple[Assignment, ...]
    span: Span


@dataclass(frozen=True, eq=False)
class Event(Node):
    """``Y = 1``, ``Y[X = 0] > 2``, or a bare ``Y`` (then ``op`` is None)."""

    outcome: Outcome
    op: str | None
    value: Expr | None
    span: Span


@dataclass(frozen=True, eq=False)
class Intervention(Node):
    """``do(X = x, ...)`` among a query's conditions."""

    assignments: tuple[Assignment, ...]
    span: Span


Condition = Union[Event, Intervention]


@dataclass(frozen=True, eq=False)
class ProbabilityTerm(Node):
    """``P(events | conditions)``."""

    events: tuple[Event, ...]
    conditions: tuple[Condition, ...]
    span: Span


@dataclass(frozen=True, eq=False)
class ExpectationTerm(Node):
    """``E[expression | conditions]``."""

    expr: Expr
    conditions: tuple[Condition, ...]
    span: Span


@dataclass(frozen=True, eq=False)
class QueryNumber(Node):
    """A number in a query's arithmetic."""

    value: float
    span: Span


@dataclass(frozen=True, eq=False)
class QueryBinary(Node):
    """``left op right`` in a query's arithmetic."""

    op: str  # + - * /
    left: "QueryExpr"
    right: "QueryExpr"
    span: Span


@dataclass(frozen=True, eq=False)
class QueryNegation(Node):
    """``-term`` in a query's arithmetic."""

    operand: "QueryExpr"
    span: Span


QueryExpr = Union[ProbabilityTerm, ExpectationTerm, QueryNumber, QueryBinary, QueryNegation]


@dataclass(frozen=True, eq=False)
class Query(Node):
    """``query [name =] [bounds|identify] <query expression>``."""

    name: str | None
    kind: str  # "estimate", "bounds" or "identify"
    expr: QueryExpr
    text: str
    span: Span


@dataclass(frozen=True, eq=False)
class Program(Node):
    """A whole ``.scm`` file: the model, its data statements and its queries."""

    model: ModelBlock | None
    data: tuple[DataStatement, ...]
    queries: tuple[Query, ...]
    filename: str
    source: str
