"""AST expressions → resolved expressions, reporting unknown names and misuse.

Names become variable or parameter references; a level name compared with a
finite variable (``Region == north``) becomes that level's position.

Values of a finite variable follow one rule everywhere (expressions, events,
``do``, data; :meth:`causalppl.ir.types.Domain.accepts_number`): a number
matches an integer level label first, then a position.  So with
``Dose : {1, 2, 3}``, ``Dose == 2`` and ``P(Dose = 2)`` both mean the level
labelled 2.  A name that is both a model variable and a level of the finite
variable it is compared with (``hi`` in ``A == hi`` with ``A : {lo, hi}``)
is ambiguous, and an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx
from causalppl.ir.constants import fold
from causalppl.ir.types import Domain
from causalppl.semantics.scope import Reporter, Scope, did_you_mean
from causalppl.syntax import ast

_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}


@dataclass
class ExpressionResolver:
    scope: Scope
    reporter: Reporter
    allow_counterfactuals: bool = False

    def resolve(self, expr: ast.Expr, context: Domain | None = None) -> rx.Expr:
        method = getattr(self, "_" + type(expr).__name__)
        return method(expr, context)

    # -------------------------------------------------------------- leaves ----
    def _Number(self, expr: ast.Number, context: Domain | None) -> rx.Expr:
        if context is not None and context.is_finite:
            return rx.Const(self._position(context, expr.value, expr.span), expr.span)
        return rx.Const(expr.value, expr.span)

    def _position(self, domain: Domain, number: float, span: Span) -> float:
        """The level position a number denotes in a finite domain (label first, then position)."""
        position = domain.accepts_number(number) if math.isfinite(number) else None
        if position is None:
            self.reporter.error(span, f"{_fmt(number)} is not a value of {domain.describe()}",
                                "a value is a level label, or a position counted from 0")
            return 0.0
        return float(position)

    def _Bool(self, expr: ast.Bool, context: Domain | None) -> rx.Expr:
        return rx.Const(1.0 if expr.value else 0.0, expr.span)

    def _Name(self, expr: ast.Name, context: Domain | None) -> rx.Expr:
        symbol = self.scope.lookup(expr.name)
        if symbol is not None and context is not None and context.kind == "levels" \
                and context.position(expr.name) is not None:
            self.reporter.error(expr.span, f"'{expr.name}' is ambiguous: both a {_kind(symbol.kind)} and a level of "
                                           f"{context.describe()}",
                                f"rename the {_kind(symbol.kind)} or the level; level names and other names "
                                "must differ where they meet")
            return rx.Const(float(context.position(expr.name)), expr.span)
        if symbol is not None:
            return rx.ParamRef(expr.name, expr.span) if symbol.kind == "parameter" else rx.VarRef(expr.name, expr.span)
        if context is not None and context.position(expr.name) is not None:
            return rx.Const(float(context.position(expr.name)), expr.span)
        self._unknown_name(expr.name, expr.span, context)
        return rx.Const(0.0, expr.span)

    def _unknown_name(self, name: str, span: Span, context: Domain | None) -> None:
        if context is not None and context.kind == "levels":
            self.reporter.error(span, f"'{name}' is not a level of {context.describe()}"
                                + did_you_mean(name, context.levels))
            return
        self.reporter.error(span, f"unknown name '{name}'" + did_you_mean(name, self.scope.symbols),
                            "declare it in the model block, or check its spelling")

    # ----------------------------------------------------------- compounds ----
    def _BinaryOp(self, expr: ast.BinaryOp, context: Domain | None) -> rx.Expr:
        if expr.op in _COMPARISONS:
            return self._comparison(expr)
        return rx.Binary(expr.op, self.resolve(expr.left), self.resolve(expr.right), expr.span)

    def _comparison(self, expr: ast.BinaryOp) -> rx.Expr:
        left_domain = self._finite_domain_of(expr.left)
        right_domain = self._finite_domain_of(expr.right)
        left = self._compared(expr.left, right_domain)
        right = self._compared(expr.right, left_domain)
        return rx.Binary(expr.op, left, right, expr.span)

    def _compared(self, expr: ast.Expr, other: Domain | None) -> rx.Expr:
        """One side of a comparison; a constant compared with a finite variable is one of its values."""
        resolved = self.resolve(expr, other)
        if other is None or not other.is_finite or isinstance(resolved, rx.Const):
            return resolved
        number = fold(resolved).value
        if number is None:
            return resolved
        return rx.Const(self._position(other, number, resolved.span), resolved.span)

    def _finite_domain_of(self, expr: ast.Expr) -> Domain | None:
        name = expr.variable if isinstance(expr, ast.PotentialOutcome) else getattr(expr, "name", None)
        if not isinstance(expr, (ast.Name, ast.PotentialOutcome)) or name is None:
            return None
        symbol = self.scope.lookup(name)
        if symbol is not None and symbol.is_variable and symbol.domain.is_finite:
            return symbol.domain
        return None

    def _UnaryOp(self, expr: ast.UnaryOp, context: Domain | None) -> rx.Expr:
        return rx.Unary(expr.op, self.resolve(expr.operand), expr.span)

    def _IfElse(self, expr: ast.IfElse, context: Domain | None) -> rx.Expr:
        return rx.IfThenElse(self.resolve(expr.condition), self.resolve(expr.then, context),
                             self.resolve(expr.otherwise, context), expr.span)

    def _Call(self, expr: ast.Call, context: Domain | None) -> rx.Expr:
        arity = rx.FUNCTIONS.get(expr.function)
        if arity is None:
            self.reporter.error(expr.span, f"unknown function '{expr.function}'" + did_you_mean(expr.function, rx.FUNCTIONS),
                                "available functions: " + ", ".join(rx.FUNCTIONS))
        elif arity != len(expr.args):
            self.reporter.error(expr.span, f"{expr.function}() takes {arity} argument{'s' * (arity != 1)}, "
                                           f"got {len(expr.args)}")
        return rx.FunctionCall(expr.function, tuple(self.resolve(arg) for arg in expr.args), expr.span)

    def _Vector(self, expr: ast.Vector, context: Domain | None) -> rx.Expr:
        return rx.VectorLiteral(tuple(self.resolve(item) for item in expr.items), expr.span)

    def _Index(self, expr: ast.Index, context: Domain | None) -> rx.Expr:
        return rx.IndexInto(self.resolve(expr.target), self.resolve(expr.index), expr.span)

    def _PotentialOutcome(self, expr: ast.PotentialOutcome, context: Domain | None) -> rx.Expr:
        if not self.allow_counterfactuals:
            self.reporter.error(expr.span, f"potential outcome '{expr.variable}[...]' is only allowed in queries",
                                "inside the model, write the mechanism of the variable itself")
            return rx.Const(0.0, expr.span)
        return self.counterfactual(expr.variable, expr.assignments, expr.span)

    def counterfactual(self, variable: str, assignments: tuple[ast.Assignment, ...], span: Span) -> rx.CounterfactualRef:
        self.require_variable(variable, span)
        interventions = tuple((a.name, self.intervention_value(a)) for a in assignments)
        return rx.CounterfactualRef(variable, interventions, span)

    # ------------------------------------------------ interventions, values ----
    def intervention_value(self, assignment: ast.Assignment) -> rx.InterventionValue:
        symbol = self.require_variable(assignment.name, assignment.name_span)
        if isinstance(assignment.value, ast.PotentialOutcome):
            if not self.allow_counterfactuals:
                self.reporter.error(assignment.value.span, "a potential outcome cannot be the value of do(...)",
                                    "use a subscript instead: Y[X = 1, M = M[X = 0]]")
                return 0.0
            return self.counterfactual(assignment.value.variable, assignment.value.assignments, assignment.value.span)
        return self.value_for(symbol.domain if symbol else None, assignment.value, assignment.name)

    def value_for(self, domain: Domain | None, value: ast.Expr, variable: str) -> float:
        """A constant value of ``variable``'s domain: a level position, or a number."""
        if domain is None:
            return 0.0
        if isinstance(value, ast.Name):
            return self._level_value(domain, value, variable)
        if isinstance(value, ast.Bool):
            return self._checked_number(domain, 1.0 if value.value else 0.0, value.span, variable)
        number = rx.constant_value(self.resolve(value))
        if number is None:
            self.reporter.error(value.span, f"the value of '{variable}' must be a constant")
            return 0.0
        return self._checked_number(domain, number, value.span, variable)

    def _level_value(self, domain: Domain, value: ast.Name, variable: str) -> float:
        position = domain.position(value.name)
        if position is not None:
            return float(position)
        if self.scope.lookup(value.name) is not None:
            self.reporter.error(value.span, f"the value of '{variable}' must be a constant, not the name '{value.name}'")
        elif domain.kind == "levels":
            self.reporter.error(value.span, f"'{value.name}' is not a level of '{variable}'"
                                + did_you_mean(value.name, domain.levels),
                                f"the levels of '{variable}' are {domain.describe()}")
        else:
            self.reporter.error(value.span, f"'{value.name}' is not a value of '{variable}' ({domain.describe()})")
        return 0.0

    def _checked_number(self, domain: Domain, number: float, span: Span, variable: str) -> float:
        if domain.is_finite:
            position = domain.accepts_number(number)
            if position is None:
                self.reporter.error(span, f"{_fmt(number)} is not a value of '{variable}' ({domain.describe()})")
                return 0.0
            return float(position)
        if domain.kind == "int" and not float(number).is_integer():
            self.reporter.error(span, f"'{variable}' is an int; {_fmt(number)} is not a whole number")
        return float(number)

    def require_variable(self, name: str, span: Span):
        symbol = self.scope.lookup(name)
        if symbol is None:
            self.reporter.error(span, f"unknown variable '{name}'"
                                + did_you_mean(name, [s.name for s in self.scope.variables()]))
        elif not symbol.is_variable:
            self.reporter.error(span, f"'{name}' is a parameter; a model variable is required here")
            return None
        return symbol


def _kind(kind: str) -> str:
    return "parameter" if kind == "parameter" else "model variable"


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(number)
