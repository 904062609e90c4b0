"""Evidence at a point on a real variable (``S = 3.2``) is a likelihood of its finite parents: the exact engine
answers such queries in closed form, where likelihood weighting gave an estimate with an interval."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.diagnostics import CausalPPLError

TEST = """model T {
  D ~ Bernoulli(0.1)
  E ~ Bernoulli(0.5)
  S ~ Normal(if D then 5 else 2, 1)
  S2 ~ Normal(if D and E then 4 else 1, 2)
  X ~ Exponential(if D then 1 else 2)
  N ~ Poisson(if D then 5 else 1)
  R := D + E
  R2 ~ Normal(S, 1)
  K ~ Bernoulli(if S > 3 then 0.9 else 0.1)
}
"""


def normal(x: float, mean: float, sd: float) -> float:
    return math.exp(-((x - mean) / sd) ** 2 / 2) / sd


def bayes(prior: float, one: float, zero: float) -> float:
    return prior * one / (prior * one + (1 - prior) * zero)


@pytest.mark.parametrize("query, expected", [
    ("P(D = 1 | S = 3.2)", bayes(0.1, normal(3.2, 5, 1), normal(3.2, 2, 1))),
    ("E[D | S = 3.2]", bayes(0.1, normal(3.2, 5, 1), normal(3.2, 2, 1))),
    ("P(D = 1 | N = 3)", bayes(0.1, math.exp(-5) * 5 ** 3, math.exp(-1))),  # a count: its probability
    ("P(D = 1 | X = 0.5)", bayes(0.1, math.exp(-0.5), 2 * math.exp(-1))),
    ("P(D = 1 | R = 1)", 0.1),  # a deterministic real variable: the event D + E = 1
    ("P(K = 1 | S = 3.2)", 0.9),  # a child reads the observed number
    ("P(E = 1 | do(D = 1), S2 = 3)", bayes(0.5, normal(3, 4, 2), normal(3, 1, 2))),
    ("P(D = 1 | S = 3.2, S2 = 0.5)",
     0.1 * normal(3.2, 5, 1) * (0.5 * normal(0.5, 4, 2) + 0.5 * normal(0.5, 1, 2))
     / (0.1 * normal(3.2, 5, 1) * (0.5 * normal(0.5, 4, 2) + 0.5 * normal(0.5, 1, 2))
        + 0.9 * normal(3.2, 2, 1) * normal(0.5, 1, 2))),
])
def test_point_evidence_on_a_real_variable_is_answered_exactly(query, expected):
    model = cp.loads(TEST)
    plan = model.plan(query)
    assert plan.engine == "exact"
    result = model.query(query)
    assert result.method == "exact"
    assert result.estimate == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_the_exact_answer_lies_in_likelihood_weightings_interval():
    model = cp.loads(TEST)
    exact = model.query("P(D = 1 | S = 3.2)").estimate
    weighted = model.query("P(D = 1 | S = 3.2)", method="mc", samples=40_000, seed=3)
    assert weighted.method == "mc" and weighted.interval[0] < exact < weighted.interval[1]


def test_a_distribution_given_a_point_sums_to_one():
    distribution = cp.loads(TEST).query("P(D | S = 3.2)").distribution
    assert sum(distribution.values()) == pytest.approx(1.0, abs=1e-15)
    assert distribution["1"] == pytest.approx(bayes(0.1, normal(3.2, 5, 1), normal(3.2, 2, 1)), rel=1e-12)


@pytest.mark.parametrize("query", ["P(D = 1 | X = -1)", "P(D = 1 | R = 1.5)"])
def test_a_point_outside_the_support_is_impossible_evidence(query):
    with pytest.raises(CausalPPLError, match="the evidence has probability zero"):
        cp.loads(TEST).query(query)


@pytest.mark.parametrize("query", [
    "P(D = 1 | R2 = 3)",  # R2's parent S is real: its likelihood is not a table of finite parents
    "P(S > 3 | S = 3.2)",  # the query reads S itself
])
def test_points_that_are_not_a_likelihood_of_finite_parents_are_weighted(query):
    assert cp.loads(TEST).plan(query).engine == "weighting"


@settings(max_examples=30, deadline=None)
@given(prior=st.floats(0.05, 0.95).map(lambda x: round(x, 3)), mean_one=st.floats(-3, 3).map(lambda x: round(x, 3)),
       mean_zero=st.floats(-3, 3).map(lambda x: round(x, 3)), sd=st.floats(0.3, 3).map(lambda x: round(x, 3)),
       observed=st.floats(-4, 4).map(lambda x: round(x, 3)))
def test_bayes_rule_for_a_normal_observation(prior, mean_one, mean_zero, sd, observed):
    source = f"model B {{\n  D ~ Bernoulli({prior!r})\n  S ~ Normal(if D then {mean_one!r} else {mean_zero!r}, {sd!r})\n}}\n"
    got = cp.loads(source).query(f"P(D = 1 | S = {observed!r})").estimate
    assert got == pytest.approx(bayes(prior, normal(observed, mean_one, sd), normal(observed, mean_zero, sd)),
                                rel=1e-9, abs=1e-12)


# ------------------------------------------------------------ rows of points ----


def test_rows_of_real_evidence_are_scored_exactly_in_one_batch():
    import numpy as np
    import pandas as pd

    model = cp.loads(TEST)
    rng = np.random.default_rng(0)
    rows = pd.DataFrame({"S": rng.normal(3, 2, 300).round(3), "S2": rng.normal(2, 2, 300).round(3)})
    scored = model.score(rows, ["p = P(D = 1 | S)", "both = P(E = 1 | S, S2)", "d = P(D | S)"])
    assert "p_lo" not in scored.columns  # exact: no interval
    expected = [bayes(0.1, normal(s, 5, 1), normal(s, 2, 1)) for s in rows["S"]]
    assert scored["p"].tolist() == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert (scored["d[1]"] + scored["d[0]"]).tolist() == pytest.approx([1.0] * 300, abs=1e-12)
    for k in (0, 17, 299):  # the same as the single query with the row's numbers
        s, s2 = float(rows["S"][k]), float(rows["S2"][k])
        single = model.query(f"P(E = 1 | S = {s!r}, S2 = {s2!r})").estimate
        assert scored["both"][k] == pytest.approx(single, rel=1e-9)


def test_a_row_whose_point_is_impossible_is_named():
    import pandas as pd

    with pytest.raises(CausalPPLError, match=r"row 2: the evidence \(X = -1\) has probability zero"):
        cp.loads(TEST).score(pd.DataFrame({"X": [0.5, -1.0]}), "P(D = 1 | X)")


def test_a_leaf_reading_a_child_of_the_point_is_not_scored_by_likelihoods():
    import pandas as pd

    # K reads each row's own S: one joint cannot serve every row, so the general (sampled) way answers
    scored = cp.loads(TEST).score(pd.DataFrame({"S": [3.2, 1.0]}), "k = P(K = 1 | S)", seed=1)
    assert "k_lo" in scored.columns


def test_rows_are_weighed_in_slices_within_the_memory_budget(monkeypatch):
    import numpy as np
    import pandas as pd

    from causalppl.inference.estimate import exact

    model = cp.loads(TEST)
    rows = pd.DataFrame({"S": np.linspace(0, 6, 101), "S2": np.linspace(-2, 4, 101)})
    whole = model.score(rows, "p = P(E = 1 | S, S2)")
    monkeypatch.setattr(exact, "POINT_ROWS_BYTES", 1)  # one row per slice
    sliced = model.score(rows, "p = P(E = 1 | S, S2)")
    assert sliced["p"].tolist() == pytest.approx(whole["p"].tolist(), rel=1e-12)


def test_a_distribution_of_a_variable_the_do_fixes_is_its_level_on_every_row():
    import pandas as pd

    scored = cp.loads(TEST).score(pd.DataFrame({"S": [3.2, 1.0]}), "d = P(D | do(D = 1), S)")
    assert scored["d[1]"].tolist() == [1.0, 1.0] and scored["d[0]"].tolist() == [0.0, 0.0]


# ------------------------------------------------------------ inequalities ----


def normal_above(x: float, mean: float, sd: float) -> float:
    return 0.5 * math.erfc((x - mean) / (sd * math.sqrt(2)))


@pytest.mark.parametrize("query, expected", [
    ("P(D = 1 | S > 3)", bayes(0.1, normal_above(3, 5, 1), normal_above(3, 2, 1))),
    ("P(D = 1 | S <= 3)", bayes(0.1, 1 - normal_above(3, 5, 1), 1 - normal_above(3, 2, 1))),
    ("P(D = 1 | X > 1)", bayes(0.1, math.exp(-1), math.exp(-2))),
    ("P(D = 1 | X > -1)", 0.1),  # below the support: the event is sure
    ("P(D = 1 | R >= 1)", 0.1 / 0.55),  # a deterministic real variable: the event D + E >= 1
])
def test_inequality_evidence_on_a_real_variable_is_answered_exactly(query, expected):
    model = cp.loads(TEST)
    assert model.plan(query).engine == "exact"
    assert model.query(query).estimate == pytest.approx(expected, rel=1e-12)


def test_inequality_evidence_whose_variable_a_read_child_reads_is_weighted():
    # K reads S itself: the event S > 3 does not say what K reads
    assert cp.loads(TEST).plan("P(K = 1 | S > 3)").engine == "weighting"


def test_inequality_evidence_on_a_family_without_a_cdf_is_weighted():
    model = cp.loads("model B {\n  D ~ Bernoulli(0.1)\n  B ~ Beta(2, if D then 1 else 3)\n}\n")
    assert model.plan("P(D = 1 | B > 0.5)").engine == "weighting"


# ------------------------------------------------------------ events on real variables ----


def poisson(n: int, rate: float) -> float:
    return math.exp(-rate) * rate ** n / math.factorial(n)


@pytest.mark.parametrize("query, expected", [
    ("P(S > 3)", 0.1 * normal_above(3, 5, 1) + 0.9 * normal_above(3, 2, 1)),
    ("P(S > 3 | D = 1)", normal_above(3, 5, 1)),
    ("P(S > 3, D = 1)", 0.1 * normal_above(3, 5, 1)),
    ("P(S > 3 | do(D = 1))", normal_above(3, 5, 1)),
    ("P(N = 3)", 0.1 * poisson(3, 5) + 0.9 * poisson(3, 1)),
    ("P(R = 1)", 0.5),
    ("P(N = 3 | S = 4)", (0.1 * normal(4, 5, 1) * poisson(3, 5) + 0.9 * normal(4, 2, 1) * poisson(3, 1))
     / (0.1 * normal(4, 5, 1) + 0.9 * normal(4, 2, 1))),
    ("P(S > 3) - P(S > 4)", 0.1 * (normal_above(3, 5, 1) - normal_above(4, 5, 1))
     + 0.9 * (normal_above(3, 2, 1) - normal_above(4, 2, 1))),
])
def test_events_on_a_real_variable_with_finite_parents_are_answered_exactly(query, expected):
    model = cp.loads(TEST)
    assert model.plan(query).engine == "exact"
    assert model.query(query).estimate == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("query", [
    "P(S = 3)",  # a point of a continuous variable: its probability is not a density
    "P(K = 1, S > 3)",  # K reads S itself
])
def test_events_that_are_not_a_probability_of_finite_parents_are_simulated(query):
    assert cp.loads(TEST).plan(query).engine == "monte-carlo"


# ------------------------------------------------------------ regressions ----


@pytest.mark.parametrize("query", ["P(X < 0)", "P(X < 0 | D = 1)", "P(X < 0, D = 1)", "P(R = 5)", "P(N = -1)"])
def test_an_impossible_event_has_probability_zero_not_an_error(query):
    assert cp.loads(TEST).query(query).estimate == 0.0


def test_points_far_in_the_tails_keep_their_digits():
    from scipy.stats import norm

    model = cp.loads("model T {\n  D ~ Bernoulli(0.3)\n  S ~ Normal(if D then 0 else 0.1, 1)\n}\n")

    def posterior(value: float, above: bool) -> float:
        one = norm.sf(value, 0, 1) if above else norm.cdf(value, 0, 1)
        zero = norm.sf(value, 0.1, 1) if above else norm.cdf(value, 0.1, 1)
        return bayes(0.3, one, zero)

    for value in (7.5, 8.0, 9.0, 20.0):
        assert model.query(f"P(D = 1 | S > {value})").estimate == pytest.approx(posterior(value, True), rel=1e-9)
    assert model.query("P(D = 1 | S < -8.5)").estimate == pytest.approx(posterior(-8.5, False), rel=1e-9)
    assert model.query("P(S > 9.0)").estimate == pytest.approx(0.3 * norm.sf(9) + 0.7 * norm.sf(9, 0.1), rel=1e-9)
    # a point where every density underflows: scaled by the largest before it is exponentiated
    assert model.query("P(D = 1 | S = 45)").estimate == pytest.approx(
        1 / (1 + 0.7 / 0.3 * math.exp(-0.5 * (45 - 0.1) ** 2 + 0.5 * 45 ** 2)), rel=1e-9)


def test_a_far_point_in_a_scored_row_is_answered():
    import pandas as pd

    scored = cp.loads(TEST).score(pd.DataFrame({"S": [3.2, 100.0]}), "p = P(D = 1 | S)")
    assert scored["p"].tolist() == pytest.approx([bayes(0.1, normal(3.2, 5, 1), normal(3.2, 2, 1)), 1.0])


@pytest.mark.parametrize("frame, query", [
    ({"S": [3.2, 5.0]}, "p = P(D = 1 | S, K = 1)"),  # fixed evidence on a child of the per-row point
    ({"E": [1, 0]}, "p = P(D = 1 | E, R2 = 1.0)"),  # a point whose parent is real
    ({"E": [1, 0]}, "p = P(D = 1 | E, R2 > 1.0)"),
])
def test_rows_the_likelihoods_cannot_answer_go_the_sampled_way(frame, query):
    import pandas as pd

    scored = cp.loads(TEST).score(pd.DataFrame(frame), query, seed=1, draws_per_row=200)
    assert "p_lo" in scored.columns and scored["p"].between(0, 1).all()


def test_gamma_events_whose_shape_depends_on_a_parent():
    from scipy import stats

    model = cp.loads("model A {\n  T ~ Bernoulli(0.3)\n  S ~ Gamma(if T then 3 else 0.5, 2)\n}\n")
    expected = 0.3 * stats.gamma.sf(1, 3, scale=0.5) + 0.7 * stats.gamma.sf(1, 0.5, scale=0.5)
    assert model.query("P(S > 1)").estimate == pytest.approx(expected, rel=1e-12)
    # far out the tail is its asymptote, not an underflow to 'probability zero'
    far = cp.loads("model A {\n  T ~ Bernoulli(0.3)\n  S ~ Gamma(if T then 3 else 0.5, if T then 2 else 0.5)\n}\n")
    assert far.query("P(T = 1 | S > 3000)").estimate == pytest.approx(0.0, abs=1e-300)


@pytest.mark.parametrize("family, lower", [
    ("HalfCauchy", lambda v, s: math.atan(v / s)), ("HalfNormal", lambda v, s: math.erf(v / s / math.sqrt(2))),
])
def test_half_families_keep_their_digits_near_zero(family, lower):
    model = cp.loads(f"model A {{\n  T ~ Bernoulli(0.3)\n  S ~ {family}(if T then 2 else 0.5)\n}}\n")
    for value in (1e-12, 1e-16, 1e-20):
        one, zero = lower(value, 2), lower(value, 0.5)
        assert model.query(f"P(T = 1 | S < {value!r})").estimate == pytest.approx(bayes(0.3, one, zero), rel=1e-9)


def test_a_point_where_the_density_is_infinite_says_what_to_ask_instead():
    model = cp.loads("model B {\n  D ~ Bernoulli(0.3)\n  S ~ Beta(if D then 0.5 else 1, 1)\n}\n")
    with pytest.raises(CausalPPLError, match="the density of 'S' at 0 is infinite") as caught:
        model.query("P(D = 1 | S = 0)")
    assert "S < 0.001" in caught.value.render()


def test_a_count_a_binomial_cannot_reach_is_impossible_not_merely_unlikely():
    # torch clamps a probability of 0 or 1 before taking logs: N = 2 under Binomial(3, 0) must stay impossible
    model = cp.loads("model Z {\n  D ~ Bernoulli(0.5)\n  N ~ Binomial(3, if D then 0 else 1)\n}\n")
    assert model.query("P(N = 2)").estimate == 0.0
    assert model.query("P(N = 3)").estimate == pytest.approx(0.5)
    assert model.query("P(D = 1 | N = 0)").estimate == pytest.approx(1.0)
    with pytest.raises(CausalPPLError, match="the evidence has probability zero"):
        model.query("P(D = 1 | N = 2)")
