"""Dropping barren factors before a query.

In a Bayesian network each conditional probability table (CPT) sums to one
over its head variable. A CPT whose head is neither needed by the query nor
an ancestor of a needed variable contributes a factor of exactly one once
summed out, so it can be dropped unread. Pruning is optional: the engine is
exact without it, only slower on queries that touch a small part of a model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
