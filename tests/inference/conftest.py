"""Shared setup for inference tests: one torch thread, a fresh fit cache, small simulated datasets.

Small Pyro models are Python-bound; on a busy two-core machine a second
torch thread only adds contention, so tests run single-threaded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from causalppl.inference.bayesian import clear_fit_cache

CONFOUNDED_LINEAR = """
model ConfoundedLinear {
    param effect ~ Normal(0, 5)
    param zx ~ Normal(0, 5)
    param zy ~ Normal(0, 5)
    param noise ~ HalfNormal(2)
    Z ~ Normal(0, 1)
    X ~ Normal(zx * Z, 1)
    Y ~ Normal(effect * X + zy * Z, noise)
}
"""
TRUE_EFFECT = 1.5


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: a test that takes more than a minute (still part of the default run)")


@pytest.fixture(autouse=True)
def single_thread_and_fresh_cache():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    clear_fit_cache()
    yield
    torch.set_num_threads(threads)


def simulate_confounded_linear(n: int, seed: int) -> pd.DataFrame:
    """Z confounds X and Y; the causal effect of X on Y is TRUE_EFFECT."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    x = 0.8 * z + rng.normal(size=n)
    y = TRUE_EFFECT * x + 2.0 * z + 0.5 * rng.normal(size=n)
    return pd.DataFrame({"Z": z, "X": x, "Y": y})


@pytest.fixture
def confounded_data() -> pd.DataFrame:
    return simulate_confounded_linear(200, seed=0)
