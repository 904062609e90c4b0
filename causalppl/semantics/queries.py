"""Query ASTs → checked queries (:mod:`causalppl.ir.queries`), reporting misuse."""

from __future__ import annotations

from dataclasses import dataclass

from causalppl.ir import expressions as rx
from causalppl.ir.queries import (
    BinarySpec,
    per_row_evidence,
    EventSpec,
    ExpectationSpec,
    NegationSpec,
    NumberSpec,
    ProbabilitySpec,
    QuerySpec,
    QueryTerm,
    leaves,
)
from causalppl.semantics import messages
from causalppl.semantics.resolve import ExpressionResolver, report_set_twice
from causalppl.semantics.scope import Reporter, Scope
from causalppl.syntax import ast


@dataclass
class QueryResolver:
    """Resolves query text against the model's scope into query specs; problems go to ``reporter``."""

    scope: Scope
    reporter: Reporter
    per_row: bool = False  # evidence without a value takes each row's value (``causalppl score``)

    def __post_init__(self) -> None:
        self.resolver = ExpressionResolver(self.scope, self.reporter, allow_counterfactuals=True)

    def resolve(self, query: ast.Query) -> QuerySpec:
        term = self._term(query.expr)
        if query.kind != "estimate" and isinstance(term, NumberSpec):
            self.reporter.report(messages.query_needs_probability(query.span, query.kind))
        if query.kind != "estimate" and self.per_row and per_row_evidence(term):
            self.reporter.report(messages.per_row_evidence_refused(query.span, query.kind))
        if not isinstance(term, ProbabilitySpec):
            for leaf in leaves(term):
                if isinstance(leaf, ProbabilitySpec) and leaf.is_distribution:
                    name = leaf.events[0].outcome.variable
                    self.reporter.report(messages.distribution_in_arithmetic(leaf.span, name))
        return QuerySpec(query.name, query.kind, term, query.text, query.span)

    def _term(self, expr: ast.QueryExpr) -> QueryTerm:
        if isinstance(expr, ast.QueryNumber):
            return NumberSpec(expr.value, expr.span)
        if isinstance(expr, ast.QueryBinary):
            right = self._term(expr.right)
            if expr.op == "/" and isinstance(right, NumberSpec) and right.value == 0:
                self.reporter.report(messages.division_by_zero(right.span))
            return BinarySpec(expr.op, self._term(expr.left), right, expr.span)
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
            self.reporter.report(messages.distribution_of_several(bare[0].span))
        for event in bare:
            self._require_finite(event)
        return ProbabilitySpec(events, evidence, interventions, expr.span)

    def _expectation_body(self, expr: ast.Expr) -> rx.Expr:
        return self.resolver.resolve(expr)

    def _conditions(self, conditions: tuple[ast.Condition, ...]):
        evidence: list[EventSpec] = []
        interventions: dict[str, float] = {}
        assignments = [a for condition in conditions if isinstance(condition, ast.Intervention)
                       for a in condition.assignments]
        report_set_twice([(a.name, a.value, a.span) for a in assignments], self.reporter)
        for condition in conditions:
            if isinstance(condition, ast.Intervention):
                for assignment in condition.assignments:
                    self._intervention(assignment, interventions)
            else:
                event = self._event(condition)
                if event.op is None:
                    event = self._row_evidence(condition, event)
                evidence.append(event)
        self._check_overlap(evidence, interventions)
        return tuple(evidence), tuple(interventions.items())

    def _row_evidence(self, condition: ast.Event, event: EventSpec) -> EventSpec:
        """``| X``: with rows, X takes each row's value (``X = <row>``); without, a value is missing."""
        name = condition.outcome.variable
        if not self.per_row:
            self.reporter.report(messages.evidence_needs_value(condition.span, name))
        elif not event.is_factual:
            self.reporter.report(messages.row_value_of_counterfactual(condition.span, name))
        return EventSpec(event.outcome, "=", None, event.span)

    def _intervention(self, assignment: ast.Assignment, interventions: dict[str, float]) -> None:
        if isinstance(assignment.value, ast.PotentialOutcome):
            self.reporter.report(messages.potential_outcome_in_do(assignment.value.span))
            return
        value = float(self.resolver.intervention_value(assignment))
        interventions.setdefault(assignment.name, value)  # a second value is reported (report_set_twice)

    def _check_overlap(self, evidence: list[EventSpec], interventions: dict[str, float]) -> None:
        observed: dict = {}  # outcome → its first `=` evidence
        for event in evidence:
            if event.is_factual and event.outcome.variable in interventions:
                self.reporter.report(messages.intervened_and_observed(event.span, event.outcome.variable))
            if event.op != "=":
                continue  # (comparisons may narrow one variable twice: X > 1, X < 3)
            first = observed.setdefault((event.outcome.variable, event.outcome.interventions), event)
            if first is event:
                continue
            per_row = first.value is None or event.value is None
            if per_row or first.value != event.value:
                self.reporter.report(messages.observed_twice(event.span, event.outcome.variable, per_row))

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
            self.reporter.report(messages.distribution_of_continuous(event.span, event.outcome.variable, symbol.domain))
