"""Undefined answers are errors, never numbers: nan, inf, means that do not exist, division by zero."""

from __future__ import annotations

import json

import pytest

import causalppl as cp
from causalppl.cli import main
from causalppl.diagnostics import CausalPPLError


def error_of(source: str, query: str, **options) -> str:
    with pytest.raises(CausalPPLError) as caught:
        cp.loads(source).query(query, **{"samples": 500, "seed": 1, **options})
    return caught.value.render()


@pytest.mark.parametrize("source,query", [
    ("model M {\n  X ~ Cauchy(0, 1)\n}\n", "E[X]"),
    ("model M {\n  X ~ HalfCauchy(1)\n  Y := 2 * X + 1\n}\n", "E[Y]"),
    ("model M {\n  X ~ StudentT(1, 0, 1)\n}\n", "E[abs(X)]"),
    ("model M {\n  X ~ Cauchy(0, 1)\n  Y ~ Normal(X, 1)\n}\n", "E[Y]"),
], ids=["cauchy", "derived", "studentt-df1", "location"])
def test_the_mean_of_something_without_one_is_refused(source, query):
    text = error_of(source, query)
    assert "the answer is undefined" in text and "which has no mean" in text


HEAVY_CAUSE = "model M {\n  X ~ Cauchy(0, 1)\n  Y ~ Normal(X, 1)\n  Z ~ Normal(0, 1)\n}\n"


@pytest.mark.parametrize("query", ["E[X[Y = 0]]", "E[Y[Z = 1]]", "E[2 * X[Z = 0] + 1]"])
def test_a_single_potential_outcome_without_a_mean_is_refused(query):
    text = error_of(HEAVY_CAUSE, query)
    assert "the answer is undefined" in text and "which has no mean" in text


@pytest.mark.parametrize("query, value", [("E[Y[X = 0]]", 0.0), ("E[2 * Y[X = 1] + 1]", 3.0),
                                          ("E[Y[X = 1] - Y[X = 0]]", 1.0)])
def test_potential_outcomes_with_a_mean_are_answered(query, value):
    assert cp.loads(HEAVY_CAUSE).query(query, samples=2000, seed=1).estimate == pytest.approx(value, abs=0.2)


@pytest.mark.parametrize("query", ["P(X > 0)", "E[X > 0]", "E[sigmoid(X)]", "E[X | do(X = 1)]"])
def test_bounded_functions_of_heavy_variables_keep_a_mean(query):
    result = cp.loads("model M {\n  X ~ Cauchy(0, 1)\n}\n").query(query, samples=500, seed=1, method="mc")
    assert 0 <= result.estimate <= 1


def test_a_ratio_with_a_zero_probability_denominator_is_undefined():
    text = error_of("model M {\n  X ~ Uniform(0, 1)\n}\n", "P(X > 0.5) / P(X > 2)", method="mc")
    assert "the answer is undefined" in text and "is nan" in text


def test_a_mean_beyond_the_largest_number_says_it_overflows():
    # a quarter of the draws are past exp(88), beyond the 32-bit floats the programs compute with
    text = error_of("model M {\n  X ~ LogNormal(0, 130)\n}\n", "E[X]", method="mc")
    assert "the estimate of E[X] is inf" in text and "3.4e38" in text and "rescale the model" in text


def test_dividing_a_query_by_the_number_zero_is_located():
    text = error_of("model M {\n  X ~ Uniform(0, 1)\n}\n", "P(X > 0.5) / 0")
    assert text.startswith("<query>:1:14: error: division by zero")


def test_no_json_null_where_a_number_is_promised(tmp_path, capsys):
    path = tmp_path / "m.scm"
    path.write_text("model M {\n  X ~ Normal(0, 1)\n  Y := sqrt(X)\n}\nquery q = E[Y]\n")
    assert main(["run", str(path), "--format", "json", "--samples", "200", "--seed", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" or "null" not in json.dumps(json.loads(captured.out)["queries"][0]["estimate"])
    assert "m.scm:3:5: error: the value of 'Y' is not a finite number" in captured.err


def test_a_distribution_query_on_a_model_with_unknown_mechanisms_is_not_sent_to_the_event_estimator():
    # Found by the end-to-end property test: P(V) (a distribution) reached the identification estimator,
    # which takes events only, and failed with a KeyError.
    model = cp.loads("model M {\n  A : bool\n  B : bool <- A\n}\n")
    data = __import__("pandas").DataFrame({"A": [0, 1, 1, 0], "B": [1, 1, 0, 0]})
    plan = model.plan("P(B)", data=data)
    assert plan.engine != "identification-estimate"
    result = model.query("P(B)", data=data, samples=50, seed=1, num_samples=20, num_warmup=10, num_chains=1)
    assert sum(result.distribution.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("source, query", [
    ("model Z {\n  X ~ Bernoulli(0)\n  Y ~ Bernoulli(0.5 + 0.2 * X)\n  W ~ Normal(Y, 1)\n}\n", "P(W > 0 | X = 1)"),
    ("model Z {\n  X ~ Bernoulli(1)\n  W ~ Normal(X, 1)\n}\n", "E[W | X = 0]"),
    ("model Z {\n  X : {a, b, c} ~ Categorical([0.5, 0.5, 0])\n  Y ~ Normal(0, 1)\n}\n", "P(Y > 0 | X = c)"),
    ("model Z {\n  N ~ Binomial(3, 0)\n  Y ~ Normal(N, 1)\n}\n", "E[Y | N = 2]"),
], ids=["bernoulli-0", "bernoulli-1", "categorical", "binomial"])
def test_evidence_the_model_makes_impossible_is_refused_by_weighting_too(source, query):
    """Monte Carlo weights by the likelihood; torch's clamped probabilities must not make impossible evidence
    possible (the answer used to be a number)."""
    text = error_of(source, query, method="mc")
    assert "no simulated unit matched the evidence" in text
    # the planner's choice (exact enumeration where the query's tables are finite) refuses it as well
    assert "probability zero" in error_of(source, query) or "no simulated unit" in error_of(source, query)


def test_impossible_evidence_on_the_finite_part_of_a_model_is_refused_exactly():
    """A query that reads only finite variables is answered by the exact engine even next to a real barren
    variable, and the exact engine names impossible evidence as such."""
    source = "model Z {\n  X ~ Bernoulli(0)\n  Y ~ Bernoulli(0.5 + 0.2 * X)\n  W ~ Normal(0, 1)\n}\n"
    text = error_of(source, "P(Y = 1 | X = 1)")
    assert "probability zero" in text


def test_possible_evidence_next_to_an_impossible_value_is_answered():
    model = cp.loads("model Z {\n  X : {a, b, c} ~ Categorical([0.5, 0.5, 0])\n  Y ~ Normal(X == b, 1)\n}\n")
    assert model.query("E[Y | X = b]", samples=4000, seed=1).estimate == pytest.approx(1.0, abs=0.1)
