"""Checked program → :class:`~causalppl.ir.model.CausalModel` (topologically ordered)."""

from __future__ import annotations

import heapq
from dataclasses import replace

from causalppl.ir.mechanisms import Deterministic, Parametric
from causalppl.ir.model import CausalModel, Confounder, Variable
from causalppl.resources import paused_garbage_collector
from causalppl.semantics.checker import CheckedDeclaration, CheckedModel
from causalppl.semantics.constants import entrywise, vector_lengths


def build_model(checked: CheckedModel, source: str = "") -> CausalModel:
    with paused_garbage_collector():
        return _build_model(checked, source)


def _build_model(checked: CheckedModel, source: str) -> CausalModel:
    parameters = [_variable(d) for d in checked.declarations if d.symbol.kind == "parameter"]
    vectors = vector_lengths(parameters)
    variables = {d.symbol.name: _variable(d) for d in checked.declarations if d.symbol.kind != "parameter"}
    parameters = [_entrywise(v, vectors) for v in parameters]
    variables = {name: _entrywise(v, vectors) for name, v in variables.items()}
    ordered = [variables[name] for name in _topological(variables)]
    confounders = tuple(Confounder(a, b, span) for a, b, span in checked.confounders)
    return CausalModel(checked.name, tuple(parameters + ordered), confounders, checked.span, (), source)


def _variable(decl: CheckedDeclaration) -> Variable:
    symbol = decl.symbol
    return Variable(symbol.name, symbol.kind, symbol.domain, decl.mechanism, symbol.span, symbol.size,
                    decl.fixed_value)


def _entrywise(variable: Variable, vectors: dict[str, int]) -> Variable:
    """A number meeting a vector in a mechanism made explicit (:func:`~causalppl.semantics.constants.entrywise`)."""
    mechanism = variable.mechanism
    if isinstance(mechanism, Parametric):
        arguments = tuple((name, entrywise(expr, vectors)) for name, expr in mechanism.arguments)
        if any(new is not old for (_, new), (_, old) in zip(arguments, mechanism.arguments)):
            return replace(variable, mechanism=replace(mechanism, arguments=arguments))
    elif isinstance(mechanism, Deterministic):
        expr = entrywise(mechanism.expr, vectors)
        if expr is not mechanism.expr:
            return replace(variable, mechanism=replace(mechanism, expr=expr))
    return variable


def _topological(variables: dict[str, Variable]) -> list[str]:
    """Kahn's order, breaking ties by declaration order so output is stable (the checker refused cycles).

    A heap of declaration positions, not networkx: building a graph object cost more than the sort itself on
    the small models whose whole load takes a millisecond or two.
    """
    position = {name: index for index, name in enumerate(variables)}
    names = list(variables)
    children: list[list[int]] = [[] for _ in names]
    waiting = [0] * len(names)
    for index, variable in enumerate(variables.values()):
        for parent in dict.fromkeys(variable.parents):
            if parent in position:
                children[position[parent]].append(index)
                waiting[index] += 1
    ready = [index for index, count in enumerate(waiting) if count == 0]  # ascending: already a heap
    order: list[str] = []
    while ready:
        index = heapq.heappop(ready)
        order.append(names[index])
        for child in children[index]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    if len(order) != len(names):
        raise ValueError("the model's variables form a cycle (the checker should have refused it)")
    return order
