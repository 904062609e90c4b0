"""Queries after checking: events, evidence and interventions with resolved values.

Every outcome is a :class:`~causalppl.semantics.expressions.CounterfactualRef`
(with no interventions for a factual variable), every value a number (a level
position for finite variables).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from causalppl.diagnostics import Span
from causalppl.semantics import expressions as rx
from causalppl.semantics.resolve import ExpressionResolver
from causalppl.semantics.scope import Reporter, Scope
from causalppl.syntax import ast


@dataclass(frozen=True)
class EventSpec:
    """``outcome op value``; ``op`` None means "the distribution of outcome"."""

    outcome: rx.CounterfactualRef
    op: str | None
    value: float | None
    span: Span

    @property
    def is_factual(self) -> bool:
        return not self.outcome.interventions


@dataclass(frozen=True)
class ProbabilitySpec:
    events: tuple[EventSpec, ...]
    evidence: tuple[EventSpec, ...]
    interventions: tuple[tuple[str, float], ...]
    span: Span

    @property
    def is_distribution(self) -> bool:
        return len(self.events) == 1 and self.events[0].op is None


@dataclass(frozen=True)
class ExpectationSpec:
    expr: rx.Expr
    evidence: tuple[EventSpec, ...]
    interventions: tuple[tuple[str, float], ...]
    span: Span


@dataclass(frozen=True)
class NumberSpec:
    value: float
    span: Span


@dataclass(frozen=True)
class BinarySpec:
    op: str
    left: "QueryTerm"
    right: "QueryTerm"
    span: Span


@dataclass(frozen=True)
class NegationSpec:
    operand: "QueryTerm"
    span: Span


QueryTerm = Union[ProbabilitySpec, ExpectationSpec, NumberSpec, BinarySpec, NegationSpec]


@dataclass(frozen=True)
class QuerySpec:
    name: str | None
    kind: str  # "estimate", "bounds", "identify"
    term: QueryTerm
    text: str
    span: Span

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


@dataclass
class QueryResolver:
    scope: Scope
    reporter: Reporter

    def __post_init__(self) -> None:
        self.resolver = ExpressionResolver(self.scope, self.reporter, allow_counterfactuals=True)

    def resolve(self, query: ast.Query) -> QuerySpec:
        term = self._term(query.expr)
        if query.kind != "estimate" and isinstance(term, NumberSpec):
            self.reporter.error(query.span, f"'{query.kind}' needs a probability or expectation")
        return QuerySpec(query.name, query.kind, term, query.text, query.span)

    def _term(self, expr: ast.QueryExpr) -> QueryTerm:
        if isinstance(expr, ast.QueryNumber):
            return NumberSpec(expr.value, expr.span)
        if isinstance(expr, ast.QueryBinary):
            return BinarySpec(expr.op, self._term(expr.left), self._term(expr.right), expr.span)
        if isinstance(expr, ast.QueryNegation):
            return NegationSpec(self._term(expr.operand), expr.span)
        evidence, interventions = self._conditions(expr.conditions)
        if isinstance(expr, ast.ProbabilityTerm):
            return self._probability(expr, evidence, interventions)
        return ExpectationSpec(self._expectation_body(expr.expr), evidence, interventions, expr.span)

    def _probability(self, expr: ast.ProbabilityTerm, evidence, interventions) -> ProbabilitySpec:
        events = tuple(self._event(event) for event in expr.events)
        bare = [event for event in events if event.op is None]
        if bare and len(events) > 1:
            self.reporter.error(bare[0].span, "a distribution P(Y) takes one variable; "
                                              "write events such as P(Y = 1, Z = 0) for a joint probability")
        for event in bare:
            self._require_finite(event)
        return ProbabilitySpec(events, evidence, interventions, expr.span)

    def _expectation_body(self, expr: ast.Expr) -> rx.Expr:
        return self.resolver.resolve(expr)

    def _conditions(self, conditions: tuple[ast.Condition, ...]):
        evidence: list[EventSpec] = []
        interventions: dict[str, float] = {}
        for condition in conditions:
            if isinstance(condition, ast.Intervention):
                for assignment in condition.assignments:
                    self._intervention(assignment, interventions)
            else:
                event = self._event(condition)
                if event.op is None:
                    self.reporter.error(condition.span, f"evidence needs a value: write '{condition.outcome.variable} = ...'")
                evidence.append(event)
        self._check_overlap(evidence, interventions)
        return tuple(evidence), tuple(interventions.items())

    def _intervention(self, assignment: ast.Assignment, interventions: dict[str, float]) -> None:
        if isinstance(assignment.value, ast.PotentialOutcome):
            self.reporter.error(assignment.value.span, "do(...) takes constants; nested potential outcomes "
                                                       "belong in a subscript such as Y[X = 1, M = M[X = 0]]")
            return
        if assignment.name in interventions:
            self.reporter.error(assignment.span, f"'{assignment.name}' is intervened on twice")
        interventions[assignment.name] = float(self.resolver.intervention_value(assignment))

    def _check_overlap(self, evidence: list[EventSpec], interventions: dict[str, float]) -> None:
        for event in evidence:
            if event.is_factual and event.outcome.variable in interventions:
                self.reporter.error(event.span, f"'{event.outcome.variable}' is both intervened on and observed",
                                    "under do(...) the variable is fixed; drop the evidence or the intervention")

    def _event(self, event: ast.Event) -> EventSpec:
        outcome = self.resolver.counterfactual(event.outcome.variable, event.outcome.assignments, event.outcome.span)
        if event.op is None:
            return EventSpec(outcome, None, None, event.span)
        symbol = self.scope.lookup(event.outcome.variable)
        domain = symbol.domain if symbol is not None and symbol.is_variable else None
        value = self.resolver.value_for(domain, event.value, event.outcome.variable)
        if event.op not in ("=", "!=") and domain is not None and domain.kind == "levels":
            pass  # ordered comparisons of levels use level positions
        return EventSpec(outcome, event.op, value, event.span)

    def _require_finite(self, event: EventSpec) -> None:
        symbol = self.scope.lookup(event.outcome.variable)
        if symbol is not None and symbol.is_variable and not symbol.domain.is_finite:
            kind = symbol.domain.describe()
            article = "an" if kind[0] in "aeiou" else "a"
            self.reporter.error(event.span, f"P({event.outcome.variable}) asks for the distribution of {article} "
                                            f"{kind} variable",
                                f"ask for E[{event.outcome.variable}] or a probability such as "
                                f"P({event.outcome.variable} > 0)")
