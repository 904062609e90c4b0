"""Join trees: the structure a network is compiled to once, before any query.

Variables are numbered ``0..n-1``; a factor is given by its scope (variable
numbers). The interaction graph of the scopes (for conditional tables: the
moral graph) is triangulated by greedy variable elimination (min-fill, or,
for large trees, min-weight when that gives smaller cliques); the cliques of
the elimination form a tree in which every variable's cliques are connected
(the running intersection property). Each factor is assigned to one clique holding its
scope, its *home*.

For every directed edge ``i -> j`` of the tree the join tree records the
variables on ``i``'s side as a bit mask, so a query can tell which cached
messages its evidence touches without walking the tree.

Everything here works on scopes and cardinalities, never on tables.

>>> tree = build_join_tree([(0,), (0, 1), (1, 2)], (2, 3, 2))
>>> sorted(map(sorted, tree.cliques))
[[0, 1], [1, 2]]
>>> tree.total_elements
12
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from causalppl.backends.exact.elimination import numbered_elimination

SECOND_HEURISTIC_ABOVE = 2**20  # clique entries of the min-fill tree above which a min-weight tree is tried too


@dataclass(frozen=True)
class JoinTree:
    """A tree of cliques over variables ``0..n-1``.

    Attributes:
        cardinalities: levels of each variable.
        cliques: each clique's variables, in increasing order (its axis order).
        neighbours: each clique's adjacent cliques.
        home: for each factor, the clique it is assigned to.
        variable_cliques: for each variable, the cliques that hold it.
        side: ``side[(i, j)]`` is the bit mask of the variables in the cliques
            on ``i``'s side of the edge ``i - j``.
        order: the elimination order the cliques came from.
    """

    cardinalities: tuple[int, ...]
    cliques: tuple[tuple[int, ...], ...]
    neighbours: tuple[tuple[int, ...], ...]
    home: tuple[int, ...]
    variable_cliques: tuple[tuple[int, ...], ...]
    side: dict[tuple[int, int], int]
    order: tuple[int, ...]

    @functools.cached_property
    def clique_elements(self) -> tuple[int, ...]:
        """Entries of each clique's table."""
        return tuple(math.prod(self.cardinalities[v] for v in clique) for clique in self.cliques)

    @property
    def total_elements(self) -> int:
        """Entries of all clique tables together: the work of one full propagation."""
        return sum(self.clique_elements)

    @property
    def largest_clique(self) -> int:
        """The clique with the most entries."""
        sizes = self.clique_elements
        return max(range(len(sizes)), key=sizes.__getitem__)

    def separator(self, i: int, j: int) -> tuple[int, ...]:
        """Variables shared by adjacent cliques ``i`` and ``j``, in increasing order."""
        theirs = set(self.cliques[j])
        return tuple(v for v in self.cliques[i] if v in theirs)

    def clique_holding(self, variables: Sequence[int]) -> int | None:
        """The smallest clique that holds every one of ``variables`` (None: no clique does)."""
        if not variables:
            return min(range(len(self.cliques)), key=lambda c: len(self.cliques[c]))
        wanted = set(variables)
        sizes = self.clique_elements
        candidates = [c for c in self.variable_cliques[variables[0]] if wanted.issubset(self.cliques[c])]
        return min(candidates, key=sizes.__getitem__) if candidates else None


def build_join_tree(scopes: Sequence[Sequence[int]], cardinalities: Sequence[int]) -> JoinTree:
    """Compile the join tree of factors with these scopes over variables ``0..n-1``.

    A min-fill order is tried first; when its cliques hold more than
    ``SECOND_HEURISTIC_ABOVE`` entries in all, a min-weight order is tried
    too and the one whose cliques hold fewer entries is kept.
    """
    cards = tuple(int(c) for c in cardinalities)
    n = len(cards)
    best: tuple[int, tuple[int, ...], list[frozenset[int]], list[int | None]] | None = None
    every = [tuple(s) for s in scopes] + [(v,) for v in range(n)]
    for heuristic in ("min_fill", "min_weight"):
        if best is not None and best[0] <= SECOND_HEURISTIC_ABOVE:
            break  # a small tree: a smaller one could save little per query, and the search costs a compile's time
        order, neighbourhoods = numbered_elimination(every, cards, range(n), heuristic)
        cliques, parents = _elimination_cliques(order, neighbourhoods)
        total = sum(math.prod(cards[v] for v in c) for c in cliques)
        if best is None or total < best[0]:
            best = (total, order, cliques, parents)
    assert best is not None
    _, order, cliques, parents = best
    return _assemble(scopes, cards, order, cliques, parents)


def _elimination_cliques(order: Sequence[int], neighbourhoods: Sequence[int]) -> tuple[list[frozenset[int]],
                                                                                       list[int | None]]:
    """For each variable (by elimination step): its clique and the step of its parent clique.

    ``neighbourhoods[k]`` is the bit mask of the neighbours of ``order[k]``
    when it was eliminated; the parent clique is that of the first of them
    eliminated after it.
    """
    position = {v: k for k, v in enumerate(order)}
    cliques: list[frozenset[int]] = []
    parents: list[int | None] = []
    for v, mask in zip(order, neighbourhoods):
        neighbours = []
        while mask:
            low = mask & -mask
            neighbours.append(low.bit_length() - 1)
            mask ^= low
        cliques.append(frozenset((*neighbours, v)))
        parents.append(min((position[u] for u in neighbours), default=None))
    return cliques, parents


def _assemble(
    scopes: Sequence[Sequence[int]],
    cards: tuple[int, ...],
    order: tuple[int, ...],
    cliques: list[frozenset[int]],
    parents: list[int | None],
) -> JoinTree:
    steps = len(order)
    representative = list(range(steps))

    def find(step: int) -> int:
        while representative[step] != step:
            representative[step] = representative[representative[step]]
            step = representative[step]
        return step

    absorbed = [False] * steps
    for step in range(steps):  # children come before parents in elimination order
        parent = parents[step]
        if parent is not None and not absorbed[parent] and cliques[parent] <= cliques[find(step)]:
            absorbed[parent] = True
            representative[parent] = find(step)
    kept = [step for step in range(steps) if representative[step] == step]
    number = {step: k for k, step in enumerate(kept)}
    adjacency: list[set[int]] = [set() for _ in kept]
    for step in range(steps):
        parent = parents[step]
        if parent is None:
            continue
        a, b = number[find(step)], number[find(parent)]
        if a != b:
            adjacency[a].add(b)
            adjacency[b].add(a)
    _connect_forest(adjacency)
    members = tuple(tuple(sorted(cliques[step])) for step in kept)
    variable_cliques: list[list[int]] = [[] for _ in cards]
    for c, clique in enumerate(members):
        for v in clique:
            variable_cliques[v].append(c)
    position = {v: k for k, v in enumerate(order)}
    home = tuple(_home(scope, position, order, number, find) for scope in scopes)
    neighbours = tuple(tuple(sorted(ns)) for ns in adjacency)
    side = _side_masks(members, neighbours)
    return JoinTree(cards, members, neighbours, home, tuple(map(tuple, variable_cliques)), side, order)


def _home(scope: Sequence[int], position: dict[int, int], order: tuple[int, ...], number, find) -> int:
    """The clique of the first-eliminated variable of ``scope``: it holds the whole scope."""
    if not scope:
        return 0
    first = min(position[v] for v in scope)
    return number[find(first)]


def _connect_forest(adjacency: list[set[int]]) -> None:
    """Join the trees of a forest into one tree (through empty separators)."""
    seen = [False] * len(adjacency)
    roots = []
    for start in range(len(adjacency)):
        if seen[start]:
            continue
        roots.append(start)
        stack = [start]
        seen[start] = True
        while stack:
            node = stack.pop()
            for other in adjacency[node]:
                if not seen[other]:
                    seen[other] = True
                    stack.append(other)
    for a, b in zip(roots, roots[1:]):
        adjacency[a].add(b)
        adjacency[b].add(a)


def _side_masks(cliques: Sequence[Sequence[int]], neighbours: Sequence[Sequence[int]]) -> dict[tuple[int, int], int]:
    """Bit masks of the variables on each side of every edge (two passes over a rooted tree)."""
    count = len(cliques)
    if count == 0:
        return {}
    own = [sum(1 << v for v in clique) for clique in cliques]
    parent = [-1] * count
    order = [0]
    seen = [False] * count
    seen[0] = True
    for node in order:
        for other in neighbours[node]:
            if not seen[other]:
                seen[other] = True
                parent[other] = node
                order.append(other)
    down = list(own)
    for node in reversed(order[1:]):
        down[parent[node]] |= down[node]
    up = [0] * count  # variables outside node's subtree
    side: dict[tuple[int, int], int] = {}
    for node in order:
        children = [c for c in neighbours[node] if parent[c] == node]
        outside = own[node] | up[node]
        prefix = [0]
        for child in children:
            prefix.append(prefix[-1] | down[child])
        suffix = 0
        for k in range(len(children) - 1, -1, -1):
            child = children[k]
            up[child] = outside | prefix[k] | suffix
            suffix |= down[child]
            side[(child, node)] = down[child]
            side[(node, child)] = up[child]
    return side
