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
from causalppl.semantics.resolve import ExpressionResolver
from causalppl.semantics.scope import Reporter, Scope
from causalppl.syntax import ast


@dataclass
class QueryResolver:
    scope: Scope
    reporter: Reporter
    per_row: bool = False  # evidence without a value takes each row's value (``causalppl score``)

    def __post_init__(self) -> None:
        self.resolver = ExpressionResolver(self.scope, self.reporter, allow_counterfactuals=True)

    def resolve(self, query: ast.Query) -> QuerySpec:
        term = self._term(query.expr)
        if query.kind != "estimate" and isinstance(term, NumberSpec):
            self.reporter.error(query.span, f"'{query.kind}' needs a probability or expectation")
        if query.kind != "estimate" and self.per_row and per_row_evidence(term):
            self.reporter.error(query.span, f"'{query.kind}' queries take no per-row evidence",
                                "score estimates such as P(Y[X = 0] = 0 | X, Y) or E[Y | do(X = 1), Age]")
        if not isinstance(term, ProbabilitySpec):
            for leaf in leaves(term):
                if isinstance(leaf, ProbabilitySpec) and leaf.is_distribution:
                    name = leaf.events[0].outcome.variable
                    self.reporter.error(leaf.span, f"the distribution P({name}) is a table of probabilities, not a "
                                                   "number: it cannot take part in arithmetic",
                                        f"ask for one probability, e.g. P({name} = 1)")
        return QuerySpec(query.name, query.kind, term, query.text, query.span)

    def _term(self, expr: ast.QueryExpr) -> QueryTerm:
        if isinstance(expr, ast.QueryNumber):
            return NumberSpec(expr.value, expr.span)
        if isinstance(expr, ast.QueryBinary):
            right = self._term(expr.right)
            if expr.op == "/" and isinstance(right, NumberSpec) and right.value == 0:
                self.reporter.error(right.span, "division by zero", "a ratio needs a denominator other than 0")
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
                    event = self._row_evidence(condition, event)
                evidence.append(event)
        self._check_overlap(evidence, interventions)
        return tuple(evidence), tuple(interventions.items())

    def _row_evidence(self, condition: ast.Event, event: EventSpec) -> EventSpec:
        """``| X``: with rows, X takes each row's value (``X = <row>``); without, a value is missing."""
        name = condition.outcome.variable
        if not self.per_row:
            self.reporter.error(condition.span, f"evidence needs a value: write '{name} = ...'",
                                f"evidence without a value ('| {name}') is the per-row form: it takes each row's "
                                "value in 'causalppl score' (Model.score)")
        elif not event.is_factual:
            self.reporter.error(condition.span, f"a row holds factual values: '{name}' with a subscript cannot take "
                                                "a row's value", f"write the factual variable '| {name}'")
        return EventSpec(event.outcome, "=", None, event.span)

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
