"""Dropping barren factors before a contraction.

A variable is *barren* when the query does not need it (it is neither kept
nor observed) and it is not an ancestor of a needed variable. In a Bayesian
network the conditional probability table (CPT) of a barren variable sums to
one once the variable is summed out, so the table can be dropped unread.

Two ways to find them:

* :func:`prune_barren` is told which variable each factor is a CPT of and
  keeps the ancestral set of the needed variables;
* :func:`barren_free`, which the engine applies to every query, needs no such
  hint: it repeatedly drops a factor that alone mentions an unneeded
  variable and sums to one over it (checked numerically, once per factor).
  A factor is kept when dropping it would also lose a variable that no other
  factor mentions, so the result stays exact for any factor graph.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from causalppl.backends.exact.elimination import Scope
from causalppl.backends.exact.factor import Factor


def prune_barren(
    factors: Sequence[Factor],
    heads: Sequence[str | None],
    needed: Iterable[str],
) -> list[Factor]:
    """The factors a query over ``needed`` variables (kept and observed) depends on.

    ``heads[i]`` names the variable that ``factors[i]`` is a normalised
    conditional distribution of (it sums to one over that axis for every
    setting of the others), or is ``None`` for any other factor; such factors
    are always kept. Each variable may head at most one factor, and the
    parent relation must be acyclic, as in any Bayesian network.
    """
    if len(heads) != len(factors):
        raise ValueError(f"{len(heads)} heads given for {len(factors)} factors")
    headed = _factors_by_head(factors, heads)
    wanted = set(needed)
    for factor, head in zip(factors, heads):
        if head is None:
            wanted.update(factor.variables)
    frontier = list(wanted)
    while frontier:
        factor = headed.get(frontier.pop())
        if factor is None:
            continue
        for variable in factor.variables:
            if variable not in wanted:
                wanted.add(variable)
                frontier.append(variable)
    return [f for f, head in zip(factors, heads) if head is None or head in wanted]


def _factors_by_head(factors: Iterable[Factor], heads: Iterable[str | None]) -> dict[str, Factor]:
    headed: dict[str, Factor] = {}
    for factor, head in zip(factors, heads):
        if head is None:
            continue
        if head not in factor.variables:
            raise ValueError(f"head {head!r} is not a variable of its factor {factor.variables}")
        if head in headed:
            raise ValueError(f"variable {head!r} heads more than one factor")
        headed[head] = factor
    return headed


def barren_free(
    scopes: Sequence[Scope],
    normalized_over: Sequence[Collection[str]],
    needed: Collection[str],
) -> list[int]:
    """Indices of the factors left after repeatedly dropping barren ones.

    ``scopes[i]`` are the variables factor ``i`` still ranges over (after
    fixing evidence), ``normalized_over[i]`` those it sums to one over, and
    ``needed`` the variables that must not be summed out of the result.
    """
    uses = Counter(v for scope in scopes for v in scope)
    holders: dict[str, list[int]] = {}
    for index, scope in enumerate(scopes):
        for variable in scope:
            holders.setdefault(variable, []).append(index)
    alive = [True] * len(scopes)
    candidates = [v for v, count in uses.items() if count == 1 and v not in needed]
    while candidates:
        variable = candidates.pop()
        if uses[variable] != 1:
            continue
        index = next(i for i in holders[variable] if alive[i])
        others = [v for v in scopes[index] if v != variable]
        if variable not in normalized_over[index] or any(uses[v] == 1 for v in others):
            continue
        alive[index] = False
        uses.subtract(scopes[index])
        candidates.extend(v for v in others if uses[v] == 1 and v not in needed)
    return [i for i, keep in enumerate(alive) if keep]
