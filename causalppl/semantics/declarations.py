"""Model declarations → symbols with domains, and resolved mechanisms.

Covers: duplicate names, type annotations and inference, distribution
arguments, tables (shape, level names, rows summing to 1), nonparametric
parents, fixed and prior parameters.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from causalppl.lazy import numpy as np

from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx
from causalppl.ir.families import FAMILIES, POSITIVE_ARGUMENTS, Family
from causalppl.ir.mechanisms import (
    Covariate,
    Deterministic,
    Mechanism,
    NonparametricMechanism,
    Parametric,
    TableMechanism,
    parent_configurations,
)
from causalppl.ir.types import BOOL, INT, REAL, Domain
from causalppl.ir.values import BadValue, ir_value
from causalppl.semantics import messages
from causalppl.semantics.resolve import ExpressionResolver, Target
from causalppl.semantics.scope import Reporter, Scope, Symbol
from causalppl.syntax import ast

ROW_SUM_TOLERANCE = 1e-6
_LOGICAL = {"==", "!=", "<", "<=", ">", ">=", "and", "or"}
_SUPPORT_KINDS = {"bool": {"bool"}, "categorical": {"levels", "bool"}, "int": {"int", "levels", "bool"},
                  "real": {"real"}, "positive": {"real"}, "unit": {"real"}, "simplex": {"real"}}


@dataclass(frozen=True)
class CheckedDeclaration:
    """A declaration after checking: its symbol and its resolved mechanism."""

    symbol: Symbol
    mechanism: Mechanism | None  # None only for fixed parameters
    fixed_value: rx.Expr | None = None  # ``param b = ...``


def collect_symbols(model: ast.ModelBlock, reporter: Reporter) -> Scope:
    scope = Scope()
    for decl in model.declarations:
        if isinstance(decl, ast.Confounding):
            continue
        if decl.name in scope.symbols:
            first = scope.symbols[decl.name].span
            reporter.report(messages.declared_twice(decl.name_span, decl.name, first.line))
            continue
        scope.symbols[decl.name] = _symbol(decl, reporter)
    return scope


def _symbol(decl: ast.VariableDecl | ast.ParamDecl, reporter: Reporter) -> Symbol:
    if isinstance(decl, ast.ParamDecl):
        domain = _annotated_domain(decl.type) or REAL
        return Symbol(decl.name, "parameter", domain, decl.name_span, decl.size)
    domain = _annotated_domain(decl.type) or _inferred_domain(decl, reporter)
    return Symbol(decl.name, "latent" if decl.latent else "endogenous", domain, decl.name_span)


def _annotated_domain(type_: ast.TypeExpr | None) -> Domain | None:
    if type_ is None:
        return None
    if isinstance(type_, ast.BoolType):
        return BOOL
    if isinstance(type_, ast.IntType):
        return INT
    if isinstance(type_, ast.RealType):
        return REAL
    return Domain("levels", type_.levels)


def _inferred_domain(decl: ast.VariableDecl, reporter: Reporter) -> Domain:
    mechanism = decl.mechanism
    if mechanism is None:
        reporter.report(messages.no_type_nor_mechanism(decl.span, decl.name))
        return REAL
    if isinstance(mechanism, ast.Nonparametric):
        reporter.report(messages.nonparametric_needs_type(decl.span, decl.name))
        return BOOL
    if isinstance(mechanism, ast.Deterministic):
        return BOOL if _is_logical(mechanism.expr) else REAL
    return _distribution_domain(mechanism.distribution)


def _is_logical(expr: ast.Expr) -> bool:
    if isinstance(expr, ast.BinaryOp):
        return expr.op in _LOGICAL
    if isinstance(expr, ast.UnaryOp):
        return expr.op == "not"
    return isinstance(expr, ast.Bool)


def _distribution_domain(distribution: ast.Distribution) -> Domain:
    if isinstance(distribution, ast.Table):
        width = int(distribution.rows.widths[0]) if len(distribution.rows) else 2
        return Domain("levels", tuple(str(i) for i in range(width)))
    family = FAMILIES.get(distribution.family)
    if family is None:
        return REAL
    if family.support == "bool":
        return BOOL
    if family.support == "categorical":
        size = _categorical_size(distribution)
        return Domain("levels", tuple(str(i) for i in range(size))) if size else INT
    return INT if family.support == "int" else REAL


def _categorical_size(call: ast.DistributionCall) -> int | None:
    for arg in call.args:
        if isinstance(arg.value, ast.Vector):
            return len(arg.value.items)
    return None


# ------------------------------------------------------------ mechanisms ----


@dataclass
class MechanismChecker:
    """Checks of mechanisms: families, arguments, tables and parents; problems go to ``reporter``."""

    scope: Scope
    reporter: Reporter

    def __post_init__(self) -> None:
        self.resolver = ExpressionResolver(self.scope, self.reporter)

    def check(self, decl: ast.VariableDecl | ast.ParamDecl) -> CheckedDeclaration | None:
        symbol = self.scope.lookup(decl.name)
        if symbol is None or symbol.span != decl.name_span:
            return None  # a duplicate, already reported
        if isinstance(decl, ast.ParamDecl):
            return self._parameter(decl, symbol)
        return CheckedDeclaration(symbol, self._mechanism(decl, symbol))

    def _parameter(self, decl: ast.ParamDecl, symbol: Symbol) -> CheckedDeclaration:
        if decl.value is not None:
            value = self.resolver.resolve(decl.value)
            self._fixed_parameter_checks(decl, value)
            return CheckedDeclaration(symbol, None, value)
        if isinstance(decl.prior, ast.Table):
            self.reporter.report(messages.prior_is_table(decl.prior.span))
            return CheckedDeclaration(symbol, None, rx.Const(0.0, decl.span))
        prior = self._parametric(decl.prior, symbol)
        for name in prior.parents:
            self.reporter.report(messages.prior_reads_variable(prior.span, decl.name, name))
        return CheckedDeclaration(symbol, prior)

    def _fixed_parameter_checks(self, decl: ast.ParamDecl, value: rx.Expr) -> None:
        if rx.variables_in(value):
            self.reporter.report(messages.fixed_value_reads_variables(decl.value.span, decl.name))
        if decl.size is not None:
            length = len(value.items) if isinstance(value, rx.VectorLiteral) else 1
            if length != decl.size:
                self.reporter.report(messages.parameter_size_mismatch(decl.value.span, decl.name, decl.size, length))

    def _mechanism(self, decl: ast.VariableDecl, symbol: Symbol) -> Mechanism | None:
        mechanism = decl.mechanism
        if mechanism is None:
            if decl.type is None:
                return None
            if symbol.kind == "endogenous" and not symbol.domain.is_finite:
                return Covariate(decl.span)  # an observed int/real root: conditioned on, never generated
            return NonparametricMechanism((), decl.span)
        if isinstance(mechanism, ast.Nonparametric):
            return self._nonparametric(mechanism)
        if isinstance(mechanism, ast.Deterministic):
            return Deterministic(self.resolver.resolve(mechanism.expr, Target(symbol.name, symbol.domain)),
                                 mechanism.span)
        if isinstance(mechanism.distribution, ast.Table):
            return self._table(mechanism.distribution, symbol)
        return self._parametric(mechanism.distribution, symbol)

    def _nonparametric(self, mechanism: ast.Nonparametric) -> NonparametricMechanism:
        for name, span in zip(mechanism.parents, mechanism.parent_spans):
            self.resolver.require_variable(name, span)
        return NonparametricMechanism(mechanism.parents, mechanism.span)

    # ------------------------------------------------------ distributions ----
    def _parametric(self, call: ast.DistributionCall, symbol: Symbol) -> Parametric:
        family = FAMILIES.get(call.family)
        if family is None:
            self.reporter.report(messages.unknown_distribution(call.span, call.family, FAMILIES))
            return Parametric(call.family, (), call.span)
        arguments = self._arguments(call, family)
        mechanism = Parametric(family.name, arguments, call.span)
        self._check_support(call, family, symbol, mechanism)
        return mechanism

    def _arguments(self, call: ast.DistributionCall, family: Family) -> tuple[tuple[str, rx.Expr], ...]:
        named: dict[str, rx.Expr] = {}
        complete = True
        for position, arg in enumerate(call.args):
            name = self._argument_name(arg, position, family, call)
            if name is None:
                complete = False
                continue
            if name in named:
                self.reporter.report(messages.argument_given_twice(arg.span, family.name, name))
            named[name] = self.resolver.resolve(arg.value)
        if complete:
            self._check_required(call, family, named)
        return tuple((name, named[name]) for name in family.arguments if name in named)

    def _argument_name(self, arg: ast.Argument, position: int, family: Family, call: ast.DistributionCall) -> str | None:
        if arg.name is None:
            if position >= len(family.arguments) or (family.alternatives and position >= 1):
                self.reporter.report(messages.too_many_arguments(arg.span, family, len(call.args)))
                return None
            return family.arguments[position]
        canonical = family.canonical(arg.name)
        if canonical is None:
            self.reporter.report(messages.no_such_argument(arg.span, family, arg.name))
        return canonical

    def _check_required(self, call: ast.DistributionCall, family: Family, named: dict[str, rx.Expr]) -> None:
        if family.alternatives:
            group = family.alternatives[0]
            given = [name for name in group if name in named]
            if len(given) != 1:
                self.reporter.report(messages.exactly_one_of(call.span, family, group))
            return
        missing = [name for name in family.arguments[: family.required] if name not in named]
        if missing:
            self.reporter.report(messages.missing_arguments(call.span, family, missing))
        for name, expr in named.items():
            value = rx.constant_value(expr)
            if name in POSITIVE_ARGUMENTS and value is not None and value <= 0:
                self.reporter.report(messages.argument_not_positive(expr.span, family.name, name, value))

    def _check_support(self, call: ast.DistributionCall, family: Family, symbol: Symbol, mechanism: Parametric) -> None:
        if family.support == "categorical" and symbol.domain.kind == "int":
            self.reporter.report(messages.levels_unknown(call.span, symbol.name, family.name))
        elif symbol.domain.kind not in _SUPPORT_KINDS[family.support] and symbol.kind != "parameter":
            self.reporter.report(messages.support_mismatch(call.span, symbol.name, symbol.domain, family.name,
                                                          family.support))
        if family.name == "Categorical":
            self._check_categorical(call, symbol, mechanism)
        if family.name == "Bernoulli":
            self._check_probability(mechanism.argument("probs"))

    def _check_categorical(self, call: ast.DistributionCall, symbol: Symbol, mechanism: Parametric) -> None:
        probs = mechanism.argument("probs") or mechanism.argument("logits")
        if not isinstance(probs, rx.VectorLiteral) or not symbol.domain.is_finite:
            return
        if len(probs.items) != symbol.domain.size:
            self.reporter.report(messages.categorical_size(probs.span, symbol.name, symbol.domain.size,
                                                          len(probs.items)))
        if mechanism.argument("probs") is not None:
            values = [rx.constant_value(item) for item in probs.items]
            if all(v is not None for v in values) and abs(sum(values) - 1.0) > ROW_SUM_TOLERANCE:
                self.reporter.report(messages.probabilities_sum(probs.span, symbol.name, sum(values)))

    def _check_probability(self, probs: rx.Expr | None) -> None:
        value = rx.constant_value(probs) if probs is not None else None
        if value is not None and not 0.0 <= value <= 1.0:
            self.reporter.report(messages.probability_outside_unit(probs.span, value))

    # -------------------------------------------------------------- tables ----
    def _table(self, table: ast.Table, symbol: Symbol) -> TableMechanism | None:
        if not symbol.domain.is_finite:
            self.reporter.report(messages.table_needs_finite_type(table.span, symbol.name, symbol.domain))
            return None
        parent_domains = self._table_parents(table)
        if parent_domains is None:
            return None
        sizes = tuple(domain.size for domain in parent_domains)
        rows = self._table_rows(table, symbol, parent_domains)
        if rows is None:
            return None
        return TableMechanism(table.parents, sizes, rows, table.span)

    def _table_parents(self, table: ast.Table) -> list[Domain] | None:
        domains: list[Domain] = []
        for name in table.parents:
            parent = self.resolver.require_variable(name, table.span)
            if parent is None:
                return None
            if not parent.domain.is_finite:
                self.reporter.report(messages.table_parent_not_finite(table.span, name, parent.domain))
                return None
            domains.append(parent.domain)
        return domains

    def _table_rows(self, table: ast.Table, symbol: Symbol, parents: list[Domain]) -> np.ndarray | None:
        """The table's probabilities, one row per parent configuration in order (first parent slowest).

        A table written in that order with valid rows (what ``import-bif`` writes) is checked with array
        operations; any other is checked row by row, which also finds and words every error.
        """
        rows = table.rows
        size = symbol.domain.size
        if len(rows) == math.prod(domain.size for domain in parents) and len(rows) and not table.elided:
            in_order = rows.keys == tuple(itertools.product(*(domain.labels for domain in parents)))
            if in_order and _valid_rows(rows, size):
                return rows.values.reshape(len(rows), size)
        return self._table_rows_one_by_one(table, symbol, parents)

    def _table_rows_one_by_one(self, table: ast.Table, symbol: Symbol, parents: list[Domain]) -> np.ndarray | None:
        by_configuration: dict[tuple[int, ...], tuple[float, ...]] = {}
        ok = True
        for row in table.rows:
            key = self._row_key(row, table, parents)
            ok &= key is not None and self._row_values(row, symbol)
            if key is not None and key in by_configuration:
                self.reporter.report(messages.duplicate_row(row.span, row.key))
                ok = False
            if key is not None:
                by_configuration[key] = row.probabilities
        sizes = tuple(domain.size for domain in parents)
        expected = math.prod(sizes)  # (counted, not listed: a table of 30 parents is refused without 2**30 rows)
        if not by_configuration and not parents and ok:
            self.reporter.report(messages.table_without_rows(table.span, symbol.name))
            ok = False
        elif len(by_configuration) < expected and ok:
            first = next(c for c in itertools.product(*map(range, sizes)) if c not in by_configuration)
            example = ", ".join(domain.labels[i] for domain, i in zip(parents, first)) or "(no parents)"
            self.reporter.report(messages.table_rows_missing(table.span, symbol.name, len(by_configuration),
                                                            expected, table.elided, example))
            ok = False
        if not ok:
            return None
        return np.array([by_configuration[config] for config in parent_configurations(sizes)], dtype=np.float64)

    def _row_key(self, row: ast.TableRow, table: ast.Table, parents: list[Domain]) -> tuple[int, ...] | None:
        if len(row.key) != len(parents):
            self.reporter.report(messages.row_key_width(row.span, len(row.key), len(parents)))
            return None
        positions: list[int] = []
        for label, span, name, domain in zip(row.key, row.key_spans, table.parents, parents):
            position = ir_value(name, domain, label)
            if isinstance(position, BadValue):
                self.reporter.report(messages.bad_value(span, position))
                return None
            positions.append(int(position))
        return tuple(positions)

    def _row_values(self, row: ast.TableRow, symbol: Symbol) -> bool:
        size = symbol.domain.size
        if len(row.probabilities) != size:
            self.reporter.report(messages.row_width(row.span, len(row.probabilities), symbol.name, size))
            return False
        if any(p < 0 or math.isnan(p) for p in row.probabilities):
            self.reporter.report(messages.row_negative(row.span))
            return False
        total = sum(row.probabilities)
        if abs(total - 1.0) > ROW_SUM_TOLERANCE:
            self.reporter.report(messages.row_sum(row.span, total))
            return False
        return True


def _valid_rows(rows: ast.TableRows, size: int) -> bool:
    """Every row has ``size`` probabilities, none negative or NaN, summing to 1 (±ROW_SUM_TOLERANCE).

    (The ufuncs' own reductions: most tables are small, and numpy's method wrappers cost more than the sums.)
    """
    if rows.width != size:
        return False
    values = rows.values.reshape(len(rows), size)
    if not np.minimum.reduce(values, axis=None, initial=0.0) >= 0:  # also false for NaN
        return False
    sums = np.add.reduce(values, axis=1)
    return bool(np.maximum.reduce(np.abs(sums - 1.0), initial=0.0) <= ROW_SUM_TOLERANCE)


def confounding_checks(model: ast.ModelBlock, scope: Scope, reporter: Reporter) -> list[tuple[str, str, Span]]:
    arcs: list[tuple[str, str, Span]] = []
    seen: set[frozenset[str]] = set()
    for decl in model.declarations:
        if not isinstance(decl, ast.Confounding):
            continue
        ok = all(_confounding_endpoint(name, span, scope, reporter)
                 for name, span in ((decl.left, decl.left_span), (decl.right, decl.right_span)))
        if ok and decl.left == decl.right:
            reporter.report(messages.confounding_itself(decl.span, decl.left, decl.right))
        elif ok and frozenset((decl.left, decl.right)) in seen:
            reporter.report(messages.confounding_twice(decl.span, decl.left, decl.right))
        elif ok:
            seen.add(frozenset((decl.left, decl.right)))
            arcs.append((decl.left, decl.right, decl.span))
    return arcs


def _confounding_endpoint(name: str, span: Span, scope: Scope, reporter: Reporter) -> bool:
    symbol = scope.lookup(name)
    if symbol is None:
        reporter.report(messages.confounding_unknown(span, name, scope.symbols))
        return False
    if not symbol.is_variable:
        reporter.report(messages.confounding_parameter(span, name))
        return False
    return True
