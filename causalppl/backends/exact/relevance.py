"""Which conditional tables a conditional query needs: barren variables and separated evidence dropped.

For ``P(keep | evidence)`` in a Bayesian network (every variable the head of
one conditional table, ``do`` interventions cutting the tables of the
intervened variables), only part of the network matters:

* *barren* variables (neither kept nor observed, nor ancestors of one) sum
  out of their tables to one: only the ancestral set of the kept, observed
  and weighed variables is read;
* once the evidence is fixed, the tables of the ancestral set split into
  groups that share no free variable: the connected components of its moral
  graph with the fixed variables removed (Lauritzen's criterion: the kept
  variables are independent of every piece of evidence outside their own
  component, given the evidence within it). The product of the other groups
  does not depend on the kept variables, so the conditional answer needs
  only the tables that touch a kept variable's component (the requisite
  tables of Shachter's Bayes-ball).

The dropped groups still decide whether the evidence is possible at all.
Each sums to the probability of its own observations given the fixed values
around it, which is positive whenever every observed table it holds is
positive at the observed level for every setting of its parents (the
unobserved variables of a group form a proper network of their own). The
observed variables whose tables were dropped are listed in
:attr:`Requisite.outside`; the caller checks those that the tables alone
cannot vouch for (see ``CompiledNetwork.posterior``), summing them over
their unobserved ancestors (:func:`free_ancestors`).

Everything here works on the graph (parents and children by number), never
on tables.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Requisite:
    """The part of the network a conditional query needs.

    Attributes:
        heads: the variables whose conditional tables the answer needs.
        weighed: the weighed (soft-evidence) variables whose weights it needs.
        evidence: the observed or intervened variables those tables mention.
        ancestral: the ancestral set the query reads (intervened variables
            cut from their parents).
        outside: the observed variables of the ancestral set whose tables
            were dropped, and the weighed variables left out.
    """

    heads: tuple[int, ...]
    weighed: tuple[int, ...]
    evidence: frozenset[int]
    ancestral: frozenset[int]
    outside: tuple[int, ...]


def ancestral_set(start: Iterable[int], cut: Collection[int], parents: Sequence[Sequence[int]]) -> set[int]:
    """``start`` and their ancestors, not crossing from an intervened variable (in ``cut``) to its parents."""
    seen = set(start)
    stack = list(seen)
    while stack:
        v = stack.pop()
        if v in cut:
            continue
        for p in parents[v]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def free_ancestors(
    start: Iterable[int],
    fixed: Collection[int],
    parents: Sequence[Sequence[int]],
    stop: Callable[[int], bool] = lambda v: False,
) -> set[int]:
    """The free variables ``start`` and their ancestors reached through free variables, not beyond ``stop``."""
    seen = set(start)
    stack = list(seen)
    while stack:
        v = stack.pop()
        if stop(v):
            continue
        for p in parents[v]:
            if p not in seen and p not in fixed:
                seen.add(p)
                stack.append(p)
    return seen


def requisite(
    keep: Sequence[int],
    fixed: Mapping[int, int],
    cut: Collection[int],
    weighed: Collection[int],
    parents: Sequence[Sequence[int]],
    children: Sequence[Sequence[int]],
) -> Requisite:
    """The tables ``P(keep | fixed variables, weights on weighed)`` needs, in the network cut by ``cut``.

    ``fixed`` holds the observed and the intervened variables (``cut``, a
    subset of ``fixed``), ``weighed`` the variables with soft evidence; kept
    variables must not be fixed.
    """
    start = [*keep, *(v for v in fixed if v not in cut), *weighed]
    ancestral = ancestral_set(start, cut, parents)
    heads, free = component(keep, ancestral, fixed, cut, parents, children)
    evidence = {u for h in heads for u in (*parents[h], h) if u in fixed}
    outside = [v for v in fixed if v not in cut and v not in heads]
    outside += [v for v in weighed if v not in free]
    return Requisite(tuple(heads), tuple(v for v in weighed if v in free), frozenset(evidence),
                     frozenset(ancestral), tuple(outside))


def component(
    start: Iterable[int],
    ancestral: Collection[int],
    fixed: Collection[int],
    cut: Collection[int],
    parents: Sequence[Sequence[int]],
    children: Sequence[Sequence[int]],
) -> tuple[set[int], set[int]]:
    """The tables (by head) and free variables connected to the free variables ``start``.

    Two free variables are connected when a table of the ancestral set
    mentions both (the moral graph of the ancestral set, fixed variables
    removed); the tables of intervened variables are cut.
    """
    free = {v for v in start if v not in fixed}
    heads: set[int] = set()
    stack = list(free)

    def reach(table_head: int) -> None:
        heads.add(table_head)
        for u in (*parents[table_head], table_head):
            if u not in free and u not in fixed:
                free.add(u)
                stack.append(u)

    while stack:
        v = stack.pop()
        if v not in heads:
            reach(v)  # a free variable is never intervened on: its own table is there
        for c in children[v]:
            if c not in heads and c in ancestral and c not in cut:
                reach(c)
    return heads, free
