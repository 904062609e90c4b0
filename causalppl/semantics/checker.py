"""The semantic stage: a parsed program → a checked program, or every error at once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from causalppl.lazy import networkx as nx

from causalppl.diagnostics import Span
from causalppl.resources import paused_garbage_collector
from causalppl.semantics.declarations import (
    CheckedDeclaration,
    MechanismChecker,
    collect_symbols,
    confounding_checks,
)
from causalppl.ir import expressions as rx
from causalppl.ir.queries import ExpectationSpec, leaves
from causalppl.semantics import messages
from causalppl.semantics.constants import ValueChecks
from causalppl.semantics.queries import QueryResolver, QuerySpec
from causalppl.semantics.resolve import ExpressionResolver, report_set_twice
from causalppl.semantics.scope import Reporter, Scope
from causalppl.syntax import ast


@dataclass(frozen=True)
class DataSpec:
    """A ``data`` line: where the rows are and which variables the experiment set."""

    path: Path
    under: tuple[tuple[str, float | None], ...]  # variable → fixed value, or None: read per row
    span: Span


@dataclass(frozen=True)
class CheckedModel:
    """The model block after name and type checks, before lowering to the IR."""

    name: str
    declarations: tuple[CheckedDeclaration, ...]
    confounders: tuple[tuple[str, str, Span], ...]
    span: Span


@dataclass(frozen=True)
class CheckedProgram:
    """A checked program: its model, data statements, queries and scope."""

    model: CheckedModel
    data: tuple[DataSpec, ...]
    queries: tuple[QuerySpec, ...]
    scope: Scope
    filename: str
    source: str


def check_program(program: ast.Program) -> CheckedProgram:
    """Run every semantic check; raise :class:`CausalPPLError` listing all problems."""
    with paused_garbage_collector():
        return _check_program(program)


def _check_program(program: ast.Program) -> CheckedProgram:
    reporter = Reporter(program.source, program.filename)
    if program.model is None:
        reporter.report(messages.no_model_block(Span(program.filename, 1, 1, 1, 2)))
        reporter.raise_if_any()
    model, scope = _check_model(program.model, reporter)
    data = tuple(_check_data(statement, scope, reporter, program.filename) for statement in program.data)
    queries = tuple(QueryResolver(scope, reporter).resolve(query) for query in program.queries)
    checks = value_checks(model, scope, reporter)
    for spec in queries:
        _check_query_values(spec, checks)
    _check_query_names(program.queries, reporter)
    reporter.raise_if_any()
    return CheckedProgram(model, data, queries, scope, program.filename, program.source)


def check_query(query: ast.Query, checked: CheckedProgram, per_row: bool = False,
                source: str | None = None) -> QuerySpec:
    """Check one query (e.g. from ``--query``) against an already checked model.

    ``per_row``: evidence without a value (``| X``) takes each row's value (``causalppl score``);
    ``source``: the text it was parsed from (errors show it, with its spaces, under their carets).
    """
    reporter = Reporter(source if source is not None else _source_of(query, checked), query.span.filename)
    spec = QueryResolver(checked.scope, reporter, per_row).resolve(query)
    _check_query_values(spec, value_checks(checked.model, checked.scope, reporter, declarations=False))
    reporter.raise_if_any()
    return spec if source is None else replace(spec, source=source)


def value_checks(model: CheckedModel, scope: Scope, reporter: Reporter, declarations: bool = True) -> ValueChecks:
    """Constants, arguments, indices and level labels (:mod:`causalppl.semantics.constants`), per declaration."""
    lengths = {d.symbol.name: d.symbol.size for d in model.declarations if d.symbol.size is not None}
    lengths.update({d.symbol.name: len(d.fixed_value.items) for d in model.declarations
                    if isinstance(d.fixed_value, rx.VectorLiteral)})
    checks = ValueChecks(scope, reporter, lengths)
    if declarations:
        for decl in model.declarations:
            checks.declaration(decl.symbol.name, decl.mechanism, decl.fixed_value)
    return checks


def _check_query_values(spec: QuerySpec, checks: ValueChecks) -> None:
    for leaf in leaves(spec.term):
        if isinstance(leaf, ExpectationSpec):
            checks.expectation(leaf.expr)


def _source_of(query: ast.Query, checked: CheckedProgram) -> str:
    return checked.source if query.span.filename == checked.filename else query.text


def _check_model(model: ast.ModelBlock, reporter: Reporter) -> tuple[CheckedModel, Scope]:
    scope = collect_symbols(model, reporter)
    checker = MechanismChecker(scope, reporter)
    declarations = tuple(
        checked
        for decl in model.declarations
        if not isinstance(decl, ast.Confounding)
        for checked in [checker.check(decl)]
        if checked is not None
    )
    confounders = tuple(confounding_checks(model, scope, reporter))
    _check_acyclic(declarations, reporter)
    _check_parameter_order(declarations, reporter)
    return CheckedModel(model.name, declarations, confounders, model.span), scope


def _check_acyclic(declarations: tuple[CheckedDeclaration, ...], reporter: Reporter) -> None:
    parents_of = {decl.symbol.name: decl.mechanism.parents for decl in declarations
                  if decl.mechanism is not None and decl.symbol.kind != "parameter"}
    if _is_acyclic(parents_of):
        return
    graph = nx.DiGraph()
    spans = {}
    for decl in declarations:
        if decl.mechanism is None or decl.symbol.kind == "parameter":
            continue
        spans[decl.symbol.name] = decl.symbol.span
        graph.add_node(decl.symbol.name)
        graph.add_edges_from((parent, decl.symbol.name) for parent in decl.mechanism.parents)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    names = [edge[0] for edge in cycle] + [cycle[0][0]]
    first = min(names[:-1], key=lambda name: (spans.get(name, Span.unknown()).line, name))
    reporter.report(messages.cycle(spans.get(first, Span.unknown(reporter.filename)), _rotate(names, first)))


def _is_acyclic(parents_of: dict[str, tuple[str, ...]]) -> bool:
    """Kahn's algorithm, linear in the arrows (the cycle itself is looked for only when there is one)."""
    waiting = {name: 0 for name in parents_of}
    children: dict[str, list[str]] = {}
    for name, parents in parents_of.items():
        for parent in parents:
            children.setdefault(parent, []).append(name)
            waiting.setdefault(parent, 0)
            waiting[name] += 1
    ready = [name for name, count in waiting.items() if count == 0]
    done = 0
    while ready:
        name = ready.pop()
        done += 1
        for child in children.get(name, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return done == len(waiting)


def _rotate(cycle: list[str], first: str) -> list[str]:
    body = cycle[:-1]
    start = body.index(first)
    rotated = body[start:] + body[:start]
    return rotated + [rotated[0]]


def _check_parameter_order(declarations: tuple[CheckedDeclaration, ...], reporter: Reporter) -> None:
    declared: set[str] = set()
    for decl in declarations:
        if decl.symbol.kind != "parameter":
            continue
        for name in decl.mechanism.parameters if decl.mechanism is not None else ():
            if name not in declared:
                reporter.report(messages.parameter_before_declaration(decl.mechanism.span, decl.symbol.name, name))
        declared.add(decl.symbol.name)


def _check_data(statement: ast.DataStatement, scope: Scope, reporter: Reporter, filename: str) -> DataSpec:
    resolver = ExpressionResolver(scope, reporter)
    report_set_twice([(target.name, target.value, target.span) for target in statement.under], reporter, "data")
    under: list[tuple[str, float | None]] = []
    for target in statement.under:
        symbol = resolver.require_variable(target.name, target.span)
        value = None
        if symbol is not None and target.value is not None:
            value = resolver.value_for(symbol.domain, target.value, target.name)
        under.append((target.name, value))
    base = Path(filename).parent if filename and not filename.startswith("<") else Path(".")
    return DataSpec(base / statement.path, tuple(under), statement.span)


def _check_query_names(queries: tuple[ast.Query, ...], reporter: Reporter) -> None:
    seen: dict[str, Span] = {}
    for query in queries:
        if query.name is None:
            continue
        if query.name in seen:
            reporter.report(messages.query_named_twice(query.span, query.name, seen[query.name].line))
        seen[query.name] = query.span

