"""Discrete latent variables are summed out by enumeration in SVI and NUTS, never sampled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causalppl as cp

MIXTURE = """
model Mixture {
    param w ~ Beta(1, 1)
    latent C ~ Bernoulli(w)
    Y ~ Normal(if C then 3 else -3, 1)
}
"""


@pytest.fixture
def mixture_data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    c = rng.random(300) < 0.3
    return pd.DataFrame({"Y": np.where(c, 3.0, -3.0) + rng.normal(size=300)})


@pytest.mark.parametrize("method, settings", [
    ("svi", dict(num_steps=400, num_samples=300)),
    ("nuts", dict(num_chains=1, num_warmup=100, num_samples=100)),
])
def test_mixture_weight_is_learnt_with_the_class_summed_out(method, settings, mixture_data):
    model = cp.loads(MIXTURE)
    result = model.query("E[w]", data=mixture_data, method=method, seed=0, **settings)
    assert result.interval[0] < 0.3 < result.interval[1]
    assert set(result.inference_data.posterior.data_vars) == {"w"}  # C is never a sampled site


def test_evidence_on_a_continuous_variable_is_weighted(mixture_data):
    model = cp.loads(MIXTURE)
    result = model.query("P(C = 1 | Y = 0.5)", data=mixture_data, method="svi", seed=0, num_steps=300,
                         num_samples=100, samples=2000)
    # Bayes: w N(0.5; 3, 1) / (w N(0.5; 3, 1) + (1 - w) N(0.5; -3, 1)), w near 0.3
    likelihood_ratio = np.exp(-0.5 * 2.5**2) / np.exp(-0.5 * 3.5**2)
    expected = 0.3 * likelihood_ratio / (0.3 * likelihood_ratio + 0.7)
    assert result.estimate == pytest.approx(expected, abs=0.06)
    assert result.diagnostics["evaluation"] == "forward simulation"


def test_latent_classes_of_confounding_arcs_with_counted_rows(repo):
    model = cp.load(repo / "examples" / "front_door_smoking" / "front_door.scm")
    result = model.query("P(Cancer = 1 | Smoking = 1)", method="svi", seed=0, num_steps=150, num_samples=100)
    assert result.method == "svi"
    assert 0.0 < result.interval[0] < result.interval[1] < 1.0
    assert set(result.inference_data.posterior.data_vars) == {
        "weights_U_Smoking_Cancer", "probs_Smoking", "probs_Tar", "probs_Cancer"}


def test_count_latent_variables_are_refused():
    model = cp.loads("""
    model Counts {
        param r ~ Gamma(2, 1)
        latent K ~ Poisson(r)
        Y ~ Normal(K, 1)
    }
    """)
    frame = pd.DataFrame({"Y": [1.0, 2.0]})
    with pytest.raises(cp.CausalPPLError, match="enumeration"):
        model.query("E[r]", data=frame, method="svi", num_steps=5)
