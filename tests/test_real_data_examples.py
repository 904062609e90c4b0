"""The real-data examples reproduce their published figures (LaLonde/NSW, Card's college proximity)."""

import numpy as np
import pandas as pd
import pytest

import causalppl as cp
from tests.conftest import REPO

LALONDE = REPO / "examples" / "lalonde"
CARD = REPO / "examples" / "card_college"
sm = pytest.importorskip("statsmodels.api")


def _ate(path):
    (result,) = cp.load(path).run(seed=0, draws=300)
    return result


def test_the_experimental_benchmark_is_dehejia_and_wahbas_1794():
    result = _ate(LALONDE / "experiment.scm")
    assert result.estimate == pytest.approx(1794.34, abs=0.01)
    assert result.method == "g-formula"
    low, high = result.interval
    assert 0 < low < 1794 < high


def test_the_naive_observational_comparison_is_minus_8498():
    result = _ate(LALONDE / "naive.scm")
    assert result.estimate == pytest.approx(-8497.52, abs=0.01)
    assert result.interval[1] < 0


def test_adjustment_reproduces_the_least_squares_figure_of_1066():
    result = _ate(LALONDE / "adjusted.scm")
    data = pd.read_csv(LALONDE / "nsw_cps.csv")
    covariates = data[["treat", "age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75"]].assign(
        u74=(data.re74 == 0).astype(float), u75=(data.re75 == 0).astype(float))
    ols = sm.OLS(data.re78, sm.add_constant(covariates.astype(float))).fit()
    assert ols.params["treat"] == pytest.approx(1066.3, abs=0.1)  # the published regression-adjusted figure
    assert result.estimate == pytest.approx(ols.params["treat"], abs=1.0)
    assert "as written" in result.diagnostics["outcome_model"]
    low, high = result.interval
    assert low < 1066 < high and low < 1794 < high  # the adjusted interval contains the experimental benchmark
    assert high - low == pytest.approx(2 * 1.96 * ols.bse["treat"], rel=0.1)


def test_card_2sls_oracle_and_the_sharp_bounds_of_the_binary_instrument():
    data = pd.read_csv(CARD / "card.csv")
    from statsmodels.sandbox.regression.gmm import IV2SLS

    controls = data[["exper", "black", "south", "smsa"]].astype(float)
    X = sm.add_constant(pd.concat([data[["educ"]].astype(float), controls], axis=1))
    Z = sm.add_constant(pd.concat([data[["nearc4"]].astype(float), controls], axis=1))
    assert IV2SLS(data.lwage, X, Z).fit().params["educ"] == pytest.approx(0.132, abs=0.001)  # Card (1995)
    answers = {r.name: r for r in cp.load(CARD / "card_iv.scm").run(seed=0)}
    low, high = answers["ace"].bounds
    assert low < 0 < high
    assert (low, high) == pytest.approx((-0.2909, 0.5455), abs=1e-3)
    report = cp.load(CARD / "card_iv.scm").check(seed=0)
    assert report.consistent and [c.kind for c in report.claims] == ["instrumental inequality"]
