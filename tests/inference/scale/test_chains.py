"""Parallel NUTS chains: worker processes rebuild the program from its source and give the serial draws."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import torch

import causalppl as cp
from causalppl.inference.bayesian import chains
from causalppl.inference.bayesian.likelihood import build_likelihood
from causalppl.inference.bayesian.settings import fit_settings
from causalppl.inference.options import parse_options

SOURCE = """
model Slope {
    param b ~ Normal(0, 2)
    param s ~ HalfNormal(1)
    X ~ Normal(0, 1)
    Y ~ Normal(b * X, s)
}
"""


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    return pd.DataFrame({"X": x, "Y": 0.7 * x + 0.5 * rng.normal(size=60)})


def test_processes_give_the_same_chains_as_the_serial_route():
    model = cp.loads(SOURCE)
    options = dict(method="nuts", num_chains=2, num_warmup=40, num_samples=30, seed=11)
    serial = model.fit(_data(), workers=1, **options)
    parallel = model.fit(_data(), workers=2, **options)
    for site in ("b", "s"):
        assert torch.equal(serial.draws[site], parallel.draws[site])
    assert serial.draws["b"].shape == (60,)  # two chains of 30


def test_workers_by_default_only_when_the_run_pays_for_them():
    def settings(**values):
        return fit_settings(parse_options({"num_chains": 4, **values}), "nuts")

    assert chains.chain_workers(settings(num_warmup=10, num_samples=10)) == 1
    assert chains.chain_workers(settings(workers=1)) == 1
    assert chains.chain_workers(settings(num_chains=1, workers=3)) == 1
    assert chains.chain_workers(settings(workers=2)) == 2
    cores = chains.chain_workers(settings(num_warmup=500, num_samples=500))
    assert 1 <= cores <= 4


def test_a_chain_job_travels_without_the_generated_callable():
    model = cp.loads(SOURCE)
    likelihood = build_likelihood(model.ir, model.load_data(_data()), torch.device("cpu"))
    settings = fit_settings(parse_options({"num_chains": 3, "seed": 5}), "nuts")
    jobs = chains.chain_jobs(likelihood, ("b", "s"), settings)
    assert [job.settings.seed for job in jobs] == [5, 6, 7]
    travelled = pickle.loads(pickle.dumps(jobs[0]))
    assert travelled.likelihood.model == model.ir  # the IR travels, and the worker compiles the same program
    assert torch.equal(travelled.likelihood.columns["Y"], likelihood.columns["Y"])
    with pytest.raises(Exception):
        pickle.dumps(likelihood.program)


def test_processes_keep_the_likelihood_of_missing_cells_summed_out():
    """Worker processes compile the parent's program: a missing finite parent is summed out there too."""
    model = cp.loads("model E { param b ~ Normal(0, 1)\n X ~ Bernoulli(0.3)\n Y ~ Normal(b * X, 1) }")
    rng = np.random.default_rng(2)
    x = (rng.random(40) < 0.3).astype(float)
    frame = pd.DataFrame({"X": np.where(rng.random(40) < 0.3, np.nan, x), "Y": 1.5 * x + rng.normal(size=40)})
    options = dict(method="nuts", num_chains=2, num_warmup=30, num_samples=20, seed=3)
    serial = model.fit(frame, workers=1, **options)
    parallel = model.fit(frame, workers=2, **options)
    assert torch.equal(serial.draws["b"], parallel.draws["b"])


def test_a_script_without_a_main_guard_runs_once(tmp_path):
    """Spawned chain workers do not run the user's script again (no ``if __name__ == "__main__":`` in it)."""
    import subprocess
    import sys

    (tmp_path / "rows.csv").write_text(_data().to_csv(index=False))
    script = tmp_path / "script.py"
    script.write_text(
        "import pandas as pd\nimport causalppl as cp\n"
        "print('body')\n"
        f"model = cp.loads({SOURCE!r})\n"
        "fit = model.fit(pd.read_csv('rows.csv'), method='nuts', num_chains=2, num_warmup=20, num_samples=10,\n"
        "                seed=1, workers=2)\n"
        "print('draws', fit.draws['b'].shape[0])\n"
    )
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["body", "draws", "20"]
