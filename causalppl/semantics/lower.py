"""Checked program → :class:`~causalppl.ir.model.CausalModel` (topologically ordered)."""

from __future__ import annotations

import networkx as nx

from causalppl.ir.model import CausalModel, Confounder, Variable
from causalppl.resources import paused_garbage_collector
from causalppl.semantics.checker import CheckedDeclaration, CheckedModel


def build_model(checked: CheckedModel, source: str = "") -> CausalModel:
    with paused_garbage_collector():
        return _build_model(checked, source)


def _build_model(checked: CheckedModel, source: str) -> CausalModel:
    parameters = [_variable(d) for d in checked.declarations if d.symbol.kind == "parameter"]
    variables = {d.symbol.name: _variable(d) for d in checked.declarations if d.symbol.kind != "parameter"}
    ordered = [variables[name] for name in _topological(variables)]
    confounders = tuple(Confounder(a, b, span) for a, b, span in checked.confounders)
    return CausalModel(checked.name, tuple(parameters + ordered), confounders, checked.span, (), source)


def _variable(decl: CheckedDeclaration) -> Variable:
    symbol = decl.symbol
    return Variable(symbol.name, symbol.kind, symbol.domain, decl.mechanism, symbol.span, symbol.size,
                    decl.fixed_value)


def _topological(variables: dict[str, Variable]) -> list[str]:
    """Kahn's order, breaking ties by declaration order so output is stable."""
    graph = nx.DiGraph()
    graph.add_nodes_from(variables)
    for variable in variables.values():
        graph.add_edges_from((parent, variable.name) for parent in variable.parents if parent in variables)
    position = {name: index for index, name in enumerate(variables)}
    return list(nx.lexicographical_topological_sort(graph, key=position.__getitem__))
