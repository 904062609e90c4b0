"""Elimination orders, contraction paths and their memory cost.

Variables are eliminated one at a time (variable elimination); the order is
chosen greedily on the interaction graph, where two variables are adjacent
when some factor mentions both. The order is turned into a pairwise
contraction path in ``opt_einsum``'s format, whose largest intermediate table
is what an evaluation of the path has to allocate.

Everything here works on factor *scopes* (tuples of variable names) and a
cardinality map, never on tables, so planning costs no tensor memory.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Scope = tuple[str, ...]
Path = tuple[tuple[int, ...], ...]
Heuristic = Literal["min_fill", "min_weight"]

BYTES_PER_ELEMENT = 8  # float64
EXHAUSTIVE_PAIRS_UP_TO = 8  # operands sharing a variable; beyond, pairs are not all compared


@dataclass(frozen=True)
class Intermediate:
    """A table that a contraction builds: its variables and number of entries."""

    variables: tuple[str, ...]
    elements: int

    @property
    def bytes(self) -> int:
        """Memory for the table at float64."""
        return self.elements * BYTES_PER_ELEMENT


@dataclass(frozen=True)
class EliminationPlan:
    """An elimination order, the contraction path it induces, and its peak table."""

    order: tuple[str, ...]
    path: Path
    peak: Intermediate


def plan_elimination(
    scopes: Sequence[Collection[str]],
    cardinalities: Mapping[str, int],
    output: Sequence[str],
    heuristic: Heuristic = "min_fill",
) -> EliminationPlan:
    """Plan the contraction of ``scopes`` down to ``output`` by variable elimination."""
    kept = set(output)
    eliminate = {v for scope in scopes for v in scope if v not in kept}
    order = elimination_order(scopes, cardinalities, eliminate, heuristic)
    builder = _eliminate_in_order(scopes, cardinalities, order, output)
    return EliminationPlan(order, tuple(builder.path), builder.peak)


# --------------------------------------------------------------------------
# Elimination order


def elimination_order(
    scopes: Iterable[Collection[str]],
    cardinalities: Mapping[str, int],
    eliminate: Collection[str],
    heuristic: Heuristic = "min_fill",
) -> tuple[str, ...]:
    """Greedy elimination order for the variables in ``eliminate``.

    ``"min_fill"`` picks the variable whose elimination adds the fewest new
    edges, breaking ties by the size of the table it creates (its weight);
    ``"min_weight"`` picks by weight first, then fill. Remaining ties go to the
    smaller name, so the order is deterministic.
    """
    if heuristic not in ("min_fill", "min_weight"):
        raise ValueError(f"unknown elimination heuristic {heuristic!r}")
    graph = interaction_graph(scopes)
    remaining = set(eliminate)
    scores = {v: _score(v, graph, cardinalities, heuristic) for v in remaining}
    queue = [(score, v) for v, score in scores.items()]
    heapq.heapify(queue)
    order: list[str] = []
    while queue:
        score, chosen = heapq.heappop(queue)
        if chosen not in remaining or scores[chosen] != score:
            continue  # eliminated already, or a stale score
        neighbours = graph[chosen]
        touched = _eliminate_vertex(graph, chosen)
        remaining.discard(chosen)
        order.append(chosen)
        # only the neighbours' scores and the fill-in of vertices next to two of them can change
        touched = {v for v in touched if v in neighbours or len(graph[v] & neighbours) >= 2}
        for vertex in touched & remaining:
            scores[vertex] = _score(vertex, graph, cardinalities, heuristic)
            heapq.heappush(queue, (scores[vertex], vertex))
    return tuple(order)


def numbered_elimination(
    scopes: Iterable[Sequence[int]],
    cardinalities: Sequence[int] | Mapping[int, int],
    eliminate: Iterable[int],
    heuristic: Heuristic = "min_fill",
) -> tuple[tuple[int, ...], list[int]]:
    """:func:`elimination_order` for variables numbered by small non-negative integers, on bit masks.

    The same greedy choice with the same ties (so the same order), but each
    adjacency set is one integer: a variable's fill-in is one ``&`` and one
    bit count per neighbour instead of a set intersection. Also returns, for
    each eliminated variable, its neighbours when it was eliminated (a bit
    mask; with the variable, its clique of the triangulation).
    """
    if heuristic not in ("min_fill", "min_weight"):
        raise ValueError(f"unknown elimination heuristic {heuristic!r}")
    by_fill = heuristic == "min_fill"
    graph = interaction_graph([int(v) for v in scope] for scope in scopes)  # sets, to walk neighbours
    masks = {v: sum(1 << u for u in neighbours) for v, neighbours in graph.items()}  # the same, to intersect
    prod = math.prod

    def score(v: int) -> tuple[int, int]:
        neighbours = graph[v]
        mask = masks[v]
        count = len(neighbours)
        # each neighbour misses the others it is not joined to (a list, not a generator: about 2x cheaper)
        missing_twice = count * (count - 1) - sum([(masks[u] & mask).bit_count() for u in neighbours])
        weight = cardinalities[v] * prod([cardinalities[u] for u in neighbours])
        return (missing_twice // 2, weight) if by_fill else (weight, missing_twice // 2)

    remaining = {int(v) for v in eliminate}
    scores = {v: score(v) for v in remaining}
    queue = [(value, v) for v, value in scores.items()]
    heapq.heapify(queue)
    order: list[int] = []
    neighbourhoods: list[int] = []
    while queue:
        value, chosen = heapq.heappop(queue)
        if chosen not in remaining or scores[chosen] != value:
            continue  # eliminated already, or a stale score
        neighbours = graph.pop(chosen)
        mask = masks.pop(chosen)
        around: set[int] = set()
        for u in neighbours:
            others = graph[u]
            others.discard(chosen)
            others.update(neighbours)
            others.discard(u)
            masks[u] = (masks[u] | mask) & ~(1 << u) & ~(1 << chosen)
            around |= others
        remaining.discard(chosen)
        order.append(chosen)
        neighbourhoods.append(mask)
        # The new edges join neighbours of ``chosen`` only: their scores change, and the fill-in of a vertex
        # outside that has at least two of them as neighbours; no other score does.
        for u in neighbours & remaining:
            scores[u] = score(u)
            heapq.heappush(queue, (scores[u], u))
        for u in (around - neighbours) & remaining:
            if (masks[u] & mask).bit_count() >= 2:
                scores[u] = score(u)
                heapq.heappush(queue, (scores[u], u))
    return tuple(order), neighbourhoods


def interaction_graph(scopes: Iterable[Collection[str]]) -> dict[str, set[str]]:
    """Adjacency sets: two variables are adjacent when a scope holds both."""
    graph: dict[str, set[str]] = {}
    for scope in scopes:
        for variable in scope:
            graph.setdefault(variable, set()).update(scope)
    for variable, neighbours in graph.items():
        neighbours.discard(variable)
    return graph


def _score(
    vertex: str,
    graph: Mapping[str, set[str]],
    cardinalities: Mapping[str, int],
    heuristic: Heuristic,
) -> tuple[int, int]:
    neighbours = graph[vertex]
    weight = cardinalities[vertex] * math.prod(cardinalities[n] for n in neighbours)
    fill = _fill_in(neighbours, graph)
    return (fill, weight) if heuristic == "min_fill" else (weight, fill)


def _fill_in(neighbours: set[str], graph: Mapping[str, set[str]]) -> int:
    """Number of missing edges among ``neighbours``."""
    missing_twice = sum(len(neighbours) - 1 - len(graph[n] & neighbours) for n in neighbours)
    return missing_twice // 2


def _eliminate_vertex(graph: dict[str, set[str]], vertex: str) -> set[str]:
    """Remove ``vertex``, joining its neighbours; return the vertices whose score may change."""
    neighbours = graph.pop(vertex)
    for neighbour in neighbours:
        graph[neighbour].discard(vertex)
        graph[neighbour].update(neighbours - {neighbour})
    touched = set(neighbours)
    for neighbour in neighbours:
        touched |= graph[neighbour]
    return touched


# --------------------------------------------------------------------------
# Contraction paths


def order_to_path(
    scopes: Sequence[Collection[str]],
    cardinalities: Mapping[str, int],
    order: Iterable[str],
    output: Iterable[str],
) -> Path:
    """The pairwise contraction path that eliminates variables in ``order``.

    For each variable, the operands that mention it are multiplied together,
    cheapest pair first, and the variable is summed out; a variable held by a
    single operand is summed out of it alone. Whatever is left (tables over
    output variables only) is multiplied at the end.
    """
    return tuple(_eliminate_in_order(scopes, cardinalities, order, output).path)


def _eliminate_in_order(
    scopes: Sequence[Collection[str]],
    cardinalities: Mapping[str, int],
    order: Iterable[str],
    output: Iterable[str],
) -> _PathBuilder:
    builder = _PathBuilder(scopes, cardinalities, output)
    for variable in order:
        holders = builder.ids_holding(variable)
        if len(holders) == 1:
            builder.contract(holders)
        else:
            builder.contract_cheapest_pairs(holders)
    builder.contract_cheapest_pairs(list(builder.ids))
    if not builder.path:
        builder.contract(list(builder.ids))
    return builder


def peak_intermediate(
    scopes: Sequence[Collection[str]],
    cardinalities: Mapping[str, int],
    path: Iterable[Sequence[int]],
    output: Iterable[str],
) -> Intermediate:
    """The largest table built while following ``path`` (any ``opt_einsum`` path)."""
    builder = _PathBuilder(scopes, cardinalities, output)
    for positions in path:
        builder.contract([builder.ids[p] for p in positions])
    return builder.peak


class _PathBuilder:
    """Replays contractions the way ``opt_einsum`` performs them.

    Operands carry ids, numbered in order of creation; ``ids`` lists the live
    ones in ``opt_einsum``'s positional order (contracted operands are
    removed, the result appended), which keeps it sorted.
    An index survives a contraction when the output or an operand outside the
    contraction still needs it.
    """

    def __init__(
        self,
        scopes: Iterable[Collection[str]],
        cardinalities: Mapping[str, int],
        output: Iterable[str],
    ) -> None:
        self.scopes: dict[int, frozenset[str]] = dict(enumerate(map(frozenset, scopes)))
        self.ids: list[int] = list(self.scopes)
        self.next_id = len(self.ids)
        self.cardinalities = cardinalities
        self.output = frozenset(output)
        self.uses: dict[str, int] = {}
        self.holders: dict[str, set[int]] = {}
        for operand, scope in self.scopes.items():
            self._count(scope, 1)
            self._hold(operand, scope, True)
        self.path: list[tuple[int, ...]] = []
        self.peak = Intermediate((), 0)

    def ids_holding(self, variable: str) -> list[int]:
        return sorted(self.holders.get(variable, ()))

    def result_of(self, ids: Sequence[int]) -> frozenset[str]:
        members = [self.scopes[i] for i in ids]
        union = frozenset().union(*members)
        return frozenset(
            v
            for v in union
            if v in self.output or self.uses[v] > sum(v in member for member in members)
        )

    def size_of(self, variables: Iterable[str]) -> int:
        return math.prod(self.cardinalities[v] for v in variables)

    def contract(self, ids: Sequence[int]) -> int:
        """Contract the operands ``ids`` into a new one; return its id."""
        result = self.result_of(ids)
        self.path.append(tuple(bisect_left(self.ids, i) for i in ids))
        for i in ids:
            self.ids.remove(i)
            scope = self.scopes.pop(i)
            self._count(scope, -1)
            self._hold(i, scope, False)
        new_id = self.next_id
        self.next_id += 1
        self.scopes[new_id] = result
        self.ids.append(new_id)
        self._count(result, 1)
        self._hold(new_id, result, True)
        self._record(result)
        return new_id

    def _hold(self, operand: int, scope: Iterable[str], holds: bool) -> None:
        for variable in scope:
            holders = self.holders.setdefault(variable, set())
            if holds:
                holders.add(operand)
            else:
                holders.discard(operand)

    def _count(self, scope: Iterable[str], change: int) -> None:
        for variable in scope:
            self.uses[variable] = self.uses.get(variable, 0) + change

    def contract_cheapest_pairs(self, ids: list[int]) -> None:
        """Contract ``ids`` pairwise down to one operand.

        Small groups contract the pair with the smallest result first; large
        ones (every pair would cost too much to compare) the two smallest
        operands.
        """
        ids = list(ids)
        while len(ids) > 1:
            if len(ids) <= EXHAUSTIVE_PAIRS_UP_TO:
                pair = self._cheapest_pair(ids)
            else:
                pair = self._smallest_two(ids)
            ids = [i for i in ids if i not in pair] + [self.contract(pair)]

    def _cheapest_pair(self, ids: list[int]) -> tuple[int, int]:
        return min(
            ((a, b) for k, a in enumerate(ids) for b in ids[k + 1 :]),
            key=lambda ab: self.size_of(self.result_of(ab)),
        )

    def _smallest_two(self, ids: list[int]) -> tuple[int, int]:
        first, second = sorted(ids, key=lambda i: self.size_of(self.scopes[i]))[:2]
        return (first, second) if first < second else (second, first)

    def _record(self, result: frozenset[str]) -> None:
        elements = self.size_of(result)
        if elements > self.peak.elements:
            self.peak = Intermediate(tuple(sorted(result)), elements)
