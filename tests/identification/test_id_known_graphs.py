"""ID and IDC on textbook graphs: verdicts, hedges, formulas and numerical truth."""

import pytest
import torch

from causalppl.identification import ADMG, Identification, evaluate, identify


def graph(directed: str = "", bidirected: str = "") -> ADMG:
    """Build a graph from ``"A->B B->C"`` and ``"A<->C"`` style strings."""
    edges = [tuple(e.split("->")) for e in directed.split()]
    arcs = [tuple(a.split("<->")) for a in bidirected.split()]
    return ADMG.from_edges([n for e in [*edges, *arcs] for n in e], edges, arcs)


BACK_DOOR = graph("Z->X Z->Y X->Y")
FRONT_DOOR = graph("Smoking->Tar Tar->Cancer", "Smoking<->Cancer")
NAPKIN = graph("W->Z Z->X X->Y", "W<->X W<->Y")
BOW = graph("X->Y", "X<->Y")
INSTRUMENT = graph("Z->X X->Y", "X<->Y")

# Shpitser & Pearl (2008), Complete Identification Methods for the Causal Hierarchy, JMLR:
# Figure 2 (identifiable effects of X on Y) and Figure 3(a) (hedge-less for P(y1, y2 | do(x))).
SHPITSER_PEARL_FIGURE_2B = graph("X->Y X->Z Z->Y", "Y<->Z")
SHPITSER_PEARL_FIGURE_2D = graph("Z->X Z->Y X->Y", "X<->Z")
SHPITSER_PEARL_FIGURE_2E = graph("X->Z Z->Y", "X<->Y")
SHPITSER_PEARL_FIGURE_3A = graph("W1->X X->Y1 W2->Y2", "W1<->W2 W1<->Y1 W1<->Y2 X<->W2")


def identified(result: Identification) -> str:
    assert result.identifiable and result.hedge is None and result.estimand is not None
    return result.estimand.to_text()


def test_back_door_gives_the_adjustment_formula(scm_tools) -> None:
    result = identify(BACK_DOOR, {"Y"}, {"X"})
    assert identified(result) == "sum_{Z} P(Z) P(Y | Z, X)"
    scm, check = scm_tools
    for seed in range(3):
        check(scm.random(BACK_DOOR, seed, max_levels=3), result.estimand, ["Y"], ["X"])


def test_front_door_formula(scm_tools) -> None:
    result = identify(FRONT_DOOR, {"Cancer"}, {"Smoking"})
    assert identified(result) == "sum_{Tar} P(Tar | Smoking) sum_{Smoking'} P(Smoking') P(Cancer | Smoking', Tar)"
    scm, check = scm_tools
    check(scm.random(FRONT_DOOR, seed=4, max_levels=3), result.estimand, ["Cancer"], ["Smoking"])


def pearl_smoking_table() -> torch.Tensor:
    """Pearl, Causality (2009) section 3.3.2: 800 people; axes (Smoking, Tar, Cancer)."""
    share = {(0, 0): 0.475, (1, 0): 0.025, (0, 1): 0.025, (1, 1): 0.475}  # P(smoking, tar)
    cancer_rate = {(0, 0): 0.10, (1, 0): 0.90, (0, 1): 0.05, (1, 1): 0.85}  # P(cancer | smoking, tar)
    joint = torch.zeros(2, 2, 2, dtype=torch.float64)
    for (smoking, tar), p in share.items():
        joint[smoking, tar, 1] = p * cancer_rate[smoking, tar]
        joint[smoking, tar, 0] = p * (1 - cancer_rate[smoking, tar])
    return joint


def test_front_door_on_pearls_smoking_table() -> None:
    estimand = identify(FRONT_DOOR, {"Cancer"}, {"Smoking"}).estimand
    joint, variables = pearl_smoking_table(), ("Smoking", "Tar", "Cancer")
    smoke = evaluate(estimand, joint, variables, {"Smoking": 1, "Cancer": 1})
    abstain = evaluate(estimand, joint, variables, {"Smoking": 0, "Cancer": 1})
    assert smoke.item() == pytest.approx(0.4525, abs=1e-12)
    assert abstain.item() == pytest.approx(0.4975, abs=1e-12)


def test_napkin_is_identified_as_a_ratio(scm_tools) -> None:
    result = identify(NAPKIN, {"Y"}, {"X"})
    text = identified(result)
    assert "/" in text
    assert result.estimand.free_variables() == {"X", "Y"}
    scm, check = scm_tools
    for seed in range(3):
        check(scm.random(NAPKIN, seed), result.estimand, ["Y"], ["X"])


@pytest.mark.parametrize(
    ("g", "f", "f_prime"),
    [
        (BOW, {"X", "Y"}, {"Y"}),
        (INSTRUMENT, {"X", "Y"}, {"Y"}),
        (graph("X->Z Z->Y", "X<->Z"), {"X", "Z"}, {"Z"}),
        (graph("X->Z Z->Y", "X<->Y Z<->Y"), {"X", "Z", "Y"}, {"Z", "Y"}),
        (graph("X->Y Z->Y", "X<->Z Z<->Y"), {"X", "Z", "Y"}, {"Z", "Y"}),
    ],
)
def test_unidentifiable_effects_name_their_hedge(g: ADMG, f: set, f_prime: set) -> None:
    result = identify(g, {"Y"}, {"X"})
    assert not result.identifiable and result.estimand is None
    assert result.hedge.f == f and result.hedge.f_prime == f_prime
    description = result.hedge.describe()
    assert "F = {" in description and "F' = {" in description and "X" in description


def test_bow_hedge_description() -> None:
    result = identify(BOW, {"Y"}, {"X"})
    assert result.hedge.describe().startswith("not identifiable: hedge F = {X, Y}, F' = {Y}.")
    assert result.describe() == result.hedge.describe()
    assert result.hedge.roots == {"Y"}


def test_identification_describe_gives_the_formula_and_leaves_the_graph_alone() -> None:
    before = hash(FRONT_DOOR), FRONT_DOOR.directed, FRONT_DOOR.bidirected
    result = identify(FRONT_DOOR, {"Cancer"}, {"Smoking"})
    assert result.describe() == result.estimand.to_text()
    assert (hash(FRONT_DOOR), FRONT_DOOR.directed, FRONT_DOOR.bidirected) == before


def test_instrument_does_not_identify_but_the_instrument_effect_is(scm_tools) -> None:
    assert not identify(INSTRUMENT, {"Y"}, {"X"}).identifiable
    on_y = identify(INSTRUMENT, {"Y"}, {"Z"})
    assert identified(on_y) == "P(Y | Z)"
    scm, check = scm_tools
    check(scm.random(INSTRUMENT, 3), on_y.estimand, ["Y"], ["Z"])


@pytest.mark.parametrize(
    ("g", "outcomes", "expected_text"),
    [
        (SHPITSER_PEARL_FIGURE_2B, {"Y"}, "P(Y | X)"),  # sum_{Z} P(Z | X) P(Y | X, Z), recombined
        (SHPITSER_PEARL_FIGURE_2D, {"Y"}, "sum_{Z} P(Z) P(Y | Z, X)"),
        (SHPITSER_PEARL_FIGURE_2E, {"Y"}, "sum_{Z} P(Z | X) sum_{X'} P(X') P(Y | X', Z)"),
        (
            SHPITSER_PEARL_FIGURE_3A,
            {"Y1", "Y2"},
            "P(Y2) sum_{W1} P(W1) P(Y1 | W1, X)",  # sum_{W2} P(W2) P(Y2 | W2) = P(Y2)
        ),
    ],
)
def test_shpitser_pearl_figures(scm_tools, g: ADMG, outcomes: set, expected_text: str) -> None:
    result = identify(g, outcomes, {"X"})
    assert identified(result) == expected_text
    scm, check = scm_tools
    check(scm.random(g, seed=11), result.estimand, sorted(outcomes), ["X"])


def test_no_treatment_gives_the_observational_marginal() -> None:
    assert identified(identify(FRONT_DOOR, {"Cancer"}, set())) == "P(Cancer)"


def test_treatment_without_effect_drops_out() -> None:
    g = graph("X->Y Z->W")
    assert identified(identify(g, {"W"}, {"X"})) == "P(W)"


def test_joint_outcomes_front_door(scm_tools) -> None:
    result = identify(FRONT_DOOR, {"Tar", "Cancer"}, {"Smoking"})
    scm, check = scm_tools
    check(scm.random(FRONT_DOOR, 5), result.estimand, ["Tar", "Cancer"], ["Smoking"])


# ---------------------------------------------------------------------- IDC

IDC_GRAPH = graph("W->X X->Z W->Z Z->Y", "X<->Y")  # the condition Z screens Y off from do(X)


def test_idc_moves_a_condition_into_the_intervention_when_rule_2_allows(scm_tools) -> None:
    result = identify(IDC_GRAPH, {"Y"}, {"X"}, {"Z"})
    # Y depends on X only through the conditioned Z, so X is summed out, and W is averaged.
    assert identified(result) == "sum_{W} P(W) sum_{X} P(X | W) P(Y | W, X, Z)"
    scm, check = scm_tools
    check(scm.random(IDC_GRAPH, 2), result.estimand, ["Y"], ["X"], ["Z"])


def test_idc_back_door_with_its_covariate_as_condition(scm_tools) -> None:
    result = identify(BACK_DOOR, {"Y"}, {"X"}, {"Z"})
    assert identified(result) == "P(Y | Z, X)"
    scm, check = scm_tools
    check(scm.random(BACK_DOOR, 6, max_levels=3), result.estimand, ["Y"], ["X"], ["Z"])


def test_idc_divides_when_the_condition_stays(scm_tools) -> None:
    g = graph("X->M M->Y", "X<->Y")  # condition on the mediator's child
    result = identify(g, {"M"}, {"X"}, {"Y"})
    assert result.identifiable
    scm, check = scm_tools
    check(scm.random(g, 8), result.estimand, ["M"], ["X"], ["Y"])


def test_idc_failure_returns_a_hedge() -> None:
    result = identify(BOW, {"Y"}, {"X"}, set())
    assert not result.identifiable
    g = graph("Z->X X->Y", "X<->Y Z<->Y")
    conditional = identify(g, {"Y"}, {"X"}, {"Z"})
    assert not conditional.identifiable and conditional.hedge is not None


@pytest.mark.parametrize(
    ("outcomes", "treatments", "conditions"),
    [(set(), {"X"}, set()), ({"Y"}, {"Y"}, set()), ({"Y"}, {"X"}, {"X"}), ({"Q"}, {"X"}, set())],
)
def test_malformed_queries_raise(outcomes, treatments, conditions) -> None:
    with pytest.raises(ValueError):
        identify(BACK_DOOR, outcomes, treatments, conditions)
