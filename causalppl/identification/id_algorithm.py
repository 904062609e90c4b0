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
    """A hedge for P(Y | do(X)), as the node sets F and F' found by line 5 of ID.

    F' lies strictly inside F; each induced subgraph is a single c-component
    (its nodes are joined by bidirected paths) and, after dropping directed
    edges where needed, a c-forest.  F contains treatments and F' none.
    ``roots`` are the nodes of F' without children in F': outcomes, or
    ancestors of outcomes.  Two models that differ only inside F agree on
    P(V) yet disagree on the effect, so the query is not identifiable.
    ``treatments`` are the intervened variables of the failing subproblem.
    """

    f: frozenset[str]
    f_prime: frozenset[str]
    roots: frozenset[str]
    treatments: frozenset[str]

    def describe(self) -> str:
        """A short explanation naming both c-forests."""
        return (
            f"not identifiable: hedge F = {_braces(self.f)}, F' = {_braces(self.f_prime)}. "
            f"Both are confounded components (joined by bidirected arcs) reaching the outcome "
            f"side {_braces(self.roots)}; F contains the treatments "
            f"{_braces(self.f & self.treatments)} and F' contains none, so models that agree on "
            f"the observed distribution can disagree on the effect of the intervention."
        )


@dataclass(frozen=True)
class Identification:
    """The answer of ``identify``: an estimand when identifiable, a hedge otherwise."""

    identifiable: bool
    estimand: Estimand | None
    hedge: Hedge | None

    def describe(self) -> str:
        """The estimand's formula, or the hedge's explanation."""
        if self.estimand is not None:
            return self.estimand.to_text()
        return self.hedge.describe() if self.hedge is not None else "not identifiable"


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
    """Identify P(outcomes | do(treatments), conditions) in ``g`` (ID, or IDC with conditions).

    The estimand's free variables are among the outcomes, treatments and
    conditions.  A failure is returned as ``identifiable=False`` with a hedge,
    never raised; malformed queries (unknown or overlapping names) raise
    ``ValueError``.
    """
    y, x, z = frozenset(outcomes), frozenset(treatments), frozenset(conditions)
    _check_query(g, y, x, z)
    recursion = _Recursion(g.topological_order())
    try:
        estimand = recursion.idc(y, x, z, g)
    except _HedgeFound as found:
        return Identification(False, None, found.hedge)
    return Identification(True, recursion.average_out_arbitrary(estimand, y | x | z), None)


def _check_query(g: ADMG, y: frozenset[str], x: frozenset[str], z: frozenset[str]) -> None:
    if not y:
        raise ValueError("a query needs at least one outcome")
    unknown = (y | x | z) - set(g.nodes)
    if unknown:
        raise ValueError(f"the graph has no variables {sorted(unknown)}")
    pairs = {"outcomes and treatments": y & x, "outcomes and conditions": y & z, "treatments and conditions": x & z}
    for what, shared in pairs.items():
        if shared:
            raise ValueError(f"{what} overlap in {sorted(shared)}")


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

    def average_out_arbitrary(self, estimand: Estimand, query_variables: frozenset[str]) -> Estimand:
        """Close a formula over variables that line 3 of ID set to arbitrary values.

        Line 3 intervenes on variables that do not affect the outcomes, so the
        formula takes the same value at every level of them (where the data are
        positive).  Averaging it with weights P(w) keeps that value and leaves
        the query's own variables as the only free ones.
        """
        arbitrary = self.sorted(estimand.free_variables() - query_variables)
        if not arbitrary:
            return estimand
        return marginalize(multiply([Prob(arbitrary), estimand]), arbitrary)

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
            roots = frozenset(n for n in s if not g.children(n) & s)
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
