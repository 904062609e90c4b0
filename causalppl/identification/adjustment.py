"""Covariate adjustment: Pearl's back-door and front-door criteria and their formulas.

These are the textbook special cases of identification; their estimands are
simpler to read and to estimate than a general ID formula.  Admissibility is
checked with d-separation on the latent projection (each bidirected arc an
explicit latent parent), using Pearl's graphical definitions:

* back-door set Z for (X, Y): no element of Z descends from X, and Z
  d-separates X from Y once the edges out of X are removed (rule 2 of the
  do-calculus); then ``P(y | do(x)) = sum_z P(y | x, z) P(z)``;
* front-door set M for (X, Y): M intercepts every directed path from X to Y,
  X and M are d-separated by the empty set once the edges out of X are removed,
  and X d-separates M from Y once the edges out of M are removed; then
  ``P(y | do(x)) = sum_m P(m | x) sum_{x'} P(y | x', m) P(x')``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import combinations

from causalppl.identification.admg import ADMG
from causalppl.identification.algebra import marginalize, multiply
from causalppl.identification.estimand import Estimand, Prob

Criterion = Callable[[frozenset[str]], bool]


def backdoor_sets(
    g: ADMG,
    treatments: Iterable[str],
    outcomes: Iterable[str],
    max_size: int | None = None,
) -> list[frozenset[str]]:
    """Every minimal back-door admissible set of observed variables (smallest first).

    Minimal means no proper subset is admissible.  ``[frozenset()]`` when no
    adjustment is needed; ``[]`` when no set of at most ``max_size`` works.
    """
    x, y = frozenset(treatments), frozenset(outcomes)
    _check_disjoint_nodes(g, x, y)
    descendants = g.descendants(x)
    candidates = g.ancestors(x | y) - descendants - y
    cut = g.remove_outgoing(x)

    def admissible(z: frozenset[str]) -> bool:
        return cut.is_d_separated(x, y, z)

    return _minimal_sets(_ordered(g, candidates), admissible, max_size)


def frontdoor_sets(
    g: ADMG,
    treatment: str,
    outcome: str,
    max_size: int | None = None,
) -> list[frozenset[str]]:
    """Every minimal front-door admissible set of mediators (smallest first); ``[]`` if none."""
    x, y = frozenset({treatment}), frozenset({outcome})
    _check_disjoint_nodes(g, x, y)
    candidates = (g.descendants(x) & g.ancestors(y)) - x - y
    without_x_out = g.remove_outgoing(x)

    def admissible(m: frozenset[str]) -> bool:
        if not m or not _intercepts_directed_paths(g, treatment, outcome, m):
            return False
        if not without_x_out.is_d_separated(x, m, ()):
            return False
        return g.remove_outgoing(m).is_d_separated(m, y, x)

    return _minimal_sets(_ordered(g, candidates), admissible, max_size)


def backdoor_estimand(
    treatments: Iterable[str], outcomes: Iterable[str], adjustment_set: Iterable[str]
) -> Estimand:
    """``sum_z P(y | x, z) P(z)`` (just ``P(y | x)`` for an empty set)."""
    x, y, z = tuple(treatments), tuple(outcomes), tuple(adjustment_set)
    if not z:
        return Prob(y, x)
    return marginalize(multiply([Prob(y, (*x, *z)), Prob(z)]), z)


def frontdoor_estimand(treatment: str, outcome: str, mediators: Iterable[str]) -> Estimand:
    """``sum_m P(m | x) sum_{x'} P(y | x', m) P(x')``; the inner sum binds its own ``x``."""
    m = tuple(mediators)
    inner = marginalize(multiply([Prob((outcome,), (treatment, *m)), Prob((treatment,))]), (treatment,))
    return marginalize(multiply([Prob(m, (treatment,)), inner]), m)


# ------------------------------------------------------------------ helpers


def _minimal_sets(candidates: tuple[str, ...], admissible: Criterion, max_size: int | None) -> list[frozenset[str]]:
    """Admissible subsets none of whose proper subsets is admissible, by increasing size."""
    found: list[frozenset[str]] = []
    for subset in _subsets_by_size(candidates, max_size):
        if any(smaller <= subset for smaller in found):
            continue
        if admissible(subset):
            found.append(subset)
    return found


def _subsets_by_size(items: tuple[str, ...], max_size: int | None) -> Iterator[frozenset[str]]:
    largest = len(items) if max_size is None else min(max_size, len(items))
    for size in range(largest + 1):
        for subset in combinations(items, size):
            yield frozenset(subset)


def _intercepts_directed_paths(g: ADMG, source: str, target: str, blockers: frozenset[str]) -> bool:
    """Whether every directed path from ``source`` to ``target`` meets ``blockers``."""
    reachable = {source}
    frontier = [source]
    while frontier:
        for child in g.children(frontier.pop()):
            if child not in reachable and child not in blockers:
                reachable.add(child)
                frontier.append(child)
    return target not in reachable


def _ordered(g: ADMG, variables: frozenset[str]) -> tuple[str, ...]:
    return tuple(v for v in g.topological_order() if v in variables)


def _check_disjoint_nodes(g: ADMG, x: frozenset[str], y: frozenset[str]) -> None:
    if not x or not y:
        raise ValueError("treatments and outcomes must be non-empty")
    if x & y:
        raise ValueError(f"treatments and outcomes overlap in {sorted(x & y)}")
    unknown = (x | y) - set(g.nodes)
    if unknown:
        raise ValueError(f"the graph has no variables {sorted(unknown)}")
