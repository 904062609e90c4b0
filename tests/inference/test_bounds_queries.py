"""bounds queries end to end: identification first on the front door, nested outcomes, certificates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causalppl as cp

FRONT_DOOR = """model FrontDoorInstrument {
    Z : bool
    X1 : bool <- Z
    X2 : bool <- X1
    X3 : bool <- X2
    X1 <-> X3
}"""
ACE = "E[X3 | do(X1 = 1)] - E[X3 | do(X1 = 0)]"


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """20,000 units of Z -> X1 -> X2 -> X3 with X1 <-> X3; the true effect of X1 on X3 is 0.28."""
    rng = np.random.default_rng(0)
    n = 20_000
    u, z = rng.random(n) < 0.5, rng.random(n) < 0.5
    x1 = rng.random(n) < 0.2 + 0.4 * z + 0.3 * u
    x2 = rng.random(n) < 0.2 + 0.6 * x1
    x3 = rng.random(n) < 0.1 + 0.28 / 0.6 * x2 + 0.3 * u
    return pd.DataFrame({"Z": z, "X1": x1, "X2": x2, "X3": x3}).astype(int)


def test_identified_bounds_are_the_identified_value(rows: pd.DataFrame) -> None:
    model = cp.loads(FRONT_DOOR)
    identified = model.query(f"identify {ACE}", data=rows, seed=1)
    bounds = model.query(f"bounds {ACE}", data=rows, seed=1)
    assert bounds.bounds[0] == bounds.bounds[1] == pytest.approx(identified.estimate, abs=1e-12)
    assert bounds.bounds[0] == pytest.approx(0.28, abs=0.02)
    assert bounds.interval == pytest.approx(identified.interval, abs=1e-12)
    assert bounds.diagnostics["certificate"] == "point-identified"
    assert bounds.method == "bounds-identified" and "identified" in bounds.notes[0]


def test_nested_and_counterfactual_bounds(rows: pd.DataFrame) -> None:
    model = cp.loads(FRONT_DOOR)
    direct = model.query("bounds E[X3[X1 = 1, X2 = X2[X1 = 0]]] - E[X3[X1 = 0]]", data=rows, seed=1, draws=50)
    assert direct.bounds == pytest.approx((0.0, 0.0), abs=1e-9)  # X1 acts on X3 only through X2
    assert direct.diagnostics["certificate"] == "point-identified"
    pns = model.query("bounds P(X3[X1 = 1] = 1, X3[X1 = 0] = 0)", data=rows, seed=1, draws=40, workers=1)
    low, high = pns.bounds
    assert 0.0 <= low < high <= 1.0
    assert pns.diagnostics["free_components"] == ["{X1, X3}", "{X2}"]
    assert pns.diagnostics["certificate"] in ("sharp", "valid") and pns.method == "bounds-polynomial"
    assert pns.interval[0] <= low and high <= pns.interval[1] + 0.05
    assert any("maximum likelihood" in note for note in pns.notes)


def test_partially_identified_queries_substitute_the_identified_leaf(rows: pd.DataFrame) -> None:
    model = cp.loads(FRONT_DOOR)
    whole = model.query(f"bounds P(X3 = 1 | do(X2 = 1)) + P(X3[X1 = 1] = 1, X3[X1 = 0] = 0)", data=rows, seed=1,
                        draws=20)
    alone = model.query("bounds P(X3[X1 = 1] = 1, X3[X1 = 0] = 0)", data=rows, seed=1, draws=20)
    part = model.query("identify P(X3 = 1 | do(X2 = 1))", data=rows, seed=1)
    assert whole.bounds == pytest.approx((alone.bounds[0] + part.estimate, alone.bounds[1] + part.estimate),
                                         abs=1e-6)
    assert any("substituted" in note for note in whole.notes)
