"""The abstract syntax tree: frozen dataclasses, each carrying its source span.

The AST says what the user wrote, resolved of nothing: names are strings,
level names and variables are not told apart yet (the semantic stage does
that).  Expressions are shared by mechanisms and by queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from causalppl.diagnostics import Span

# ------------------------------------------------------------ expressions ----


@dataclass(frozen=True)
class Number:
    value: float
    text: str
    span: Span

    @property
    def is_integer(self) -> bool:
        return float(self.value).is_integer() and "." not in self.text and "e" not in self.text.lower()


@dataclass(frozen=True)
class Name:
    name: str
    span: Span


@dataclass(frozen=True)
class Bool:
    value: bool
    span: Span


@dataclass(frozen=True)
class BinaryOp:
    op: str  # + - * / ^ == != < <= > >= and or
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True)
class UnaryOp:
    op: str  # - not
    operand: "Expr"
    span: Span


@dataclass(frozen=True)
class IfElse:
    condition: "Expr"
    then: "Expr"
    otherwise: "Expr"
    span: Span


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True)
class Vector:
    items: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True)
class Index:
    target: "Expr"
    index: "Expr"
    span: Span


@dataclass(frozen=True)
class Assignment:
    """``X = value`` inside ``do(...)`` or a potential-outcome subscript."""

    name: str
    value: "Expr"
    span: Span
    name_span: Span


@dataclass(frozen=True)
class PotentialOutcome:
    """``Y[X = 0, M = M[X = 1]]``: Y under the listed interventions."""

    variable: str
    assignments: tuple[Assignment, ...]
    span: Span


Expr = Union[Number, Name, Bool, BinaryOp, UnaryOp, IfElse, Call, Vector, Index, PotentialOutcome]

# ------------------------------------------------------------------ types ----


@dataclass(frozen=True)
class BoolType:
    span: Span


@dataclass(frozen=True)
class IntType:
    span: Span


@dataclass(frozen=True)
class RealType:
    span: Span


@dataclass(frozen=True)
class LevelsType:
    levels: tuple[str, ...]
    span: Span


TypeExpr = Union[BoolType, IntType, RealType, LevelsType]

# ------------------------------------------------------------- mechanisms ----


@dataclass(frozen=True)
class Argument:
    """A distribution argument, positional (``name`` is None) or named."""

    name: str | None
    value: Expr
    span: Span


@dataclass(frozen=True)
class DistributionCall:
    family: str
    args: tuple[Argument, ...]
    span: Span


@dataclass(frozen=True)
class TableRow:
    """``LOW, HIGH : [0.1, 0.9]``; ``key`` is empty for a root table."""

    key: tuple[str, ...]
    probabilities: tuple[float, ...]
    span: Span
    key_spans: tuple[Span, ...]


@dataclass(frozen=True)
class Table:
    parents: tuple[str, ...]
    rows: tuple[TableRow, ...]
    elided: bool  # the rows contain a literal `...`
    span: Span


Distribution = Union[DistributionCall, Table]


@dataclass(frozen=True)
class Stochastic:
    distribution: Distribution
    span: Span


@dataclass(frozen=True)
class Deterministic:
    expr: Expr
    span: Span


@dataclass(frozen=True)
class Nonparametric:
    parents: tuple[str, ...]
    parent_spans: tuple[Span, ...]
    span: Span


Mechanism = Union[Stochastic, Deterministic, Nonparametric]

# ----------------------------------------------------------- declarations ----


@dataclass(frozen=True)
class VariableDecl:
    """A model variable: ``X ~ ...``, ``X := ...``, ``X : T``, ``X : T <- A``, ``latent U ...``."""

    name: str
    type: TypeExpr | None
    mechanism: Mechanism | None
    latent: bool
    span: Span
    name_span: Span


@dataclass(frozen=True)
class ParamDecl:
    """``param b ~ Normal(0, 1)``, ``param b[3] ~ ...`` or ``param b = 0.7``."""

    name: str
    size: int | None
    type: TypeExpr | None
    prior: Distribution | None
    value: Expr | None
    span: Span
    name_span: Span


@dataclass(frozen=True)
class Confounding:
    """``A <-> B``: an anonymous latent common cause."""

    left: str
    right: str
    span: Span
    left_span: Span
    right_span: Span


Declaration = Union[VariableDecl, ParamDecl, Confounding]


@dataclass(frozen=True)
class ModelBlock:
    name: str
    declarations: tuple[Declaration, ...]
    span: Span


# ------------------------------------------------------------------- data ----


@dataclass(frozen=True)
class DoTarget:
    """A variable set by the experiment, read per row (``value`` None) or fixed."""

    name: str
    value: Expr | None
    span: Span


@dataclass(frozen=True)
class DataStatement:
    path: str
    under: tuple[DoTarget, ...]
    span: Span


# ---------------------------------------------------------------- queries ----


@dataclass(frozen=True)
class Outcome:
    """A variable, possibly as a potential outcome ``Y[X = 0]``."""

    variable: str
    assignments: tuple[Assignment, ...]
    span: Span


@dataclass(frozen=True)
class Event:
    """``Y = 1``, ``Y[X = 0] > 2``, or a bare ``Y`` (then ``op`` is None)."""

    outcome: Outcome
    op: str | None
    value: Expr | None
    span: Span


@dataclass(frozen=True)
class Intervention:
    assignments: tuple[Assignment, ...]
    span: Span


Condition = Union[Event, Intervention]


@dataclass(frozen=True)
class ProbabilityTerm:
    events: tuple[Event, ...]
    conditions: tuple[Condition, ...]
    span: Span


@dataclass(frozen=True)
class ExpectationTerm:
    expr: Expr
    conditions: tuple[Condition, ...]
    span: Span


@dataclass(frozen=True)
class QueryNumber:
    value: float
    span: Span


@dataclass(frozen=True)
class QueryBinary:
    op: str  # + - * /
    left: "QueryExpr"
    right: "QueryExpr"
    span: Span


@dataclass(frozen=True)
class QueryNegation:
    operand: "QueryExpr"
    span: Span


QueryExpr = Union[ProbabilityTerm, ExpectationTerm, QueryNumber, QueryBinary, QueryNegation]


@dataclass(frozen=True)
class Query:
    """``query [name =] [bounds|identify] <query expression>``."""

    name: str | None
    kind: str  # "estimate", "bounds" or "identify"
    expr: QueryExpr
    text: str
    span: Span


@dataclass(frozen=True)
class Program:
    model: ModelBlock | None
    data: tuple[DataStatement, ...]
    queries: tuple[Query, ...]
    filename: str
    source: str
