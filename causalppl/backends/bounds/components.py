"""Response types that factor over c-components, and counterfactual variables as nodes.

In the canonical model of a semi-Markovian graph over finite variables
(Balke & Pearl; Evans 2016; Duarte et al. 2023), every c-component ``C`` has
one latent cause: the response types of its variables share one joint
distribution ``q_C``, and distinct c-components are independent, so the
distribution of all response types is the product of the ``q_C``.

Counterfactual variables are *nodes*: ``Y`` under do(X = 1) is the node
(Y, the sources of its parents in that world), where a source is a constant
(an intervened parent), or another node. Two worlds that give a variable's
parents the same sources give the same node (``M`` under do(Y = 1) is the
factual ``M`` when Y is not an ancestor of M), which is how a counterfactual
query's worlds share what they must. Nested interventions (``M = M[X = 0]``)
make the parent's source the node of that potential outcome.

>>> graph = DiscreteGraph({"X": 2, "M": 2, "Y": 2}, {"M": ("X",), "Y": ("X", "M")})
>>> nodes = NodeTable(graph)
>>> inner = Potential("M", (("X", 0),))
>>> y = nodes.source("Y", {"X": 1, "M": inner})
>>> [nodes.nodes[i].variable for i in nodes.closure([y[1]])]
['M', 'Y']
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Iterable, Mapping, Sequence

import networkx as nx
import numpy as np

from causalppl.backends.bounds.problem import DiscreteGraph, Potential

MAX_COMPONENT_TYPES = 2**21
"""The largest joint response-type space of one c-component that is enumerated."""

Source = tuple[str, int]
"""A parent's value in a world: ("const", level) or ("node", node id)."""


@dataclass(frozen=True)
class Node:
    """A counterfactual variable: ``variable`` responding to its parents' ``sources``."""

    variable: str
    sources: tuple[Source, ...]


class NodeTable:
    """Nodes of counterfactual variables, shared between worlds whenever their parents' sources agree."""

    def __init__(self, graph: DiscreteGraph) -> None:
        self.graph = graph
        self.nodes: list[Node] = []
        self._ids: dict[Node, int] = {}
        self._memo: dict[tuple, Source] = {}

    def source(self, variable: str, world: Mapping[str, "int | Potential"]) -> Source:
        """The source of ``variable``'s value in ``world`` (interventions: levels or potential outcomes)."""
        key = (variable, tuple(sorted(world.items(), key=lambda item: item[0])))
        if key in self._memo:
            return self._memo[key]
        if variable in world:
            value = world[variable]
            if isinstance(value, Potential):
                found = self.source(value.variable, dict(value.interventions))
            else:
                found = ("const", int(value))
        else:
            sources = tuple(self.source(parent, world) for parent in self.graph.parents[variable])
            node = Node(variable, sources)
            if node not in self._ids:
                self._ids[node] = len(self.nodes)
                self.nodes.append(node)
            found = ("node", self._ids[node])
        self._memo[key] = found
        return found

    def closure(self, ids: Iterable[int]) -> list[int]:
        """``ids`` and every node they read, sorted."""
        seen: set[int] = set()
        stack = list(ids)
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(value for kind, value in self.nodes[node].sources if kind == "node")
        return sorted(seen)


@dataclass(frozen=True)
class ComponentTypes:
    """The joint response types of one c-component.

    ``tables[i][t, c]`` is the level that type ``t`` of ``variables[i]`` gives
    at parent configuration ``c`` (mixed radix over its parents, last
    fastest; unreachable configurations hold 0 and are never read). A joint
    type is mixed radix over the variables (last fastest).
    """

    variables: tuple[str, ...]
    parents: tuple[tuple[str, ...], ...]
    parent_cards: tuple[tuple[int, ...], ...]
    tables: tuple[np.ndarray, ...]

    @property
    def n_types(self) -> int:
        return int(np.prod([table.shape[0] for table in self.tables], dtype=np.int64))

    @property
    def label(self) -> str:
        return "{" + ", ".join(self.variables) + "}"

    def type_indices(self, columns: np.ndarray) -> dict[str, np.ndarray]:
        """Each variable's own type index for the joint types ``columns``."""
        indices: dict[str, np.ndarray] = {}
        stride = 1
        for name, table in zip(reversed(self.variables), reversed(self.tables)):
            indices[name] = (columns // stride) % table.shape[0]
            stride *= table.shape[0]
        return indices

    def responses(self, columns: np.ndarray) -> dict[str, np.ndarray]:
        """``responses[V][j, c]``: the level of V at parent configuration ``c`` under joint type ``columns[j]``."""
        indices = self.type_indices(columns)
        return {name: table[indices[name]] for name, table in zip(self.variables, self.tables)}


def canonical_components(graph: DiscreteGraph) -> list[tuple[str, ...]]:
    """The c-components of the whole graph, each in topological order, listed by first variable."""
    confounding = nx.Graph()
    confounding.add_nodes_from(graph.variables)
    confounding.add_edges_from(tuple(pair) for pair in graph.bidirected)
    order = {name: i for i, name in enumerate(graph.variables)}
    components = [tuple(sorted(c, key=order.__getitem__)) for c in nx.connected_components(confounding)]
    return sorted(components, key=lambda c: order[c[0]])


def is_clique(graph: DiscreteGraph, members: Sequence[str]) -> bool:
    """Whether every two variables of ``members`` are joined by a ``<->`` arc.

    Only then is one unrestricted joint distribution of their response types
    exactly the graph's model; for a c-component such as ``A <-> B <-> C``
    (no ``A <-> C``) it is a relaxation: A's and C's latent causes are
    independent, which the joint does not enforce.
    """
    names = list(members)
    return all(frozenset({a, b}) in graph.bidirected for i, a in enumerate(names) for b in names[i + 1:])


def component_types(
    graph: DiscreteGraph, variables: Sequence[str], reachable: Mapping[str, Sequence[int]]
) -> ComponentTypes:
    """Joint response types of ``variables``, each pruned to its ``reachable`` parent configurations.

    Raises ValueError naming the c-component when its joint space exceeds :data:`MAX_COMPONENT_TYPES`.
    """
    counts = [float(graph.cards[name]) ** len(reachable[name]) for name in variables]
    total = float(np.prod(counts))
    if total > MAX_COMPONENT_TYPES:
        label = "{" + ", ".join(variables) + "}"
        raise ValueError(
            f"the c-component {label} has {total:.3g} joint response types, more than the "
            f"{MAX_COMPONENT_TYPES} this backend enumerates (fewer levels, fewer parents, or fewer "
            "confounding arcs in that component would shrink it)"
        )
    tables = []
    for name in variables:
        levels = graph.cards[name]
        configurations = reachable[name]
        n_types = levels ** len(configurations)
        table = np.zeros((n_types, int(np.prod(graph.shape(graph.parents[name]), dtype=np.int64))), np.int64)
        codes = np.arange(n_types)
        for position, configuration in enumerate(configurations):
            table[:, configuration] = (codes // levels**position) % levels
        tables.append(table)
    return ComponentTypes(
        variables=tuple(variables),
        parents=tuple(graph.parents[name] for name in variables),
        parent_cards=tuple(graph.shape(graph.parents[name]) for name in variables),
        tables=tuple(tables),
    )


def reachable_configurations(
    graph: DiscreteGraph, nodes: NodeTable, node_ids: Iterable[int], regimes: Iterable[Mapping[str, int]]
) -> dict[str, list[int]]:
    """Parent configurations each variable can meet: at the query's nodes and in every data regime.

    A parent whose source is a constant contributes that level; any other
    parent (a node, or a free variable of a regime) may take every level.
    """
    found: dict[str, set[int]] = {name: set() for name in graph.variables}
    for node_id in node_ids:
        node = nodes.nodes[node_id]
        choices = [[value] if kind == "const" else range(card)
                   for (kind, value), card in zip(node.sources, graph.shape(graph.parents[node.variable]))]
        found[node.variable].update(_flat(graph, node.variable, choices))
    for regime in regimes:
        for name in graph.variables:
            if name in regime:
                continue
            choices = [[regime[parent]] if parent in regime else range(graph.cards[parent])
                       for parent in graph.parents[name]]
            found[name].update(_flat(graph, name, choices))
    return {name: sorted(values) for name, values in found.items()}


def _flat(graph: DiscreteGraph, name: str, choices: list) -> list[int]:
    cards = graph.shape(graph.parents[name])
    if not cards:
        return [0]
    return [int(np.ravel_multi_index(values, cards)) for values in product(*choices)]


def consistency(
    component: ComponentTypes,
    responses: Mapping[str, np.ndarray],
    checks: Sequence[tuple[str, int, tuple[Source, ...]]],
    axis_cards: Sequence[int],
) -> np.ndarray:
    """Whether each joint type reproduces each assignment of values to some axes.

    ``checks`` lists (variable, axis holding its value, its parents' sources),
    where a source is ("const", level) or ("axis", index). The result has
    shape ``(*axis_cards, n_columns)``: 1 where every check holds.
    """
    n_columns = next(iter(responses.values())).shape[0] if responses else 1
    grids = np.indices(tuple(axis_cards)).reshape(len(axis_cards), -1) if axis_cards else np.zeros((0, 1), int)
    n_assignments = grids.shape[1]
    holds = np.ones((n_assignments, n_columns), dtype=bool)
    position = {name: i for i, name in enumerate(component.variables)}
    for variable, value_axis, sources in checks:
        index = position[variable]
        configuration = np.zeros(n_assignments, dtype=np.int64)
        for (kind, value), card in zip(sources, component.parent_cards[index]):
            level = np.full(n_assignments, value, dtype=np.int64) if kind == "const" else grids[value]
            configuration = configuration * card + level
        produced = responses[variable][:, configuration].T  # (assignments, columns)
        holds &= produced == grids[value_axis][:, None]
    return holds.reshape(tuple(axis_cards) + (n_columns,))
