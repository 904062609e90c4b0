"""The testable implications of a causal diagram over its observed variables.

* **Conditional independences** (the *missing-edge basis*, as dagitty lists
  them): for every pair of non-adjacent observed variables u, v (u earlier
  in the topological order), one set S with u and v m-separated given S.
  S is v's Markov blanket in the ancestral closure of {u, v} (Richardson's
  ordered local Markov property: v's district there and the district's
  parents), falling back to the whole ancestral closure and to the parents
  of u and v; each candidate is verified by m-separation.  Together these
  statements imply every m-separation of the graph when it has no ``<->``
  arc; with ``<->`` arcs they are all valid, and a non-adjacent pair with no
  separating set carries a constraint of another kind (a Verma constraint),
  listed in ``untestable``.
* **Instrumental inequalities** (Pearl, 1995): for each instrument triple
  Z -> X -> Y with X and Y confounded, Z not adjacent to Y and Z
  m-separated from Y once the arrows out of X are removed, finite data must
  satisfy ``max_x sum_y max_z P(x, y | z) <= 1``.

>>> g = ADMG.from_edges(["A", "B", "C"], [("A", "B"), ("B", "C")])
>>> [i.text() for i in implied_independencies(g).independences]
['A _||_ C | B']
>>> iv = ADMG.from_edges(["Z", "X", "Y"], [("Z", "X"), ("X", "Y")], [("X", "Y")])
>>> implied_independencies(iv).instruments
(Instrument(instrument='Z', treatment='X', outcome='Y'),)
"""

from __future__ import annotations

from dataclasses import dataclass

from causalppl.identification.admg import ADMG


@dataclass(frozen=True)
class Independence:
    """``left _||_ right | given``."""

    left: str
    right: str
    given: tuple[str, ...]

    def text(self) -> str:
        condition = f" | {', '.join(self.given)}" if self.given else ""
        return f"{self.left} _||_ {self.right}{condition}"


@dataclass(frozen=True)
class Instrument:
    """Z -> X -> Y with X <-> Y: the instrumental inequality constrains P(X, Y | Z)."""

    instrument: str
    treatment: str
    outcome: str

    def text(self) -> str:
        return f"max_{self.treatment} sum_{self.outcome} max_{self.instrument} " \
               f"P({self.treatment}, {self.outcome} | {self.instrument}) <= 1"


@dataclass(frozen=True)
class Implications:
    independences: tuple[Independence, ...]
    instruments: tuple[Instrument, ...]
    untestable: tuple[tuple[str, str], ...]  # non-adjacent pairs no set separates


def implied_independencies(g: ADMG) -> Implications:
    """The missing-edge basis of conditional independences, the instrument triples, the inseparable pairs."""
    order = g.topological_order()
    adjacent = {frozenset(edge) for edge in g.directed} | set(g.bidirected)
    found, untestable = [], []
    for j, v in enumerate(order):
        for u in order[:j]:
            if frozenset((u, v)) in adjacent:
                continue
            separator = _separator(g, u, v)
            if separator is None:
                untestable.append((u, v))
            else:
                found.append(Independence(u, v, tuple(n for n in order if n in separator)))
    return Implications(tuple(found), _instruments(g, adjacent), tuple(untestable))


def _separator(g: ADMG, u: str, v: str) -> frozenset[str] | None:
    closure = g.ancestors({u, v})
    for candidate in (_blanket(g.subgraph(closure), v), closure - {u, v}, (g.parents(u) | g.parents(v)) - {u, v}):
        if u not in candidate and g.is_d_separated({u}, {v}, candidate):
            return frozenset(candidate)
    return None


def _blanket(g: ADMG, v: str) -> frozenset[str]:
    """v's district in g and the parents of its members, without v."""
    district = next(c for c in g.c_components() if v in c)
    parents = frozenset().union(*(g.parents(member) for member in district))
    return (district | parents) - {v}


def _instruments(g: ADMG, adjacent: set[frozenset[str]]) -> tuple[Instrument, ...]:
    found = []
    districts = {node: c for c in g.c_components() for node in c}
    for x in g.topological_order():
        for z in sorted(g.parents(x)):
            if z in districts[x]:
                continue
            for y in sorted(g.children(x)):
                if y not in districts[x] or frozenset((z, y)) in adjacent:
                    continue
                if g.remove_outgoing({x}).is_d_separated({z}, {y}, ()):
                    found.append(Instrument(z, x, y))
    return tuple(found)


__all__ = ["Independence", "Instrument", "Implications", "implied_independencies"]
