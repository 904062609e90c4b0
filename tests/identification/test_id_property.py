"""Property test: whatever ID/IDC identifies equals the truth of a random SCM on the graph."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from causalppl.identification import (
    ADMG,
    Hedge,
    backdoor_sets,
    frontdoor_sets,
    identify,
)


@dataclass(frozen=True)
class Query:
    graph: ADMG
    outcomes: tuple[str, ...]
    treatments: tuple[str, ...]
    conditions: tuple[str, ...]
    seed: int


@st.composite
def queries(draw: st.DrawFn) -> Query:
    size = draw(st.integers(2, 5))
    names = [f"V{i}" for i in range(size)]  # V0 < V1 < ... is a topological order
    pairs = list(combinations(names, 2))
    directed = [pair for pair in pairs if draw(st.booleans())]
    bidirected = [pair for pair in pairs if draw(st.integers(0, 2)) == 0]
    listed = draw(st.permutations(names))  # node listing order need not be topological
    graph = ADMG.from_edges(listed, directed, bidirected)
    shuffled = draw(st.permutations(names))
    n_outcomes = draw(st.integers(1, min(2, size - 1)))
    n_treatments = draw(st.integers(0, min(2, size - n_outcomes)))
    n_conditions = draw(st.integers(0, min(1, size - n_outcomes - n_treatments)))
    outcomes = tuple(shuffled[:n_outcomes])
    treatments = tuple(shuffled[n_outcomes : n_outcomes + n_treatments])
    conditions = tuple(shuffled[n_outcomes + n_treatments : n_outcomes + n_treatments + n_conditions])
    seed = draw(st.integers(0, 2**32 - 1))
    return Query(graph, outcomes, treatments, conditions, seed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=queries())
def test_identified_estimands_equal_the_truth(scm_tools, query: Query) -> None:
    result = identify(query.graph, query.outcomes, query.treatments, query.conditions)
    if not result.identifiable:
        assert_is_a_hedge(query.graph, result.hedge)
        assert result.hedge.roots <= query.graph.ancestors({*query.outcomes, *query.conditions})
        return
    free = result.estimand.free_variables()
    assert free <= set(query.outcomes) | set(query.treatments) | set(query.conditions)
    scm, check = scm_tools
    model = scm.random(query.graph, query.seed)
    check(model, result.estimand, query.outcomes, query.treatments, query.conditions)


@settings(max_examples=150, deadline=None)
@given(query=queries())
def test_verdicts_agree_with_simpler_criteria(query: Query) -> None:
    """Sufficient conditions must give "identifiable", a bow must give "not identifiable"."""
    g, outcomes, treatments = query.graph, set(query.outcomes), set(query.treatments)
    verdict = identify(g, outcomes, treatments).identifiable
    if not g.bidirected:
        assert verdict
    if any((x, y) in g.directed and frozenset({x, y}) in g.bidirected for x in treatments for y in outcomes):
        assert not verdict  # the bow {x, y} over {y} is a hedge
    if len(treatments) == 1:
        (x,) = treatments
        if tian_pearl_condition(g, x, outcomes):
            assert verdict
        if len(outcomes) == 1 and (backdoor_sets(g, {x}, outcomes) or frontdoor_sets(g, x, *outcomes)):
            assert verdict


def tian_pearl_condition(g: ADMG, x: str, outcomes: set[str]) -> bool:
    """Tian & Pearl (2002): no bidirected path from X to a child of X within An(Y)."""
    ancestral = g.subgraph(g.ancestors(outcomes))
    if x not in ancestral.nodes:
        return True
    district = next(c for c in ancestral.c_components() if x in c)
    return not ancestral.children(x) & district


def assert_is_a_hedge(g: ADMG, hedge: Hedge) -> None:
    """F' is strictly inside F, both are single c-components, only F meets the treatments."""
    assert hedge.f_prime < hedge.f
    assert len(g.subgraph(hedge.f).c_components()) == 1
    assert len(g.subgraph(hedge.f_prime).c_components()) == 1
    assert hedge.f & hedge.treatments and not hedge.f_prime & hedge.treatments
    assert hedge.roots == {v for v in hedge.f_prime if not g.children(v) & hedge.f_prime}
