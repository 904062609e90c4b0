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


# ------------------------------------------------------------- positivity ----

BACKDOOR = "model B {\n    Z : bool\n    X : bool <- Z\n    Y : bool <- X, Z\n}\n"


def no_treated_at_z1():
    """No unit has Z = 1, X = 1, while P(Z = 1) = 3/9: P(Y | X = 1, Z = 1) is undefined and needed."""
    import pandas as pd

    rows = [(0, 0, 0)] * 2 + [(0, 0, 1)] * 2 + [(0, 1, 1), (0, 1, 0)] + [(1, 0, 0)] * 2 + [(1, 0, 1)]
    return pd.DataFrame(rows, columns=["Z", "X", "Y"])


def test_an_empty_stratum_with_positive_weight_is_a_located_error_naming_it():
    model = cp.loads(BACKDOOR, filename="b.scm")
    with pytest.raises(cp.CausalPPLError) as caught:
        model.query("identify P(Y = 1 | do(X = 1))", data=no_treated_at_z1(), seed=0)
    text = str(caught.value)
    assert "no unit has Z = 1, X = 1, but P(Z = 1) = 0.333" in text
    assert "P(Y | Z = 1, X = 1) is undefined (positivity fails)" in text
    assert "<query>:1:10" in text  # the leaf P(Y = 1 | do(X = 1)) of the query text
    assert "collect units with Z = 1, X = 1" in text and "bounds P(Y = 1 | do(X = 1))" in text


def test_a_contrast_with_an_undefined_arm_is_refused_not_printed():
    model = cp.loads(BACKDOOR)
    with pytest.raises(cp.CausalPPLError, match=r"no unit has Z = 1, X = 1.*positivity"):
        model.query("identify E[Y | do(X = 1)] - E[Y | do(X = 0)]", data=no_treated_at_z1(), seed=0)
    with pytest.raises(cp.CausalPPLError, match="positivity"):  # the estimate query takes the same road
        model.query("P(Y = 1 | do(X = 1))", data=no_treated_at_z1(), seed=0)


def test_the_defined_arm_is_answered_as_before():
    result = cp.loads(BACKDOOR).query("identify P(Y = 1 | do(X = 0))", data=no_treated_at_z1(), seed=0)
    assert result.estimate == pytest.approx(6 / 9 * 0.5 + 3 / 9 * 1 / 3)
    low, high = result.interval
    assert low < result.estimate < high and not result.notes


def test_an_empty_stratum_of_probability_zero_weight_still_answers():
    import pandas as pd

    no_z1 = pd.DataFrame([(0, 0, 0)] * 2 + [(0, 0, 1)] * 2 + [(0, 1, 0)] + [(0, 1, 1)] * 3, columns=["Z", "X", "Y"])
    result = cp.loads(BACKDOOR).query("identify P(Y = 1 | do(X = 1))", data=no_z1, seed=0)
    assert result.estimate == pytest.approx(0.75)  # P(Y = 1 | X = 1, Z = 0), weighed by P(Z = 0) = 1
    assert result.interval is not None


def test_bounds_take_over_where_positivity_fails():
    model = cp.loads(BACKDOOR)
    result = model.query("bounds P(Y = 1 | do(X = 1))", data=no_treated_at_z1(), seed=0)
    assert result.bounds == pytest.approx((6 / 9 * 0.5, 6 / 9 * 0.5 + 3 / 9))  # the empty stratum anywhere in [0, 1]
    identified = model.query("bounds P(Y = 1 | do(X = 0))", data=no_treated_at_z1(), seed=0)
    assert identified.bounds[0] == identified.bounds[1] == pytest.approx(6 / 9 * 0.5 + 3 / 9 * 1 / 3)


def test_front_door_with_one_row_refuses_the_arm_it_never_saw():
    import pandas as pd

    one = pd.DataFrame({"Smoking": [1], "Tar": [1], "Cancer": [1]})
    model = cp.load(FRONT_DOOR)
    seen = model.query("identify P(Cancer = 1 | do(Smoking = 1))", data=one, seed=0)
    assert seen.estimate == pytest.approx(1.0)  # every empty stratum it meets has weight zero
    with pytest.raises(cp.CausalPPLError, match=r"no unit has Smoking = 0: P\(Tar \| Smoking = 0\) is undefined"):
        model.query("identify E[Cancer | do(Smoking = 1)] - E[Cancer | do(Smoking = 0)]", data=one, seed=0)


def test_a_model_whose_own_distribution_lacks_positivity_says_so():
    model = cp.loads("model D {\n Z ~ Bernoulli(0.4)\n X : bool := Z\n Y ~ Bernoulli(0.2 + 0.5 * X + 0.2 * Z)\n}")
    with pytest.raises(cp.CausalPPLError, match=r"the model gives Z = 0, X = 1 probability zero"):
        model.query("identify P(Y = 1 | do(X = 1))")
    assert model.query("P(Y = 1 | do(X = 1))").estimate == pytest.approx(0.2 + 0.5 + 0.2 * 0.4)  # the mechanisms


def test_the_command_line_exits_1_with_the_location(tmp_path, capsys):
    from causalppl.cli import main

    source = tmp_path / "b.scm"
    source.write_text(BACKDOOR + "query p = identify P(Y = 1 | do(X = 1))\n")
    data = tmp_path / "b.csv"
    no_treated_at_z1().to_csv(data, index=False)
    assert main(["run", str(source), "--data", str(data), "--seed", "0"]) == 1
    err = capsys.readouterr().err
    assert f"{source}:6:20: error: no unit has Z = 1, X = 1, but P(Z = 1) = 0.333" in err


# ------------------------------------------------ conditions of several values ----

SEVERAL = """
model M {
    Z : {a, b, c} ~ Categorical([0.2, 0.3, 0.5])
    X ~ Bernoulli(if Z == b then 0.7 else 0.3)
    W : {w0, w1, w2} ~ table(Z) {
        a: [0.6, 0.3, 0.1]
        b: [0.1, 0.2, 0.7]
        c: [0.3, 0.3, 0.4]
    }
    Y ~ Bernoulli(0.2 + 0.3 * X + 0.1 * (W == w1) + 0.3 * (W == w2))
}
"""


@pytest.mark.parametrize("query", [
    "P(Y = 1 | do(X = 1), W != w0)",
    "P(Y = 1 | do(X = 1), W > w0)",
    "P(Y = 1 | do(X = 0), W <= w1)",
    "E[Y | do(X = 1), W != w0]",
    "E[2 * Y + 1 | do(X = 0), W >= w1]",
])
def test_a_condition_of_several_values_weighs_each_by_its_interventional_probability(query):
    model = cp.loads(SEVERAL)
    truth = model.query(query).estimate
    identified = model.query(f"identify {query}")
    assert identified.estimate == pytest.approx(truth, abs=1e-9)
    assert identified.estimand.startswith("P(Y, W | do(X)) = ")


def test_the_weights_are_not_equal():
    # P(Y = 1 | do(X = 1), W = w1) = 0.6 and ... W = w2) = 0.8; P(W = w1) = 0.27, P(W = w2) = 0.43
    identified = cp.loads(SEVERAL).query("identify P(Y = 1 | do(X = 1), W != w0)")
    assert identified.estimate == pytest.approx((0.27 * 0.6 + 0.43 * 0.8) / 0.70, abs=1e-9)
    assert identified.estimate != pytest.approx(0.7, abs=1e-3)


def test_a_condition_of_one_value_keeps_its_conditional_estimand():
    model = cp.loads(SEVERAL)
    for query, value in [("P(Y = 1 | do(X = 1), W = w1)", 0.6), ("P(Y = 1 | do(X = 1), W = w2)", 0.8),
                         ("E[Y | do(X = 0), W > w1]", 0.5), ("P(Y = 1 | do(X = 1), W > w0, W < w2)", 0.6)]:
        identified = model.query(f"identify {query}")
        assert identified.estimate == pytest.approx(value, abs=1e-12)
        assert identified.estimand == "P(Y | do(X), W) = sum_{Z} P(Z) P(Y | Z, X, W)"


def _several_rows(n=20000, seed=1):
    import pandas as pd

    sample = cp.loads(SEVERAL).sample(n, seed=seed)
    return pd.DataFrame({name: sample[name].numpy().astype(int) for name in ("Z", "X", "W", "Y")})


def test_on_data_a_condition_of_several_values_is_the_weighted_plug_in():
    rows = _several_rows()
    model = cp.loads(SEVERAL)
    result = model.query("identify P(Y = 1 | do(X = 1), W != w0)", data=rows, seed=0)
    # by hand: sum_{w != w0} sum_z P(z) P(w | z) P(Y = 1 | z, X = 1, w) / sum_{w != w0} sum_z P(z) P(w | z)
    p_z = rows["Z"].value_counts(normalize=True)
    numerator = denominator = 0.0
    for z, pz in p_z.items():
        at_z = rows[rows["Z"] == z]
        for w in (1, 2):
            pw = (at_z["W"] == w).mean()
            cell = at_z[(at_z["W"] == w) & (at_z["X"] == 1)]
            numerator += pz * pw * cell["Y"].mean()
            denominator += pz * pw
    assert result.estimate == pytest.approx(numerator / denominator, abs=1e-9)
    truth = model.query("P(Y = 1 | do(X = 1), W != w0)").estimate
    assert truth == pytest.approx(0.722857, abs=1e-6)
    assert result.estimate == pytest.approx(truth, abs=0.02)
    low, high = result.interval
    assert low < result.estimate < high and low < truth < high
    equal = 0.5 * sum(model.query(f"identify P(Y = 1 | do(X = 1), W = {w})", data=rows, seed=0).estimate
                      for w in ("w1", "w2"))
    assert abs(result.estimate - equal) > 0.015  # not the plain average of the two conditionals


def test_on_data_a_condition_of_one_value_is_unchanged():
    rows = _several_rows()
    result = cp.loads(SEVERAL).query("identify P(Y = 1 | do(X = 1), W = w2)", data=rows, seed=0)
    by_hand = 0.0
    for z, pz in rows["Z"].value_counts(normalize=True).items():
        cell = rows[(rows["Z"] == z) & (rows["X"] == 1) & (rows["W"] == 2)]
        by_hand += pz * cell["Y"].mean()
    assert result.estimate == pytest.approx(by_hand, abs=1e-9)


BOW_WEIGHTS = """
model B {
    latent U ~ Bernoulli(0.5)
    X ~ Bernoulli(if U then 0.8 else 0.2)
    W : {w0, w1, w2} ~ table(X, U) {
        false, false: [0.6, 0.3, 0.1]
        false, true: [0.1, 0.2, 0.7]
        true, false: [0.3, 0.3, 0.4]
        true, true: [0.2, 0.5, 0.3]
    }
    Y ~ Bernoulli(0.2 + 0.1 * (W == w1) + 0.5 * (W == w2))
}
"""


def test_several_values_weighed_by_an_unidentified_distribution_are_refused():
    model = cp.loads(BOW_WEIGHTS, filename="bow.scm")
    assert model.query("identify P(Y = 1 | do(X = 1), W = w1)").estimate == pytest.approx(0.3)
    with pytest.raises(cp.CausalPPLError, match=r"W != w0 admits several values.*P\(W \| do\(X\)\).*not identified") \
            as caught:
        model.query("identify P(Y = 1 | do(X = 1), W != w0)")
    assert "condition on one value at a time" in str(caught.value)
    assert model.query("P(Y = 1 | do(X = 1), W != w0)").estimate == pytest.approx(0.486667, abs=1e-6)
