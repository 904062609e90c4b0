"""Model declarations → symbols with domains, and resolved mechanisms.

Covers: duplicate names, type annotations and inference, distribution
arguments, tables (shape, level names, rows summing to 1), nonparametric
parents, fixed and prior parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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
from causalppl.semantics.resolve import ExpressionResolver
from causalppl.semantics.scope import Reporter, Scope, Symbol, did_you_mean
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
            reporter.error(decl.name_span, f"'{decl.name}' is declared twice (first at line {first.line})",
                           "each name is declared once; rename one of them")
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
        reporter.error(decl.span, f"'{decl.name}' has neither a type nor a mechanism",
                       f"write '{decl.name} : bool' (unknown distribution) or '{decl.name} ~ Normal(0, 1)'")
        return REAL
    if isinstance(mechanism, ast.Nonparametric):
        reporter.error(decl.span, f"the nonparametric mechanism of '{decl.name}' needs a type",
                       f"write '{decl.name} : bool <- ...' or '{decl.name} : {{low, high}} <- ...'")
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
            self.reporter.error(decl.prior.span, "a parameter's prior must be a distribution, not a table")
            return CheckedDeclaration(symbol, None, rx.Const(0.0, decl.span))
        prior = self._parametric(decl.prior, symbol)
        for name in prior.parents:
            self.reporter.error(prior.span, f"the prior of parameter '{decl.name}' reads the variable '{name}'",
                                "priors may depend on parameters only")
        return CheckedDeclaration(symbol, prior)

    def _fixed_parameter_checks(self, decl: ast.ParamDecl, value: rx.Expr) -> None:
        if rx.variables_in(value):
            self.reporter.error(decl.value.span, f"the value of parameter '{decl.name}' reads model variables")
        if decl.size is not None:
            length = len(value.items) if isinstance(value, rx.VectorLiteral) else 1
            if length != decl.size:
                self.reporter.error(decl.value.span, f"parameter '{decl.name}' has size {decl.size} "
                                                     f"but its value has {length} element{'s' * (length != 1)}")

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
            return Deterministic(self.resolver.resolve(mechanism.expr, symbol.domain), mechanism.span)
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
            self.reporter.error(call.span, f"unknown distribution '{call.family}'" + did_you_mean(call.family, FAMILIES),
                                "available: " + ", ".join(FAMILIES))
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
                self.reporter.error(arg.span, f"argument '{name}' of {family.name} is given twice")
            named[name] = self.resolver.resolve(arg.value)
        if complete:
            self._check_required(call, family, named)
        return tuple((name, named[name]) for name in family.arguments if name in named)

    def _argument_name(self, arg: ast.Argument, position: int, family: Family, call: ast.DistributionCall) -> str | None:
        if arg.name is None:
            if position >= len(family.arguments) or (family.alternatives and position >= 1):
                self.reporter.error(arg.span, f"{family.name} takes {_arity_text(family)}, got {len(call.args)}",
                                    _signature_hint(family))
                return None
            return family.arguments[position]
        canonical = family.canonical(arg.name)
        if canonical is None:
            self.reporter.error(arg.span, f"{family.name} has no argument '{arg.name}'"
                                + did_you_mean(arg.name, family.arguments), _signature_hint(family))
        return canonical

    def _check_required(self, call: ast.DistributionCall, family: Family, named: dict[str, rx.Expr]) -> None:
        if family.alternatives:
            group = family.alternatives[0]
            given = [name for name in group if name in named]
            if len(given) != 1:
                self.reporter.error(call.span, f"{family.name} needs exactly one of {' or '.join(group)}",
                                    _signature_hint(family))
            return
        missing = [name for name in family.arguments[: family.required] if name not in named]
        if missing:
            self.reporter.error(call.span, f"{family.name} is missing argument{'s' * (len(missing) > 1)} "
                                           f"{', '.join(missing)}", _signature_hint(family))
        for name, expr in named.items():
            value = rx.constant_value(expr)
            if name in POSITIVE_ARGUMENTS and value is not None and value <= 0:
                self.reporter.error(expr.span, f"{family.name}'s {name} must be positive, got {value:g}")

    def _check_support(self, call: ast.DistributionCall, family: Family, symbol: Symbol, mechanism: Parametric) -> None:
        if family.support == "categorical" and symbol.domain.kind == "int":
            self.reporter.error(call.span, f"cannot tell how many levels '{symbol.name}' has",
                                f"annotate it, e.g. '{symbol.name} : {{a, b, c}} ~ {family.name}(...)'")
        elif symbol.domain.kind not in _SUPPORT_KINDS[family.support] and symbol.kind != "parameter":
            self.reporter.error(call.span, f"'{symbol.name}' is declared {symbol.domain.describe()} but "
                                           f"{family.name} gives {family.support} values")
        if family.name == "Categorical":
            self._check_categorical(call, symbol, mechanism)
        if family.name == "Bernoulli":
            self._check_probability(mechanism.argument("probs"))

    def _check_categorical(self, call: ast.DistributionCall, symbol: Symbol, mechanism: Parametric) -> None:
        probs = mechanism.argument("probs") or mechanism.argument("logits")
        if not isinstance(probs, rx.VectorLiteral) or not symbol.domain.is_finite:
            return
        if len(probs.items) != symbol.domain.size:
            self.reporter.error(probs.span, f"'{symbol.name}' has {symbol.domain.size} levels but the "
                                            f"Categorical has {len(probs.items)} probabilities")
        if mechanism.argument("probs") is not None:
            values = [rx.constant_value(item) for item in probs.items]
            if all(v is not None for v in values) and abs(sum(values) - 1.0) > ROW_SUM_TOLERANCE:
                self.reporter.error(probs.span, f"the probabilities of '{symbol.name}' sum to {sum(values):.6g}, not 1")

    def _check_probability(self, probs: rx.Expr | None) -> None:
        value = rx.constant_value(probs) if probs is not None else None
        if value is not None and not 0.0 <= value <= 1.0:
            self.reporter.error(probs.span, f"a probability must lie in [0, 1], got {value:g}")

    # -------------------------------------------------------------- tables ----
    def _table(self, table: ast.Table, symbol: Symbol) -> TableMechanism | None:
        if not symbol.domain.is_finite:
            self.reporter.error(table.span, f"'{symbol.name}' is {symbol.domain.describe()}; a table needs a finite type",
                                f"annotate it, e.g. '{symbol.name} : {{low, high}} ~ table(...)'")
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
                self.reporter.error(table.span, f"table parent '{name}' is {parent.domain.describe()}; "
                                                "table parents must be bool or have levels")
                return None
            domains.append(parent.domain)
        return domains

    def _table_rows(self, table: ast.Table, symbol: Symbol, parents: list[Domain]) -> np.ndarray | None:
        """The table's probabilities, one row per parent configuration in order (first parent slowest).

        A table written in that order with valid rows (what ``import-bif`` writes) is checked with array
        operations; any other is checked row by row, which also finds and words every error.
        """
        rows = table.rows
        expected = parent_configurations(tuple(domain.size for domain in parents))
        size = symbol.domain.size
        if len(rows) == len(expected) and len(rows) and not table.elided:
            labels = [domain.labels for domain in parents]
            in_order = rows.keys == tuple(tuple(label[i] for label, i in zip(labels, config)) for config in expected)
            if in_order and _valid_rows(rows, size):
                return rows.values.reshape(len(rows), size)
        return self._table_rows_one_by_one(table, symbol, parents, expected)

    def _table_rows_one_by_one(self, table: ast.Table, symbol: Symbol, parents: list[Domain],
                               expected: list[tuple[int, ...]]) -> np.ndarray | None:
        by_configuration: dict[tuple[int, ...], tuple[float, ...]] = {}
        ok = True
        for row in table.rows:
            key = self._row_key(row, table, parents)
            ok &= key is not None and self._row_values(row, symbol)
            if key is not None and key in by_configuration:
                self.reporter.error(row.span, f"duplicate row for {', '.join(row.key)}")
                ok = False
            if key is not None:
                by_configuration[key] = row.probabilities
        missing = [config for config in expected if config not in by_configuration]
        if not by_configuration and not parents and ok:
            self.reporter.error(table.span, f"the table of '{symbol.name}' has no row",
                                "write one row of probabilities, e.g. '[0.5, 0.5]'")
            ok = False
        elif missing and ok:
            example = ", ".join(domain.labels[i] for domain, i in zip(parents, missing[0])) or "(no parents)"
            elided = " (rows elided with '...' must be written out)" if table.elided else ""
            self.reporter.error(table.span, f"the table of '{symbol.name}' has {len(by_configuration)} of "
                                            f"{len(expected)} rows{elided}; missing e.g. '{example}'",
                                "write one row per combination of parent values")
            ok = False
        if not ok:
            return None
        return np.array([by_configuration[config] for config in expected], dtype=np.float64)

    def _row_key(self, row: ast.TableRow, table: ast.Table, parents: list[Domain]) -> tuple[int, ...] | None:
        if len(row.key) != len(parents):
            self.reporter.error(row.span, f"this row names {len(row.key)} parent value{'s' * (len(row.key) != 1)} "
                                          f"but the table has {len(parents)} parent{'s' * (len(parents) != 1)}")
            return None
        positions: list[int] = []
        for label, span, name, domain in zip(row.key, row.key_spans, table.parents, parents):
            position = domain.position(label)
            if position is None:
                self.reporter.error(span, f"'{label}' is not a level of '{name}'" + did_you_mean(label, domain.labels),
                                    f"the levels of '{name}' are {domain.describe()}")
                return None
            positions.append(position)
        return tuple(positions)

    def _row_values(self, row: ast.TableRow, symbol: Symbol) -> bool:
        size = symbol.domain.size
        if len(row.probabilities) != size:
            self.reporter.error(row.span, f"this row has {len(row.probabilities)} probabilities but "
                                          f"'{symbol.name}' has {size} levels")
            return False
        if any(p < 0 or math.isnan(p) for p in row.probabilities):
            self.reporter.error(row.span, "probabilities must not be negative")
            return False
        total = sum(row.probabilities)
        if abs(total - 1.0) > ROW_SUM_TOLERANCE:
            self.reporter.error(row.span, f"this row sums to {total:.6g}, not 1", "probabilities in a row sum to 1 (±1e-6)")
            return False
        return True


def _valid_rows(rows: ast.TableRows, size: int) -> bool:
    """Every row has ``size`` probabilities, none negative or NaN, summing to 1 (±ROW_SUM_TOLERANCE)."""
    widths = rows.widths
    if not bool(np.all(widths == size)):
        return False
    values = rows.values.reshape(len(rows), size)
    if not bool(np.all(values >= 0)):  # also false for NaN
        return False
    return bool(np.all(np.abs(values.sum(axis=1) - 1.0) <= ROW_SUM_TOLERANCE))


def _arity_text(family: Family) -> str:
    if family.alternatives:
        return "1 argument"
    if family.required == len(family.arguments):
        return f"{family.required} argument{'s' * (family.required != 1)}"
    return f"{family.required} to {len(family.arguments)} arguments"


def _signature_hint(family: Family) -> str:
    if family.alternatives:
        options = " or ".join(f"{family.name}({name}=...)" for name in family.alternatives[0])
        return f"write {family.name}(p) or {options}"
    return f"{family.name}({', '.join(family.arguments)})"


def confounding_checks(model: ast.ModelBlock, scope: Scope, reporter: Reporter) -> list[tuple[str, str, Span]]:
    arcs: list[tuple[str, str, Span]] = []
    seen: set[frozenset[str]] = set()
    for decl in model.declarations:
        if not isinstance(decl, ast.Confounding):
            continue
        ok = all(_confounding_endpoint(name, span, scope, reporter)
                 for name, span in ((decl.left, decl.left_span), (decl.right, decl.right_span)))
        if ok and decl.left == decl.right:
            reporter.error(decl.span, f"'{decl.left} <-> {decl.right}' joins a variable to itself")
        elif ok and frozenset((decl.left, decl.right)) in seen:
            reporter.error(decl.span, f"'{decl.left} <-> {decl.right}' is declared twice")
        elif ok:
            seen.add(frozenset((decl.left, decl.right)))
            arcs.append((decl.left, decl.right, decl.span))
    return arcs


def _confounding_endpoint(name: str, span: Span, scope: Scope, reporter: Reporter) -> bool:
    symbol = scope.lookup(name)
    if symbol is None:
        reporter.error(span, f"unknown variable '{name}' in '<->'" + did_you_mean(name, scope.symbols))
        return False
    if not symbol.is_variable:
        reporter.error(span, f"'{name}' is a parameter; '<->' joins two model variables")
        return False
    return True
