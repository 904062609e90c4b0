"""Acyclic directed mixed graphs (ADMGs): the causal diagrams identification reasons over.

An ADMG has directed edges ``A -> B`` (B's mechanism reads A) and bidirected
arcs ``A <-> B`` (an unobserved common cause of A and B).  Every operation
returns a new graph; an ``ADMG`` is never mutated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from causalppl.lazy import networkx as nx

DirectedEdge = tuple[str, str]
BidirectedArc = frozenset[str]


@dataclass(frozen=True)
class ADMG:
    """An acyclic directed mixed graph over named observed variables.

    ``nodes`` fixes the order in which variables are listed (ties in the
    topological order are broken by it).  ``directed`` holds ``(parent, child)``
    pairs; ``bidirected`` holds two-element frozensets.
    """

    nodes: tuple[str, ...]
    directed: frozenset[DirectedEdge]
    bidirected: frozenset[BidirectedArc]

    def __post_init__(self) -> None:
        _check_graph(self.nodes, self.directed, self.bidirected)

    @classmethod
    def from_edges(
        cls,
        nodes: Iterable[str],
        directed: Iterable[DirectedEdge] = (),
        bidirected: Iterable[Iterable[str]] = (),
    ) -> ADMG:
        """Build a graph from any iterables; nodes named only in edges are appended."""
        directed_edges = frozenset((str(a), str(b)) for a, b in directed)
        bidirected_arcs = frozenset(frozenset(map(str, arc)) for arc in bidirected)
        ordered = list(dict.fromkeys(str(n) for n in nodes))
        for edge in [*directed_edges, *bidirected_arcs]:
            for node in sorted(edge):
                if node not in ordered:
                    ordered.append(node)
        return cls(tuple(ordered), directed_edges, bidirected_arcs)

    # ----------------------------------------------------------------- queries

    def parents(self, node: str) -> frozenset[str]:
        """The variables with a directed edge into ``node``."""
        return frozenset(a for a, b in self.directed if b == node)

    def children(self, node: str) -> frozenset[str]:
        """The variables with a directed edge out of ``node``."""
        return frozenset(b for a, b in self.directed if a == node)

    def ancestors(self, of: Iterable[str]) -> frozenset[str]:
        """Ancestors of a set of nodes along directed edges, the set itself included."""
        return _closure(frozenset(of), self.parents)

    def descendants(self, of: Iterable[str]) -> frozenset[str]:
        """Descendants of a set of nodes along directed edges, the set itself included."""
        return _closure(frozenset(of), self.children)

    def spouses(self, node: str) -> frozenset[str]:
        """The variables sharing a bidirected arc with ``node``."""
        return frozenset(other for arc in self.bidirected if node in arc for other in arc - {node})

    def c_components(self) -> list[frozenset[str]]:
        """Confounded components: connected components of the bidirected part, over all nodes.

        Listed in the order of their first node in the topological order.
        """
        graph = nx.Graph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from(tuple(arc) for arc in self.bidirected)
        position = {node: i for i, node in enumerate(self.topological_order())}
        components = [frozenset(c) for c in nx.connected_components(graph)]
        return sorted(components, key=lambda c: min(position[n] for n in c))

    def topological_order(self) -> tuple[str, ...]:
        """A topological order of the directed part; ties follow ``nodes``."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from(self.directed)
        position = {node: i for i, node in enumerate(self.nodes)}
        return tuple(nx.lexicographical_topological_sort(graph, key=position.__getitem__))

    def is_d_separated(self, left: Iterable[str], right: Iterable[str], given: Iterable[str] = ()) -> bool:
        """Whether ``left`` and ``right`` are d-separated given ``given`` (m-separation)."""
        left_set, right_set, given_set = frozenset(left), frozenset(right), frozenset(given)
        if not left_set or not right_set:
            return True
        return nx.is_d_separator(self.to_networkx(), left_set, right_set, given_set)

    # ------------------------------------------------------------- transforms

    def subgraph(self, keep: Iterable[str]) -> ADMG:
        """The graph induced on ``keep`` (edges with both ends kept)."""
        kept = frozenset(keep)
        return ADMG(
            tuple(n for n in self.nodes if n in kept),
            frozenset(e for e in self.directed if e[0] in kept and e[1] in kept),
            frozenset(arc for arc in self.bidirected if arc <= kept),
        )

    def mutilate(self, remove_incoming_to: Iterable[str]) -> ADMG:
        """The graph after ``do(...)`` on a set: no directed edge into it, no arc touching it."""
        cut = frozenset(remove_incoming_to)
        return ADMG(
            self.nodes,
            frozenset(e for e in self.directed if e[1] not in cut),
            frozenset(arc for arc in self.bidirected if not arc & cut),
        )

    def remove_outgoing(self, remove_outgoing_from: Iterable[str]) -> ADMG:
        """The graph without the directed edges out of a set (Pearl's G with X underlined)."""
        cut = frozenset(remove_outgoing_from)
        return ADMG(self.nodes, frozenset(e for e in self.directed if e[0] not in cut), self.bidirected)

    def to_networkx(self) -> nx.DiGraph:
        """The latent projection as a DAG: each arc ``A <-> B`` becomes a latent parent of both.

        Every node carries a boolean attribute ``latent``; latent nodes get fresh
        names that never collide with observed ones.
        """
        dag = nx.DiGraph()
        dag.add_nodes_from(self.nodes, latent=False)
        dag.add_edges_from(self.directed)
        for arc in sorted(self.bidirected, key=sorted):
            latent = _fresh_latent_name(sorted(arc), dag)
            dag.add_node(latent, latent=True)
            dag.add_edges_from((latent, node) for node in arc)
        return dag


def _closure(start: frozenset[str], step) -> frozenset[str]:
    seen = set(start)
    frontier = list(start)
    while frontier:
        for nxt in step(frontier.pop()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return frozenset(seen)


def _fresh_latent_name(arc: list[str], taken: nx.DiGraph) -> str:
    name = "U_" + "_".join(arc)
    while name in taken:
        name = "_" + name
    return name


def _check_graph(
    nodes: tuple[str, ...], directed: frozenset[DirectedEdge], bidirected: frozenset[BidirectedArc]
) -> None:
    if len(set(nodes)) != len(nodes):
        raise ValueError(f"duplicate node names in {nodes}")
    known = set(nodes)
    for a, b in directed:
        if a == b:
            raise ValueError(f"self-loop on {a}")
        if a not in known or b not in known:
            raise ValueError(f"edge {a} -> {b} names an unknown node")
    for arc in bidirected:
        if not isinstance(arc, frozenset):
            raise TypeError(f"a bidirected arc is a frozenset of two names, got {arc!r}")
        if len(arc) != 2:
            raise ValueError(f"a bidirected arc joins two distinct nodes, got {sorted(arc)}")
        if not arc <= known:
            raise ValueError(f"arc {' <-> '.join(sorted(arc))} names an unknown node")
    graph = nx.DiGraph(list(directed))
    if not nx.is_directed_acyclic_graph(graph):
        cycle = " -> ".join(a for a, _ in nx.find_cycle(graph))
        raise ValueError(f"the directed part has a cycle through {cycle}")
