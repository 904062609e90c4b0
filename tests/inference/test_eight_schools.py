"""Eight schools, non-centered: NUTS matches the posteriordb reference posterior.

The model is stdlib:eight_schools with the school's own distribution known
(uniform), so that only the hierarchical parameters are learnt: scalars and
a vector parameter indexed by a categorical variable (``theta_tilde[School]``).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import causalppl as cp

EIGHT_SCHOOLS = """
model EightSchools {
    param mu ~ Normal(0, 5)
    param tau ~ HalfCauchy(5)
    param theta_tilde[8] ~ Normal(0, 1)
    param sigma = [15, 10, 16, 11, 9, 11, 10, 18]
    School : {s1, s2, s3, s4, s5, s6, s7, s8} ~ Categorical([0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125])
    y ~ Normal(mu + tau * theta_tilde[School], sigma[School])
}
"""
SCHOOLS = pd.DataFrame({"School": [f"s{i}" for i in range(1, 9)], "y": [28, 8, -3, 7, -1, 1, 18, 12]})
# posteriordb, eight_schools-eight_schools_noncentered: reference posterior means
REFERENCE = {"mu": 4.39, "tau": 3.58}


@pytest.mark.slow
def test_nuts_matches_the_reference_posterior():
    import arviz

    model = cp.loads(EIGHT_SCHOOLS)
    results = model.run(["E[mu]", "E[tau]"], data=SCHOOLS, method="nuts", seed=2024, num_chains=4,
                        num_warmup=500, num_samples=1000, jit_compile=True, query_draws=4000)
    data = results[0].inference_data
    for result, name in zip(results, ("mu", "tau")):
        effective = float(arviz.ess(data, var_names=[name])[name])
        monte_carlo_error = float(data.posterior[name].std()) / math.sqrt(effective)
        assert abs(result.estimate - REFERENCE[name]) < 4 * monte_carlo_error + 0.05, name
    assert results[0].diagnostics["max_rhat"] <= 1.01
    assert results[0].diagnostics["num_samples"] == 4000
    assert data.posterior["theta_tilde"].shape[-1] == 8
