"""Expectations of real variables with finite parents are read through their means given the parents: exact,
with no samples, where the expression is affine in them and nothing else the query reads descends from them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.backends.means import is_affine_in

MODEL = """model A {
  Z ~ Bernoulli(0.3)
  T ~ Bernoulli(if Z then 0.8 else 0.2)
  M ~ Normal(2 * T, 1)
  Y ~ Normal(M + 3 * Z + 1, 2)
  W ~ Exponential(if T then 1 else 0.5)
  C ~ Cauchy(T, 1)
  K ~ Bernoulli(if Y > 2 then 0.9 else 0.1)
  L ~ LogNormal(T, 0.5)
  R := 2 * T + Z
}
"""
P_T = 0.3 * 0.8 + 0.7 * 0.2
P_Z_GIVEN_T = 0.3 * 0.8 / P_T


@pytest.mark.parametrize("query, expected", [
    ("E[Y | do(T = 1)] - E[Y | do(T = 0)]", 2.0),  # the effect through M
    ("E[Y]", 2 * P_T + 3 * 0.3 + 1),
    ("E[Y | T = 1]", 2 + 3 * P_Z_GIVEN_T + 1),
    ("E[Y * T]", P_T * (2 + 3 * P_Z_GIVEN_T + 1)),
    ("E[W]", P_T * 1 + (1 - P_T) * 2),
    ("E[L]", P_T * math.exp(1 + 0.125) + (1 - P_T) * math.exp(0.125)),
    ("E[R * R]", P_T * (1 - P_Z_GIVEN_T) * 4 + 0.3 * 0.8 * 9 + 0.7 * 0.8 * 0 + 0.3 * 0.2 * 1),  # := is exact
])
def test_expectations_through_means_are_exact(query, expected):
    model = cp.loads(MODEL)
    assert model.plan(query).engine == "exact"
    result = model.query(query)
    assert result.method == "exact" and result.estimate == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("query", [
    "E[Y | K = 1]",  # K descends from Y: observing it moves Y off its mean given the parents
    "E[Y * Y]",  # not affine: it needs Y's variance
    "E[M * Y]",  # Y's mean reads M: M * M is not affine
])
def test_expectations_a_mean_does_not_give_are_simulated(query):
    assert cp.loads(MODEL).plan(query).engine in ("monte-carlo", "weighting")


def test_a_variable_without_a_mean_is_still_refused():
    with pytest.raises(cp.CausalPPLError, match="Cauchy variable, which has no mean"):
        cp.loads(MODEL).query("E[C]", seed=1, samples=1000)


def test_the_exact_mean_lies_in_monte_carlos_interval():
    model = cp.loads(MODEL)
    exact = model.query("E[Y | do(T = 1)]").estimate
    sampled = model.query("E[Y | do(T = 1)]", method="mc", samples=40_000, seed=2)
    assert sampled.interval[0] < exact < sampled.interval[1]


@pytest.mark.parametrize("text, affine", [
    ("E[3 * Y - T]", True), ("E[Y / 2 + 1]", True), ("E[if T then Y else 2 * Y]", True),
    ("E[Y * Y]", False), ("E[exp(Y)]", False), ("E[1 / Y]", False), ("E[if Y > 0 then 1 else 0]", False),
])
def test_affinity(text, affine):
    model = cp.loads("model B { Y ~ Normal(0, 1)\n T ~ Bernoulli(0.5) }")
    assert is_affine_in(model._check_query_text(text).term.expr, {"Y"}) is affine


@settings(max_examples=25, deadline=None)
@given(a=st.integers(-5, 5), b=st.integers(-5, 5), p=st.sampled_from([0.1, 0.3, 0.5, 0.8]),
       scale=st.sampled_from([0.5, 1, 3]))
def test_the_average_effect_of_a_linear_gaussian_outcome_is_its_coefficient(a, b, p, scale):
    source = (f"model L {{\n  X ~ Bernoulli({p})\n  U ~ Bernoulli(0.5)\n"
              f"  Y ~ Normal({a} * X + {b} * U, {scale})\n}}\n")
    model = cp.loads(source)
    effect = model.query("E[Y | do(X = 1)] - E[Y | do(X = 0)]")
    assert effect.method == "exact" and effect.estimate == pytest.approx(a, abs=1e-12)
    assert model.query("E[Y]").estimate == pytest.approx(a * p + b * 0.5, abs=1e-12)


def test_a_real_variable_observed_at_a_point_is_that_number_in_the_expression():
    model = cp.loads(MODEL)
    # P(Z = 1 | M = 0.5): M's likelihood under T, with Z and T's joint
    lik_one, lik_zero = math.exp(-0.5 * 1.5 ** 2), math.exp(-0.5 * 0.5 ** 2)
    z_one = 0.3 * (0.8 * lik_one + 0.2 * lik_zero)
    z_zero = 0.7 * (0.2 * lik_one + 0.8 * lik_zero)
    expected = 0.5 + 3 * z_one / (z_one + z_zero) + 1
    assert model.plan("E[Y | M = 0.5]").engine == "exact"
    assert model.query("E[Y | M = 0.5]").estimate == pytest.approx(expected, rel=1e-12)
    assert model.query("E[M * M | M = 0.5]").estimate == pytest.approx(0.25, abs=1e-15)
    assert model.plan("E[Y | M > 0.5]").engine == "weighting"  # Y reads M itself, which an interval does not fix
