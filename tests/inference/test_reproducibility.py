"""The same seed gives the same answer; saved traces and plots are written on request."""

from __future__ import annotations

import pytest

import causalppl as cp
from causalppl.inference.bayesian import clear_fit_cache
from tests.inference.conftest import CONFOUNDED_LINEAR

ATE = "E[Y | do(X = 1)] - E[Y | do(X = 0)]"


@pytest.mark.parametrize("method, settings", [
    ("svi", dict(num_steps=200, num_samples=100)),
    ("nuts", dict(num_chains=1, num_warmup=40, num_samples=40)),
])
def test_same_seed_same_answer(method, settings, confounded_data):
    model = cp.loads(CONFOUNDED_LINEAR)

    def answer(seed: int):
        clear_fit_cache()
        return model.query(ATE, data=confounded_data, method=method, seed=seed, samples=500, **settings)

    first, second, other = answer(7), answer(7), answer(8)
    assert first.estimate == second.estimate and first.interval == second.interval
    assert other.estimate != first.estimate


def test_trace_and_plot_files(tmp_path, confounded_data):
    model = cp.loads(CONFOUNDED_LINEAR)
    trace, plot = tmp_path / "fit.nc", tmp_path / "queries.png"
    model.run([ATE, "E[effect]"], data=confounded_data, method="svi", seed=0, num_steps=100, num_samples=50,
              samples=300, save_trace=str(trace), plot=str(plot))
    import arviz

    saved = arviz.from_netcdf(str(trace))
    assert set(saved.posterior.data_vars) == {"effect", "zx", "zy", "noise"}
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cuda_without_a_gpu_is_a_clear_error(confounded_data):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    model = cp.loads(CONFOUNDED_LINEAR)
    with pytest.raises(cp.CausalPPLError, match="CUDA") as caught:
        model.query(ATE, data=confounded_data, method="svi", device="cuda", num_steps=10)
    assert "--device cpu" in caught.value.render()


def test_cuda_answers_match_the_cpu(confounded_data):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no GPU")
    model = cp.loads(CONFOUNDED_LINEAR)
    settings = dict(data=confounded_data, method="svi", seed=0, num_steps=600, num_samples=200, samples=1000)
    on_gpu = model.query(ATE, device="cuda", **settings)
    on_cpu = model.query(ATE, device="cpu", **settings)
    assert on_gpu.estimate == pytest.approx(on_cpu.estimate, abs=0.1)


@pytest.mark.parametrize("draws", [1, 2, 3])
def test_nuts_with_fewer_than_four_draws_answers(draws):
    """Pyro's MCMC.diagnostics() asserts 4 draws (split R-hat): reading divergences there was an internal error."""
    import pandas as pd

    model = cp.loads("model Few {\n param b ~ Normal(0, 1)\n X ~ Normal(0, 1)\n Y ~ Normal(b * X, 1)\n}")
    rows = pd.DataFrame({"X": [0.1, 0.5, -1.0], "Y": [0.2, 0.4, -0.7]})
    clear_fit_cache()
    result = model.query("E[b]", data=rows, method="nuts", num_chains=1, num_warmup=3, num_samples=draws, seed=0,
                         workers=1)
    assert result.method == "nuts" and -3 < result.estimate < 3
