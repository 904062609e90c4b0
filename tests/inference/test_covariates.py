"""Conditioned covariates: root int/real variables without a mechanism are read from the data, never generated.

Oracles: the closed-form posterior of a Gaussian linear regression with known
noise (five continuous covariates), posteriordb's eight schools, and
hand-computed empirical averages for Monte Carlo, counterfactual and
evidence queries.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest

import causalppl as cp
from causalppl.diagnostics import CausalPPLError

REGRESSION = """
model Regression {
    param b0 ~ Normal(0, 10)
    param b[5] ~ Normal(0, 10)
    X1 : real
    X2 : real
    X3 : real
    X4 : real
    X5 : real
    Y ~ Normal(b0 + b[0] * X1 + b[1] * X2 + b[2] * X3 + b[3] * X4 + b[4] * X5, 1)
}
"""
TRUE_B = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
#: The NUTS oracle tests take minutes on two shared cores: CAUSALPPL_SLOW_TESTS=1 runs them (tolerances follow
#: the chains' effective sample sizes).
SLOW = os.environ.get("CAUSALPPL_SLOW_TESTS") == "1"
needs_slow = pytest.mark.skipif(not SLOW, reason="NUTS oracle test: CAUSALPPL_SLOW_TESTS=1 runs it")


def regression_data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)) @ np.array([[1, .5, 0, 0, 0], [0, 1, .3, 0, 0], [0, 0, 1, 0, 0],
                                            [0, 0, 0, 2, 0], [.2, 0, 0, 0, 1]])
    y = 0.7 + x @ TRUE_B + rng.normal(size=n)
    return pd.DataFrame({**{f"X{j + 1}": x[:, j] for j in range(5)}, "Y": y})


def exact_posterior(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd of (b0, b) under N(0, 10^2) priors and unit noise: a conjugate Gaussian."""
    design = np.column_stack([np.ones(len(data))] + [data[f"X{j + 1}"] for j in range(5)])
    precision = design.T @ design + np.eye(6) / 100.0
    covariance = np.linalg.inv(precision)
    return covariance @ design.T @ data["Y"].to_numpy(), np.sqrt(np.diag(covariance))


@needs_slow
def test_regression_with_five_covariates_matches_the_exact_posterior():
    import arviz

    data = regression_data(300, seed=4)
    model = cp.loads(REGRESSION)
    chains, warmup, draws = (2, 500, 1000) if SLOW else (1, 200, 400)
    fitted = model.fit(data, method="nuts", seed=11, num_chains=chains, num_warmup=warmup, num_samples=draws,
                       jit_compile=True)
    mean, sd = exact_posterior(data)
    posterior = fitted.inference_data.posterior
    draws = np.column_stack([posterior["b0"].values.reshape(-1, 1), posterior["b"].values.reshape(-1, 5)])
    ess = np.concatenate([np.atleast_1d(arviz.ess(fitted.inference_data, var_names=[name])[name].values)
                          for name in ("b0", "b")])
    error = sd / np.sqrt(ess)  # Monte Carlo standard error of each posterior mean
    assert np.all(np.abs(draws.mean(0) - mean) < 4 * error + 1e-3)
    assert np.all(np.abs(draws.std(0) / sd - 1) < (0.15 if SLOW else 0.3))
    # A causal contrast averages over the covariates of the rows: here it is b[0] in every draw.
    effect = fitted.query("E[Y | do(X1 = 1)] - E[Y | do(X1 = 0)]", seed=1, query_draws=200, units_per_draw=500)
    assert abs(effect.estimate - mean[1]) < 4 * error[1] + 1e-3
    # E[Y] averages the regression over the rows' covariates (Bayesian bootstrap): b0 + b . mean(X)
    average = fitted.query("E[Y]", seed=2, query_draws=300, units_per_draw=2000)
    expected = mean[0] + mean[1:] @ data[[f"X{j + 1}" for j in range(5)]].mean().to_numpy()
    assert abs(average.estimate - expected) < 0.15
    assert average.interval[0] < expected < average.interval[1]


EIGHT_SCHOOLS = """
model EightSchools {
    param mu ~ Normal(0, 5)
    param tau ~ HalfCauchy(5)
    param theta[8] ~ Normal(0, 1)
    school : {1, 2, 3, 4, 5, 6, 7, 8}
    sigma : real                          # the known standard errors, a data column
    y ~ Normal(mu + tau * theta[school], sigma)
}
"""
SCHOOLS = pd.DataFrame({"school": list(range(1, 9)), "y": [28, 8, -3, 7, -1, 1, 18, 12],
                        "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})
REFERENCE = {"mu": 4.39, "tau": 3.58}  # posteriordb eight_schools_noncentered, reference posterior means


@needs_slow
def test_eight_schools_with_sigma_as_a_covariate_matches_posteriordb():
    import arviz

    model = cp.loads(EIGHT_SCHOOLS)
    chains, warmup, draws = (4, 500, 1000) if SLOW else (1, 300, 600)
    results = model.run(["E[mu]", "E[tau]"], data=SCHOOLS, method="nuts", seed=2024, num_chains=chains,
                        num_warmup=warmup, num_samples=draws, jit_compile=True)
    data = results[0].inference_data
    for result, name in zip(results, ("mu", "tau")):
        effective = float(arviz.ess(data, var_names=[name])[name])
        monte_carlo_error = float(data.posterior[name].std()) / math.sqrt(effective)
        assert abs(result.estimate - REFERENCE[name]) < 4 * monte_carlo_error + 0.05, name
    assert "sigma" in results[0].plan.facts["covariates"]


KNOWN = """
model Known {
    Age : real
    X ~ Bernoulli(sigmoid((Age - 40) / 10))
    Y ~ Normal(2 * X + 0.1 * Age, 1)
}
"""
AGES = pd.DataFrame({"Age": [20.0, 30.0, 40.0, 50.0, 80.0], "X": [0, 0, 1, 1, 1], "Y": [1.0, 2.0, 3.0, 4.0, 5.0]})


def test_monte_carlo_resamples_the_rows():
    result = cp.loads(KNOWN).query("E[Y | do(X = 1)]", data=AGES, seed=0, samples=40_000)
    assert result.method == "mc" and result.plan.engine == "monte-carlo"
    assert abs(result.estimate - (2 + 0.1 * AGES["Age"].mean())) < 4 * result.std_error
    assert any("covariates drawn from the 5 data rows" in note for note in result.notes)


def test_evidence_on_a_covariate_selects_rows():
    model = cp.loads(KNOWN)
    older = model.query("E[Y | Age > 45]", data=AGES, seed=0, samples=40_000)
    ages = np.array([50.0, 80.0])
    expected = np.mean(2 / (1 + np.exp(-(ages - 40) / 10)) + 0.1 * ages)
    assert abs(older.estimate - expected) < 4 * older.std_error + 1e-9
    exactly = model.query("E[Y | Age = 30]", data=AGES, seed=0, samples=20_000)
    assert abs(exactly.estimate - (2 / (1 + math.exp(1.0)) + 3.0)) < 4 * exactly.std_error + 1e-9
    with pytest.raises(CausalPPLError, match="no data row satisfies Age = 31"):
        model.query("E[Y | Age = 31]", data=AGES)


def test_without_data_a_query_that_needs_the_covariate_is_a_located_error():
    model = cp.loads(KNOWN)
    with pytest.raises(CausalPPLError) as caught:
        model.query("E[Y | do(X = 1)]")
    text = caught.value.render()
    assert "'Age' is a covariate" in text and "there are no data" in text and "hint:" in text
    with pytest.raises(CausalPPLError, match="'Age' is a covariate"):
        model.query("E[Age]")
    with pytest.raises(CausalPPLError, match="'Age' is a covariate"):
        model.sample(10)


def test_without_data_a_covariate_fixed_by_the_query_is_enough():
    model = cp.loads(KNOWN)
    fixed = model.query("E[Y | do(X = 1, Age = 30)]", seed=0, samples=1000)
    assert fixed.estimate == pytest.approx(5.0, abs=0.15)
    seen = model.query("E[Y | do(X = 0), Age = 60]", seed=0, samples=1000)
    assert seen.estimate == pytest.approx(6.0, abs=0.15)


def test_counterfactual_units_keep_their_covariates():
    """Y[X = 1] - Y shares the noise and the covariate of each unit: E[Y[X=1] - Y] = 2 P(X = 0)."""
    model = cp.loads(KNOWN)
    result = model.query("E[Y[X = 1] - Y]", data=AGES, seed=0, samples=20_000)
    p0 = np.mean(1 - 1 / (1 + np.exp(-(AGES["Age"].to_numpy() - 40) / 10)))
    assert abs(result.estimate - 2 * p0) < 4 * (result.std_error or 0.01)
    given = model.query("E[Y[X = 0] | X = 1, Y = 4, Age = 50]", data=AGES, seed=0, samples=2000)
    assert given.estimate == pytest.approx(2.0, abs=1e-6)  # Y - 2, exactly: the unit's noise and its age


def test_sample_draws_covariates_from_the_rows():
    samples = cp.loads(KNOWN).sample(500, seed=1, data=AGES)
    assert set(samples["Age"].tolist()) <= set(AGES["Age"]) and samples["Y"].shape == (500,)


def test_the_generated_program_reads_covariates_from_data():
    model = cp.loads(KNOWN)
    assert 'Age = rt.covariate(data, "Age", units)' in model.pyro_source
    with pytest.raises(ValueError, match="'Age' is a covariate"):
        model.pyro_model(n_units=3)


def test_covariates_are_shaded_in_the_graph():
    dot = cp.loads(KNOWN).to_dot()
    assert '"Age" [style=filled' in dot and '"X" []' in dot


def test_finite_roots_stay_learned_tables():
    model = cp.loads("model F { Z : bool\n Age : int\n X : bool <- Z }")
    assert type(model.ir.variable("Z").mechanism).__name__ == "NonparametricMechanism"
    assert type(model.ir.variable("Age").mechanism).__name__ == "Covariate"
    assert type(model.ir.variable("X").mechanism).__name__ == "NonparametricMechanism"
