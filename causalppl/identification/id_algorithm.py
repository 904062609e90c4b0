"""The complete ID and IDC algorithms (Shpitser & Pearl, 2006) for P(Y | do(X), Z).

``identify`` either returns an estimand -- a formula over the observational
distribution of the graph's variables that equals the interventional
(conditional) distribution in every model compatible with the graph -- or a
hedge: two c-forests F' within F that witness that no such formula exists.

The recursion follows the published pseudo-code line by line (lines 1-7 of
ID; IDC moves conditions into the intervention with rule 2 of the
do-calculus and divides otherwise).  The "current distribution" P of the
recursion is itself an estimand over the variables of the current subgraph;
conditionals of it are built with :mod:`causalppl.identification.algebra`,
which keeps them as plain ``P(v | ...)`` terms when P is observational.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from causalppl.identification.admg import ADMG
from causalppl.identification.algebra import divide, marginalize, multiply
from causalppl.identification.estimand import Estimand, Prob


@dataclass(frozen=True)
class Hedge:
    """A hedge for P(Y | do(X)): c-forests F' within F with the same roots.

    F contains treatments, F' contains none; both are single c-components
    whose root set (nodes without children inside) lies among the outcomes'
    ancestors.  Two models that differ only inside F agree on P(V) and
    disagree on the effect, so the query is not identifiable.
    """

    f: frozenset[str]
    f_prime: frozenset[str]
    roots: frozenset[str]
    treatments: frozenset[str]

    def describe(self) -> str:
        """A one-paragraph explanation naming both c-forests."""
        return (
            f"not identifiable: hedge F = {_braces(self.f)}, F' = {_braces(self.f_prime)}. "
            f"Both are c-forests (confounded throughout by bidirected arcs) with root set "
            f"{_braces(self.roots)}; F contains the treatments {_braces(self.f & self.treatments)} "
            f"and F' contains none, so models that agree on the observed distribution "
            f"can disagree on the effect of intervening on them."
        )


@dataclass(frozen=True)
class Identification:
    """The answer of ``identify``: an estimand when identifiable, a hedge otherwise."""

    identifiable: bool
    estimand: Estimand | None
    hedge: Hedge | None


class _HedgeFound(Exception):
    def __init__(self, hedge: Hedge) -> None:
        super().__init__(hedge.describe())
        self.hedge = hedge


def identify(
    g: ADMG,
    outcomes: Iterable[str],
    treatments: Iterable[str],
    conditions: Iterable[str] = frozenset(),
) -> Identification:
    """Identify P(outcomes | do(treatments), conditions) in ``g`` (ID, or IDC with conditions)."""
    y, x, z = frozenset(outcomes), frozenset(treatments), frozenset(conditions)
    _check_query(g, y, x, z)
    recursion = _Recursion(g.topological_order())
    try:
        estimand = recursion.idc(y, x, z, g)
    except _HedgeFound as found:
        return Identification(False, None, found.hedge)
    return Identification(True, estimand, None)


def _check_query(g: ADMG, y: frozenset[str], x: frozenset[str], z: frozenset[str]) -> None:
    if not y:
        raise ValueError("a query needs at least one outcome")
    unknown = (y | x | z) - set(g.nodes)
    if unknown:
        raise ValueError(f"the graph has no variables {sorted(unknown)}")
    for left, right, what in ((y, x, "outcomes and treatments"), (y, z, "outcomes and conditions"),
                              (x, z, "treatments and conditions")):
        if left & right:
            raise ValueError(f"{what} overlap in {sorted(left & right)}")


@dataclass(frozen=True)
class _Recursion:
    """The ID/IDC recursion under one fixed topological order of the whole graph."""

    order: tuple[str, ...]

    def idc(self, y: frozenset[str], x: frozenset[str], z: frozenset[str], g: ADMG) -> Estimand:
        for condition in self.sorted(z):
            rest = z - {condition}
            if g.mutilate(x).remove_outgoing({condition}).is_d_separated(y, {condition}, x | rest):
                return self.idc(y, x | {condition}, rest, g)
        joint = self.id(y | z, x, Prob(self.sorted(g.nodes)), g)
        if not z:
            return joint
        return divide(joint, marginalize(joint, self.sorted(y)))

    def id(self, y: frozenset[str], x: frozenset[str], p: Estimand, g: ADMG) -> Estimand:
        v = frozenset(g.nodes)
        if not x:  # line 1
            return marginalize(p, self.sorted(v - y))
        ancestors = g.ancestors(y)
        if v - ancestors:  # line 2
            marginal = marginalize(p, self.sorted(v - ancestors))
            return self.id(y, x & ancestors, marginal, g.subgraph(ancestors))
        w = (v - x) - g.mutilate(x).ancestors(y)
        if w:  # line 3
            return self.id(y, x | w, p, g)
        districts = g.subgraph(v - x).c_components()
        if len(districts) > 1:  # line 4
            factors = [self.id(s, v - s, p, g) for s in districts]
            return marginalize(multiply(factors), self.sorted(v - (y | x)))
        return self.single_district(y, x, p, g, districts[0])

    def single_district(self, y: frozenset[str], x: frozenset[str], p: Estimand, g: ADMG,
                        s: frozenset[str]) -> Estimand:
        v = frozenset(g.nodes)
        components = g.c_components()
        if len(components) == 1:  # line 5
            roots = frozenset(n for n in v if not g.children(n) & v)
            raise _HedgeFound(Hedge(v, s, roots, x))
        if s in components:  # line 6
            return marginalize(self.chain_factors(s, p, v), self.sorted(s - y))
        s_prime = next(c for c in components if s < c)  # line 7
        return self.id(y, x & s_prime, self.chain_factors(s_prime, p, v), g.subgraph(s_prime))

    def chain_factors(self, members: frozenset[str], p: Estimand, scope: frozenset[str]) -> Estimand:
        """The product over ``members`` of P(v_i | the variables of ``scope`` before v_i)."""
        scope_order = self.sorted(scope)
        factors = []
        for i, variable in enumerate(scope_order):
            if variable in members:
                factors.append(self.conditional(p, variable, scope_order[:i], scope))
        return multiply(factors)

    def conditional(self, p: Estimand, target: str, given: tuple[str, ...], scope: frozenset[str]) -> Estimand:
        """P(target | given) computed from the distribution ``p`` over ``scope``."""
        if isinstance(p, Prob):
            return Prob((target,), self.sorted({*given, *p.given}))
        rest = scope - {target, *given}
        numerator = marginalize(p, self.sorted(rest))
        denominator = marginalize(p, self.sorted(rest | {target}))
        return divide(numerator, denominator)

    def sorted(self, variables: Iterable[str]) -> tuple[str, ...]:
        chosen = set(variables)
        return tuple(v for v in self.order if v in chosen)


def _braces(names: Iterable[str]) -> str:
    return "{" + ", ".join(sorted(names)) + "}"
