"""Large data: the planner picks mini-batch SVI (or conjugate updates) above 100,000 rows and says why."""

from __future__ import annotations

import numpy as np
import pandas as pd

import causalppl as cp
from causalppl.inference.bayesian.settings import LARGE_DATA_ROWS

from .conftest import CONFOUNDED_LINEAR, simulate_confounded_linear


def test_auto_picks_mini_batch_svi_above_100k_rows():
    model = cp.loads(CONFOUNDED_LINEAR)
    data = simulate_confounded_linear(LARGE_DATA_ROWS + 1, seed=0)
    plan = model.plan("E[Y | do(X = 1)]", data=data)
    assert plan.engine == "bayesian-large" and plan.facts["large_data"]
    assert any("mini-batch SVI" in reason for reason in plan.reasons)
    small = model.plan("E[Y | do(X = 1)]", data=data.iloc[:1000])
    assert small.engine == "bayesian" and ("bayesian-large", f"there are at most {LARGE_DATA_ROWS:,} rows") in \
        small.alternatives
    assert model.plan("E[Y | do(X = 1)]", data=data, method="nuts").engine == "bayesian"


def test_conjugate_tables_stay_exact_on_large_data():
    rng = np.random.default_rng(0)
    n = LARGE_DATA_ROWS + 1
    data = pd.DataFrame({"X": rng.integers(0, 2, n), "Y": rng.integers(0, 2, n)})
    model = cp.loads("model T { X : bool\n Y : bool <- X }")
    plan = model.plan("P(Y = 1 | X = 1)", data=data)
    assert plan.engine != "bayesian-large"
    fitted = model.fit(data, method="auto", num_samples=50, num_chains=1)
    assert fitted.posterior.method == "conjugate"
