"""identify queries end to end: estimand text, Pearl's front-door numbers, hedges, latent projection."""

import pytest

import causalppl as cp
from causalppl.inference.graphs import observed_admg
from tests.conftest import REPO

FRONT_DOOR = REPO / "examples" / "front_door_smoking" / "front_door.scm"


def test_front_door_on_pearls_table_gives_his_numbers():
    results = {r.name: r for r in cp.load(FRONT_DOOR).run(seed=0)}
    assert results["p1"].estimate == pytest.approx(0.4525, abs=1e-9)
    assert results["p0"].estimate == pytest.approx(0.4975, abs=1e-9)
    assert results["ace"].estimate == pytest.approx(-0.045, abs=1e-9)
    assert results["p1"].identifiable is True
    assert "sum_{Tar} P(Tar | Smoking)" in results["p1"].estimand
    low, high = results["ace"].interval
    assert low < -0.045 < high


def test_bow_arc_is_not_identified_and_names_the_hedge():
    model = cp.loads("model Bow {\n X : bool\n Y : bool <- X\n X <-> Y\n}")
    result = model.query("identify P(Y = 1 | do(X = 1))")
    assert result.identifiable is False and result.estimate is None
    assert any("hedge" in note.lower() or "c-forest" in note.lower() or "F" in note for note in result.notes)


def test_without_data_a_known_model_evaluates_the_estimand_exactly():
    source = """
    model Backdoor {
        Z ~ Bernoulli(0.4)
        X ~ Bernoulli(if Z == 1 then 0.8 else 0.3)
        Y ~ Bernoulli(0.1 + 0.5 * X + 0.3 * Z)
    }
    """
    model = cp.loads(source)
    identified = model.query("identify P(Y = 1 | do(X = 1))")
    truth = model.query("P(Y = 1 | do(X = 1))").estimate
    assert identified.estimate == pytest.approx(truth, abs=1e-12)
    assert identified.estimand is not None and "Z" in identified.estimand


def test_explicit_latents_are_projected_to_bidirected_arcs():
    source = """
    model Projected {
        latent U ~ Normal(0, 1)
        X ~ Bernoulli(sigmoid(U))
        M ~ Bernoulli(0.2 + 0.6 * X)
        Y ~ Bernoulli(sigmoid(U + M))
    }
    """
    admg = observed_admg(cp.loads(source).ir)
    assert set(admg.nodes) == {"X", "M", "Y"}
    assert frozenset({"X", "Y"}) in admg.bidirected
    assert ("X", "M") in admg.directed and ("M", "Y") in admg.directed


def test_a_condition_never_met_in_the_data_is_an_error_not_zero():
    import pandas as pd

    model = cp.loads("model F { Smoking : bool\n Tar : bool <- Smoking\n Cancer : bool <- Tar\n Smoking <-> Cancer }")
    never = pd.DataFrame({"Smoking": [0, 0, 0, 0], "Tar": [0, 1, 0, 1], "Cancer": [0, 1, 1, 0]})
    with pytest.raises(cp.CausalPPLError, match="condition has probability zero in the data"):
        model.query("P(Cancer = 1 | Smoking = 1)", data=never, seed=0)
    met = model.query("P(Cancer = 1 | Smoking = 0)", data=never, seed=0)
    assert met.estimate == pytest.approx(0.5) and met.method.startswith("identification")


def test_an_outcome_also_in_the_condition_is_summed_once():
    import pandas as pd

    model = cp.loads("model F { Smoking : bool\n Tar : bool <- Smoking\n Cancer : bool <- Tar\n Smoking <-> Cancer }")
    rows = pd.DataFrame({"Smoking": [0, 1, 1, 0, 1], "Tar": [0, 1, 0, 1, 1], "Cancer": [0, 1, 1, 0, 1]})
    assert model.query("P(Cancer = 1 | Cancer = 1)", data=rows, seed=0).estimate == pytest.approx(1.0)
