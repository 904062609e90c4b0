"""The shared examples reach their externally sourced answers (EXPECTED.md)."""

import pytest

import causalppl as cp


def _results(path):
    return {r.name or r.text: r for r in cp.load(path).run(seed=0)}


def test_vitamin_a_balke_pearl_bounds(shared_examples):
    results = _results(shared_examples / "vitamin_a.scm")
    assert results["ace"].bounds == pytest.approx((-0.1946, 0.0054), abs=1e-3)
    assert results["p0"].bounds == pytest.approx((0.9936, 0.9936), abs=1e-3)
    assert results["p1"].bounds == pytest.approx((0.7990, 0.9990), abs=1e-3)
    assert results["ace"].estimate is None and results["p0"].estimate == pytest.approx(0.9936, abs=1e-3)
    low, high = results["ace"].interval
    assert low <= results["ace"].bounds[0] and results["ace"].bounds[1] <= high


@pytest.mark.parametrize("query, expected", [
    ("P(Dyspnoea | do(Smoker = True))", {"True": 0.3112, "False": 0.6888}),
    ("P(Cancer | do(Pollution = high))", {"True": 0.029, "False": 0.971}),
    ("P(Xray | do(Smoker = True), Pollution = low)", {"positive": 0.221, "negative": 0.779}),
])
def test_cancer_network(shared_examples, query, expected):
    result = cp.load(shared_examples / "cancer.scm").query(query)
    assert result.method == "exact"
    assert result.distribution == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("query, expected", [
    ("P(T | do(E = high))", {"car": 0.5594, "train": 0.2835, "other": 0.1571}),
    ("P(T | do(E = uni), S = F)", {"car": 0.56896, "train": 0.27312, "other": 0.15792}),
    ("P(O | do(A = young))", {"emp": 0.94824, "self": 0.05176}),
])
def test_survey_network(shared_examples, query, expected):
    result = cp.load(shared_examples / "survey.scm").query(query)
    assert result.distribution == pytest.approx(expected, abs=1e-6)


def test_chain_counterfactuals(shared_examples):
    results = _results(shared_examples / "chain_cf.scm")
    assert results["y_z0"].estimate == pytest.approx(2.0, abs=0.02)
    assert results["y_x0"].estimate == pytest.approx(3.0, abs=0.02)
    assert results["ate"].estimate == pytest.approx(3.0, abs=0.05)
    for name in ("y_z0", "y_x0"):  # the noise is pinned: no spread
        spread = results[name].std_error or 0.0
        assert spread < 1e-6
