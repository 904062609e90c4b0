"""Pieces the benchmark scripts share: timing, and the confounded linear model with its data."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
import pandas as pd

#: A linear SCM in which Z confounds X and Y; the causal effect of X on Y is TRUE_EFFECT.
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


def simulate_confounded_linear(rows: int, seed: int, dtype: type = np.float64) -> pd.DataFrame:
    """Rows of the confounded linear model (zx = 0.8, zy = 2, noise = 0.5)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=rows).astype(dtype)
    x = 0.8 * z + rng.normal(size=rows).astype(dtype)
    y = TRUE_EFFECT * x + 2.0 * z + 0.5 * rng.normal(size=rows).astype(dtype)
    return pd.DataFrame({"Z": z, "X": x, "Y": y})


def best_time(function: Callable[[], object], repeats: int, warmup: bool = False) -> float:
    """Fastest of ``repeats`` calls in seconds (the least noisy figure on a busy machine)."""
    if warmup:
        function()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best
