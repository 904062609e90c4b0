"""Identified effects with continuous confounders: back-door g-formula and AIPW against the generating truth."""

import os

import numpy as np
import pandas as pd
import pytest

import causalppl as cp

SLOW = os.environ.get("CAUSALPPL_SLOW_TESTS") == "1"

OBSERVATIONAL = """
model Observational {
    Age : real
    Sick : bool <- Age
    Treated : bool <- Age, Sick
    Outcome : real <- Treated, Age, Sick
}
"""
ATE = "E[Outcome | do(Treated = 1)] - E[Outcome | do(Treated = 0)]"


def simulate(n: int, seed: int, nonlinear: bool = False) -> tuple[pd.DataFrame, float]:
    """Continuous and binary confounders, a heterogeneous effect; returns the data and the true ATE."""
    rng = np.random.default_rng(seed)
    age = rng.normal(0.0, 1.0, n)
    sick = (rng.random(n) < 1 / (1 + np.exp(-(0.5 + age)))).astype(int)
    treated = (rng.random(n) < 1 / (1 + np.exp(-(-0.3 + 1.2 * age - 0.8 * sick)))).astype(int)
    effect = 2.0 + 0.5 * age + 1.0 * sick
    base = (age**2 if nonlinear else 1.5 * age) - 2.0 * sick
    outcome = base + effect * treated + rng.normal(0.0, 1.0, n)
    # E[effect] = 2 + 0.5 E[age] + E[sick]; E[sick] = E[sigmoid(0.5 + age)], computed to high accuracy
    grid = np.random.default_rng(12345).normal(0.0, 1.0, 2_000_000)
    truth = 2.0 + float(np.mean(1 / (1 + np.exp(-(0.5 + grid)))))
    return pd.DataFrame({"Age": age, "Sick": sick, "Treated": treated, "Outcome": outcome}), truth


def test_the_planner_sends_continuous_identified_effects_to_back_door_adjustment():
    model = cp.loads(OBSERVATIONAL)
    data, truth = simulate(1500, 0)
    result = model.query(ATE, data=data, seed=0, draws=300)
    assert result.method == "g-formula"
    assert result.plan.engine == "adjustment"
    assert any("back-door" in reason for reason in result.plan.reasons)
    assert result.diagnostics["adjustment_sets"]["E[Outcome | do(Treated = 1)]"] == ["Age", "Sick"]
    assert "P(Outcome | Treated, Age, Sick)" in result.estimand
    low, high = result.interval
    assert low < truth < high
    assert low < result.estimate < high


def test_aipw_is_chosen_by_the_estimator_option_and_reported():
    model = cp.loads(OBSERVATIONAL)
    data, truth = simulate(1500, 1)
    result = model.query(ATE, data=data, seed=0, draws=300, estimator="aipw")
    assert result.method == "aipw" and result.plan.engine == "aipw"
    assert result.diagnostics["estimator"].startswith("back-door AIPW")
    assert 0 < result.diagnostics["smallest_propensity"] < 1
    low, high = result.interval
    assert low < truth < high


def test_aipw_is_doubly_robust_where_the_outcome_regression_is_wrong():
    """The outcome is quadratic in Age; the linear outcome model is biased, AIPW's propensity model is right."""
    model = cp.loads(OBSERVATIONAL)
    data, truth = simulate(6000, 2, nonlinear=True)
    gformula = model.query(ATE, data=data, seed=0, draws=200)
    aipw = model.query(ATE, data=data, seed=0, draws=200, estimator="aipw")
    assert abs(aipw.estimate - truth) < 0.15
    assert abs(gformula.estimate - truth) > 2 * abs(aipw.estimate - truth)
    low, high = aipw.interval
    assert low < truth < high


@pytest.mark.parametrize("estimator", ["gformula", "aipw"])
def test_95_percent_intervals_cover_the_true_effect_over_many_seeds(estimator):
    model = cp.loads(OBSERVATIONAL)
    seeds = range(300) if SLOW else range(100)
    covered = []
    for seed in seeds:
        data, truth = simulate(600, 1000 + seed)
        result = model.query(ATE, data=data, seed=seed, draws=300, estimator=estimator)
        low, high = result.interval
        covered.append(low <= truth <= high)
    assert np.mean(covered) >= 0.90


def test_binary_outcomes_use_a_logistic_model_and_stay_probabilities():
    model = cp.loads("""
    model Binary {
        Income : real
        Treated : bool <- Income
        Employed : bool <- Treated, Income
    }
    """)
    rng = np.random.default_rng(3)
    n = 4000
    income = rng.normal(size=n)
    treated = (rng.random(n) < 1 / (1 + np.exp(-income))).astype(int)
    employed = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 1.0 * treated + 1.5 * income)))).astype(int)
    data = pd.DataFrame({"Income": income, "Treated": treated, "Employed": employed})
    grid = np.random.default_rng(7).normal(size=1_000_000)
    truth = float(np.mean(1 / (1 + np.exp(-(0.5 + 1.5 * grid)))))
    result = model.query("P(Employed = 1 | do(Treated = 1))", data=data, seed=0, draws=300)
    assert 0 < result.interval[0] < truth < result.interval[1] < 1


def test_conditional_effects_average_over_the_rows_that_satisfy_the_evidence():
    model = cp.loads(OBSERVATIONAL)
    data, _ = simulate(4000, 4)
    result = model.query("E[Outcome | do(Treated = 1), Sick = 1] - E[Outcome | do(Treated = 0), Sick = 1]",
                         data=data, seed=0, draws=300)
    sick_age = data.loc[data.Sick == 1, "Age"]
    truth = 3.0 + 0.5 * float(sick_age.mean())  # the effect averaged over the sick units' ages
    assert result.interval[0] < truth < result.interval[1]


def test_identify_queries_with_continuous_variables_get_the_estimand_and_an_estimate():
    model = cp.loads(OBSERVATIONAL)
    data, _ = simulate(800, 5)
    result = model.query("identify E[Outcome | do(Treated = 1)]", data=data, seed=0, draws=200)
    assert result.identifiable is True and result.kind == "identify"
    assert result.estimand.startswith("E[Outcome | do(Treated = 1)] = sum_{Age, Sick}")
    assert result.estimate is not None and result.interval is not None
    without_data = model.query("identify E[Outcome | do(Treated = 1)]")
    assert without_data.identifiable is True and without_data.estimate is None
    assert "sum_{Age, Sick}" in without_data.estimand


def test_an_unidentified_continuous_effect_is_refused_with_the_reasons():
    model = cp.loads("""
    model Confounded {
        X : bool
        Y : real <- X
        X <-> Y
    }
    """)
    data = pd.DataFrame({"X": [0, 1, 0, 1], "Y": [0.1, 0.5, 0.2, 0.9]})
    plan = model.plan("E[Y | do(X = 1)]", data=data)
    why_not = dict(plan.alternatives)
    assert plan.engine != "adjustment"
    assert why_not["adjustment"] == "the query is not identified from the observed variables"
    assert why_not["bounds-estimate"] == "'Y' is real; bounds need every observed variable finite"
    with pytest.raises(cp.CausalPPLError):
        model.query("E[Y | do(X = 1)]", data=data)


def test_same_seed_same_answer_and_the_contrast_shares_its_draws():
    model = cp.loads(OBSERVATIONAL)
    data, _ = simulate(500, 6)
    first = model.query(ATE, data=data, seed=3, draws=200)
    again = model.query(ATE, data=data, seed=3, draws=200)
    assert first.estimate == again.estimate and first.interval == again.interval
    treated = model.query("E[Outcome | do(Treated = 1)]", data=data, seed=3, draws=200)
    # common weights: the contrast's spread is far below the sum of the arms' spreads
    assert first.diagnostics["posterior_sd"] < 2 * treated.diagnostics["posterior_sd"]


def test_front_door_with_a_continuous_mediator_by_plug_in():
    model = cp.loads("""
    model FrontDoor {
        X : bool
        M : real <- X
        Y : real <- M
        X <-> Y
    }
    """)
    rng = np.random.default_rng(8)
    n = 2000
    u = rng.normal(size=n)
    x = (rng.random(n) < 1 / (1 + np.exp(-1.5 * u))).astype(int)
    m = 1 + 2 * x + rng.normal(size=n)
    y = 0.5 * m + 2 * u + rng.normal(size=n)
    data = pd.DataFrame({"X": x, "M": m, "Y": y})
    result = model.query("E[Y | do(X = 1)] - E[Y | do(X = 0)]", data=data, seed=0, draws=300)
    assert result.method == "plug-in" and result.plan.engine == "plug-in"
    assert result.estimand == "sum_{M} P(M | X) sum_{X'} P(X') P(Y | X', M)"
    assert abs(result.estimate - 1.0) < 3 * result.diagnostics["posterior_sd"]  # truth: 0.5 * 2 = 1
    naive = data.Y[data.X == 1].mean() - data.Y[data.X == 0].mean()
    assert naive > 2.0  # confounded: the plug-in undoes it
    with pytest.raises(cp.CausalPPLError, match="adjustment: no back-door adjustment set"):
        model.query("E[Y | do(X = 1)]", data=data, estimator="gformula")


def test_plug_in_answers_an_effect_whose_outcome_has_no_adjustment_columns():
    """P(V3 | do(V2)) where V2 does not reach V3: the estimand is P(V3), a regression on no columns."""
    model = cp.loads("""model Unreached {
        V0 : {lo, mid, hi} ~ Categorical([0.46, 0.43, 0.11])
        V2 ~ Poisson(2)
        V3 : bool ~ table(V0) {
            lo : [0.85, 0.15]
            mid : [0.41, 0.59]
            hi : [0.59, 0.41]
        }
        V4 : bool <- V0
        V3 <-> V2
    }""")
    rows = pd.DataFrame({"V0": ["hi", "mid", "lo", "mid"], "V2": [5, 6, 2, 1], "V3": [0, 1, 1, 0],
                         "V4": [1, 1, 0, 0], "count": [3, 4, 2, 3]})
    answer = model.query("P(V3 = true | do(V2 = 5))", data=rows, seed=0)
    assert answer.estimate == pytest.approx(6 / 12, abs=0.02)


# ------------------------------------------------------------- positivity ----


@pytest.mark.parametrize("estimator", ["gformula", "aipw"])
def test_an_arm_no_unit_is_in_is_refused_not_extrapolated(estimator):
    model = cp.loads(OBSERVATIONAL)
    data, _ = simulate(300, 2)
    untreated = data[data.Treated == 0]
    with pytest.raises(cp.CausalPPLError) as caught:
        model.query(ATE, data=untreated, seed=0, draws=50, estimator=estimator)
    text = str(caught.value)
    assert "<query>:1:1: error: no unit has Treated = 1" in text
    assert "E[Outcome | Treated = 1, Age, Sick] is undefined (positivity fails)" in text
    assert "collect units with Treated = 1" in text


@pytest.mark.parametrize("estimator", ["gformula", "aipw"])
def test_a_finite_covariate_level_missing_from_an_arm_is_refused_with_its_share(estimator):
    model = cp.loads(OBSERVATIONAL)
    data, _ = simulate(600, 3)
    data = data[~((data.Sick == 1) & (data.Treated == 1))]  # the sick are never treated
    share = (data.Sick == 1).mean()
    with pytest.raises(cp.CausalPPLError) as caught:
        model.query(ATE, data=data, seed=0, draws=50, estimator=estimator)
    text = str(caught.value)
    assert f"no unit has Sick = 1, Treated = 1, but P(Sick = 1) = {share:.3g}" in text
    assert "E[Outcome | Treated = 1, Age, Sick = 1] is undefined (positivity fails)" in text
    assert "leave 'Sick' out of the data" in text
    treated_only = model.query("E[Outcome | do(Treated = 0)]", data=data, seed=0, draws=50, estimator=estimator)
    assert np.isfinite(treated_only.estimate)  # the arm every stratum is in answers as before


def test_a_level_absent_from_the_averaged_rows_needs_no_units_in_the_arm():
    """The effect among the healthy needs no treated sick units."""
    model = cp.loads(OBSERVATIONAL)
    data, _ = simulate(1500, 4)
    data = data[~((data.Sick == 1) & (data.Treated == 1))]
    result = model.query("E[Outcome | do(Treated = 1), Sick = 0] - E[Outcome | do(Treated = 0), Sick = 0]",
                         data=data, seed=0, draws=200)
    assert result.method == "g-formula"
    truth = 2.0 + 0.5 * float(data.Age[data.Sick == 0].mean())  # the effect 2 + 0.5 Age, over the healthy rows
    assert abs(result.estimate - truth) < 4 * result.diagnostics["posterior_sd"]


def test_the_plug_in_refuses_a_treatment_value_no_unit_has():
    model = cp.loads("model FrontDoor {\n X : bool\n M : real <- X\n Y : real <- M\n X <-> Y\n}")
    rng = np.random.default_rng(9)
    m = rng.normal(size=200)
    data = pd.DataFrame({"X": np.zeros(200, dtype=int), "M": m, "Y": 0.5 * m + rng.normal(size=200)})
    with pytest.raises(cp.CausalPPLError, match=r"no unit has X = 1: P\(M \| X = 1\) is undefined"):
        model.query("E[Y | do(X = 1)] - E[Y | do(X = 0)]", data=data, seed=0, draws=50)
