"""A Bayesian linear SCM with an observed confounder: NUTS and SVI recover the causal effect."""

from __future__ import annotations

import pytest

import causalppl as cp
from tests.inference.conftest import CONFOUNDED_LINEAR, TRUE_EFFECT

ATE = "E[Y | do(X = 1)] - E[Y | do(X = 0)]"
NAIVE = "E[Y | X = 1] - E[Y | X = 0]"


@pytest.mark.parametrize("method, settings", [
    ("nuts", dict(num_chains=2, num_warmup=150, num_samples=150, jit_compile=True)),
    ("svi", dict(num_steps=800, num_samples=200)),
])
def test_effect_of_x_on_y_is_inside_the_95_interval(method, settings, confounded_data):
    model = cp.loads(CONFOUNDED_LINEAR)
    result = model.query(ATE, data=confounded_data, method=method, seed=1, samples=1000, query_draws=100, **settings)
    assert result.method == method
    low, high = result.interval
    assert low < TRUE_EFFECT < high
    assert high - low < 0.5
    assert result.inference_data is not None
    assert result.diagnostics["num_samples"] > 0


def test_nuts_reports_convergence_diagnostics(confounded_data):
    model = cp.loads(CONFOUNDED_LINEAR)
    result = model.query("E[effect]", data=confounded_data, method="nuts", seed=3, num_chains=2, num_warmup=150,
                         num_samples=150, jit_compile=True)
    diagnostics = result.diagnostics
    assert set(diagnostics) >= {"max_rhat", "min_ess_bulk", "min_ess_tail", "divergences", "num_chains", "num_samples"}
    assert diagnostics["num_chains"] == 2 and diagnostics["num_samples"] == 300
    assert diagnostics["max_rhat"] < 1.1
    assert diagnostics["divergences"] == 0
    assert set(result.inference_data.posterior.data_vars) == {"effect", "zx", "zy", "noise"}
    assert abs(result.estimate - TRUE_EFFECT) < 0.2


def test_queries_of_one_run_share_one_fit(confounded_data):
    model = cp.loads(CONFOUNDED_LINEAR)
    results = model.run([ATE, NAIVE, "E[zx]"], data=confounded_data, method="svi", seed=0, num_steps=500,
                        samples=1000, query_draws=100)
    assert len({id(r.inference_data) for r in results}) == 1
    ate, naive, zx = results
    assert naive.estimate > ate.estimate + 0.5  # conditioning mixes in the confounder's path
    assert 0.5 < zx.estimate < 1.1


def test_a_fitted_model_answers_from_one_posterior(confounded_data):
    from causalppl.fitted import FittedModel
    from causalppl.inference.bayesian import posterior_parameter_draws

    model = cp.loads(CONFOUNDED_LINEAR)
    fitted = FittedModel.create(model, confounded_data, "svi", dict(seed=0, num_steps=500, num_samples=200))
    draws = posterior_parameter_draws(fitted.posterior)
    assert {name: tuple(d.shape) for name, d in draws.items()} == {
        "effect": (200,), "zx": (200,), "zy": (200,), "noise": (200,)}
    ate = fitted.query(ATE, samples=500, query_draws=100)
    again = fitted.query("E[effect]")
    assert ate.inference_data is again.inference_data
    assert ate.interval[0] < TRUE_EFFECT < ate.interval[1]
