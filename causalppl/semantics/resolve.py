"""AST expressions → resolved expressions, reporting unknown names and misuse.

Names become variable or parameter references; a level name compared with a
finite variable (``Region == north``) becomes that level's position.

Values of a variable follow one rule everywhere (expressions, events, ``do``,
data): every constant given as a variable's value goes through the one value
validator, :func:`causalppl.ir.values.ir_value`, which also words what does
not fit.  For a finite variable a number
matches an integer level label first, then a position.  So with
``Dose : {1, 2, 3}``, ``Dose == 2`` and ``P(Dose = 2)`` both mean the level
labelled 2.  A name that is both a model variable and a level of the finite
variable it is compared with (``hi`` in ``A == hi`` with ``A : {lo, hi}``)
is ambiguous, and an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx
from causalppl.ir.constants import fold
from causalppl.ir.types import Domain
from causalppl.ir.values import BadValue, ir_value
from causalppl.semantics import messages
from causalppl.semantics.scope import Reporter, Scope
from causalppl.syntax import ast

_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}
#: Words that are no literal of the language but, written as a value, can only mean these values.
_VALUE_WORDS = {"nan": math.nan, "inf": math.inf, "None": None}
_REPORTED = object()  # a value whose problem is already reported


@dataclass(frozen=True)
class Target:
    """The variable an expression gives a value of (a deterministic mechanism's, or the other side of a comparison)."""

    name: str
    domain: Domain


@dataclass
class ExpressionResolver:
    """Resolves AST expressions into IR expressions: names looked up, types checked."""

    scope: Scope
    reporter: Reporter
    allow_counterfactuals: bool = False

    def resolve(self, expr: ast.Expr, context: Target | None = None) -> rx.Expr:
        method = getattr(self, "_" + type(expr).__name__)
        return method(expr, context)

    # -------------------------------------------------------------- leaves ----
    def _Number(self, expr: ast.Number, context: Target | None) -> rx.Expr:
        if context is not None and context.domain.is_finite:
            return rx.Const(self._position(context, expr.value, expr.span), expr.span)
        return rx.Const(expr.value, expr.span)

    def _position(self, target: Target, number: float, span: Span) -> float:
        """The level position a number denotes in a finite domain (label first, then position)."""
        position = ir_value(target.name, target.domain, number)
        if isinstance(position, BadValue):
            self.reporter.report(messages.bad_value(span, position))
            return 0.0
        return position

    def _Bool(self, expr: ast.Bool, context: Target | None) -> rx.Expr:
        return rx.Const(1.0 if expr.value else 0.0, expr.span)

    def _Name(self, expr: ast.Name, context: Target | None) -> rx.Expr:
        symbol = self.scope.lookup(expr.name)
        domain = context.domain if context is not None else None
        if symbol is not None and domain is not None and domain.kind == "levels" \
                and domain.position(expr.name) is not None:
            self.reporter.report(messages.ambiguous_name(expr.span, expr.name, _kind(symbol.kind), domain))
            return rx.Const(float(domain.position(expr.name)), expr.span)
        if symbol is not None:
            return rx.ParamRef(expr.name, expr.span) if symbol.kind == "parameter" else rx.VarRef(expr.name, expr.span)
        if domain is not None and domain.position(expr.name) is not None:
            return rx.Const(float(domain.position(expr.name)), expr.span)
        self._unknown_name(expr.name, expr.span, context)
        return rx.Const(0.0, expr.span)

    def _unknown_name(self, name: str, span: Span, context: Target | None) -> None:
        if context is not None and context.domain.kind == "levels":
            self.reporter.report(messages.not_a_level_of(span, name, context.name, context.domain))
            return
        self.reporter.report(messages.unknown_name(span, name, self.scope.symbols))

    # ----------------------------------------------------------- compounds ----
    def _BinaryOp(self, expr: ast.BinaryOp, context: Target | None) -> rx.Expr:
        if expr.op in _COMPARISONS:
            return self._comparison(expr)
        return rx.Binary(expr.op, self.resolve(expr.left), self.resolve(expr.right), expr.span)

    def _comparison(self, expr: ast.BinaryOp) -> rx.Expr:
        left_target = self._finite_target(expr.left)
        right_target = self._finite_target(expr.right)
        left = self._compared(expr.left, right_target)
        right = self._compared(expr.right, left_target)
        return rx.Binary(expr.op, left, right, expr.span)

    def _compared(self, expr: ast.Expr, other: Target | None) -> rx.Expr:
        """One side of a comparison; a constant compared with a finite variable is one of its values."""
        resolved = self.resolve(expr, other)
        if other is None or isinstance(resolved, rx.Const):
            return resolved
        number = fold(resolved).value
        if number is None:
            return resolved
        return rx.Const(self._position(other, number, resolved.span), resolved.span)

    def _finite_target(self, expr: ast.Expr) -> Target | None:
        """The finite variable a side of a comparison names (``D``, ``D[X = 1]``), if any."""
        name = expr.variable if isinstance(expr, ast.PotentialOutcome) else getattr(expr, "name", None)
        if not isinstance(expr, (ast.Name, ast.PotentialOutcome)) or name is None:
            return None
        symbol = self.scope.lookup(name)
        if symbol is not None and symbol.is_variable and symbol.domain.is_finite:
            return Target(name, symbol.domain)
        return None

    def _UnaryOp(self, expr: ast.UnaryOp, context: Target | None) -> rx.Expr:
        return rx.Unary(expr.op, self.resolve(expr.operand), expr.span)

    def _IfElse(self, expr: ast.IfElse, context: Target | None) -> rx.Expr:
        return rx.IfThenElse(self.resolve(expr.condition), self.resolve(expr.then, context),
                             self.resolve(expr.otherwise, context), expr.span)

    def _Call(self, expr: ast.Call, context: Target | None) -> rx.Expr:
        arity = rx.FUNCTIONS.get(expr.function)
        if arity is None:
            self.reporter.report(messages.unknown_function(expr.span, expr.function, rx.FUNCTIONS))
        elif arity != len(expr.args):
            self.reporter.report(messages.function_arity(expr.span, expr.function, arity, len(expr.args)))
        return rx.FunctionCall(expr.function, tuple(self.resolve(arg) for arg in expr.args), expr.span)

    def _Vector(self, expr: ast.Vector, context: Target | None) -> rx.Expr:
        return rx.VectorLiteral(tuple(self.resolve(item) for item in expr.items), expr.span)

    def _Index(self, expr: ast.Index, context: Target | None) -> rx.Expr:
        return rx.IndexInto(self.resolve(expr.target), self.resolve(expr.index), expr.span)

    def _PotentialOutcome(self, expr: ast.PotentialOutcome, context: Target | None) -> rx.Expr:
        if not self.allow_counterfactuals:
            self.reporter.report(messages.potential_outcome_in_model(expr.span, expr.variable))
            return rx.Const(0.0, expr.span)
        return self.counterfactual(expr.variable, expr.assignments, expr.span)

    def counterfactual(self, variable: str, assignments: tuple[ast.Assignment, ...], span: Span) -> rx.CounterfactualRef:
        self.require_variable(variable, span)
        report_set_twice([(a.name, a.value, a.span) for a in assignments], self.reporter)
        interventions = tuple((a.name, self.intervention_value(a)) for a in assignments)
        return rx.CounterfactualRef(variable, interventions, span)

    # ------------------------------------------------ interventions, values ----
    def intervention_value(self, assignment: ast.Assignment) -> rx.InterventionValue:
        symbol = self.require_variable(assignment.name, assignment.name_span)
        if isinstance(assignment.value, ast.PotentialOutcome):
            if not self.allow_counterfactuals:
                self.reporter.report(messages.potential_outcome_in_do(assignment.value.span))
                return 0.0
            return self.counterfactual(assignment.value.variable, assignment.value.assignments, assignment.value.span)
        return self.value_for(symbol.domain if symbol else None, assignment.value, assignment.name)

    def value_for(self, domain: Domain | None, value: ast.Expr, variable: str) -> float:
        """A constant value of ``variable``'s domain: a level position, or a number (:mod:`causalppl.ir.values`)."""
        if domain is None:
            return 0.0
        if isinstance(value, ast.Name):
            raw = self._name_value(domain, value, variable)
            if raw is _REPORTED:
                return 0.0
        elif isinstance(value, ast.Bool):
            raw = value.value
        else:
            resolved = self.resolve(value)
            raw = rx.constant_value(resolved)
            if raw is None:
                problems = fold(resolved).problems  # a constant without a value (1e400, 1/0), else not a constant
                for span, problem in problems or [(value.span, None)]:
                    self.reporter.report(messages.constant_not_finite(span, problem) if problem
                                         else messages.value_not_constant(span, variable))
                return 0.0
        result = ir_value(variable, domain, raw)
        if isinstance(result, BadValue):
            self.reporter.report(messages.bad_value(value.span, result))
            return 0.0
        return result

    def _name_value(self, domain: Domain, value: ast.Name, variable: str) -> object:
        """A name written as a value: a level name; ``nan``, ``inf`` and ``None`` stand for those values."""
        if not isinstance(ir_value(variable, domain, value.name), BadValue):
            return value.name
        if self.scope.lookup(value.name) is not None:
            self.reporter.report(messages.value_is_a_name(value.span, variable, value.name))
            return _REPORTED
        return _VALUE_WORDS.get(value.name, value.name)

    def require_variable(self, name: str, span: Span):
        symbol = self.scope.lookup(name)
        if symbol is None:
            self.reporter.report(messages.unknown_variable(span, name, [s.name for s in self.scope.variables()]))
        elif not symbol.is_variable:
            self.reporter.report(messages.parameter_not_variable(span, name))
            return None
        return symbol


def report_set_twice(assignments: Sequence[tuple[str, ast.Expr | None, Span]], reporter: Reporter,
                     context: str = "query") -> None:
    """Report each variable that one intervention sets again: (name, value as written, span of the assignment).

    The same value twice is refused too: nothing is lost by keeping one, and a repeated name is most often
    another variable misspelt (``do(X = 1, X = 0)`` for ``do(X = 1, Z = 0)``).
    """
    first: dict[str, tuple[ast.Expr | None, Span]] = {}
    for name, value, span in assignments:
        if name not in first:
            first[name] = (value, span)
            continue
        earlier_value, earlier_span = first[name]
        reporter.report(messages.set_twice(span, name, ast.assignment_text(name, earlier_value),
                                           _place(earlier_span, span), ast.assignment_text(name, value),
                                           _place(span, span), context))


def _place(span: Span, at: Span) -> str:
    """Where ``span`` starts, said from the line of ``at`` (the line the message points at)."""
    if span.line == at.line:
        return f"column {span.column}"
    return f"line {span.line}, column {span.column}"


def _kind(kind: str) -> str:
    return "parameter" if kind == "parameter" else "model variable"

