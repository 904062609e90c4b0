"""Back-door and front-door criteria: admissible sets and their formulas."""

import pytest

from causalppl.identification import (
    ADMG,
    backdoor_estimand,
    backdoor_sets,
    frontdoor_estimand,
    frontdoor_sets,
)


def graph(directed: str = "", bidirected: str = "") -> ADMG:
    edges = [tuple(e.split("->")) for e in directed.split()]
    arcs = [tuple(a.split("<->")) for a in bidirected.split()]
    return ADMG.from_edges([n for e in [*edges, *arcs] for n in e], edges, arcs)


# Pearl, Causality (2009), Figure 3.4 (the back-door example), with letters for his X1..X6.
PEARL_FIGURE_3_4 = graph("Z1->Z3 Z2->Z3 Z1->X Z2->Y Z3->X Z3->Y X->W W->Y")
FRONT_DOOR = graph("X->M M->Y", "X<->Y")


def test_back_door_sets_of_pearls_figure() -> None:
    sets = backdoor_sets(PEARL_FIGURE_3_4, {"X"}, {"Y"})
    assert set(sets) == {frozenset({"Z1", "Z3"}), frozenset({"Z2", "Z3"})}
    assert backdoor_sets(PEARL_FIGURE_3_4, {"X"}, {"Y"}, max_size=1) == []


def test_back_door_empty_set_when_nothing_confounds() -> None:
    assert backdoor_sets(graph("X->Y Z->Y"), {"X"}, {"Y"}) == [frozenset()]


def test_back_door_never_uses_descendants_and_fails_under_confounding() -> None:
    assert backdoor_sets(FRONT_DOOR, {"X"}, {"Y"}) == []
    assert backdoor_sets(graph("X->M M->Y Z->X Z->Y"), {"X"}, {"Y"}) == [frozenset({"Z"})]


def test_back_door_with_latent_confounding_of_a_covariate() -> None:
    # X <- Z <-> Y: adjusting for Z blocks the path; X <-> Z does not open anything.
    g = graph("Z->X X->Y", "Z<->Y X<->Z")
    assert backdoor_sets(g, {"X"}, {"Y"}) == []
    assert backdoor_sets(graph("Z->X X->Y Z->Y", "Z<->Y"), {"X"}, {"Y"}) == [frozenset({"Z"})]


def test_front_door_sets() -> None:
    assert frontdoor_sets(FRONT_DOOR, "X", "Y") == [frozenset({"M"})]
    assert frontdoor_sets(graph("X->M M->Y X->Y", "X<->Y"), "X", "Y") == []
    assert frontdoor_sets(graph("X->M M->Y", "X<->Y M<->Y"), "X", "Y") == []
    two_paths = graph("X->M1 X->M2 M1->Y M2->Y", "X<->Y")
    assert frontdoor_sets(two_paths, "X", "Y") == [frozenset({"M1", "M2"})]


def test_estimand_texts() -> None:
    assert backdoor_estimand(["X"], ["Y"], ["Z"]).to_text() == "sum_{Z} P(Y | X, Z) P(Z)"
    assert backdoor_estimand(["X"], ["Y"], []).to_text() == "P(Y | X)"
    assert frontdoor_estimand("X", "Y", ["M"]).to_text() == "sum_{M} P(M | X) sum_{X'} P(Y | X', M) P(X')"


def test_back_door_estimand_matches_brute_force(scm_tools) -> None:
    scm, check = scm_tools
    model = scm.random(PEARL_FIGURE_3_4, seed=3)
    for adjustment in backdoor_sets(PEARL_FIGURE_3_4, {"X"}, {"Y"}):
        check(model, backdoor_estimand(["X"], ["Y"], sorted(adjustment)), ["Y"], ["X"])


def test_front_door_estimand_matches_brute_force(scm_tools) -> None:
    scm, check = scm_tools
    two_paths = graph("X->M1 X->M2 M1->Y M2->Y", "X<->Y")
    for g in (FRONT_DOOR, two_paths):
        mediators = frontdoor_sets(g, "X", "Y")[0]
        check(scm.random(g, seed=9, max_levels=3), frontdoor_estimand("X", "Y", sorted(mediators)), ["Y"], ["X"])


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        backdoor_sets(FRONT_DOOR, {"X"}, {"X"})
    with pytest.raises(ValueError):
        frontdoor_sets(FRONT_DOOR, "X", "Nope")
