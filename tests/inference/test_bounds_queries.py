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


VITAMIN_A = "model VitaminA {\n  Z : bool\n  X : bool <- Z\n  Y : bool <- X\n  X <-> Y\n}"
# Sommer's trial (Balke & Pearl 1997, Table 1): (assigned, took, survived) -> children.
TRIAL = {(0, 0, 0): 74, (0, 0, 1): 11514, (1, 0, 0): 34, (1, 0, 1): 2385, (1, 1, 0): 12, (1, 1, 1): 9663}


@pytest.fixture(scope="module")
def trial() -> pd.DataFrame:
    return pd.DataFrame([cell for cell, n in TRIAL.items() for _ in range(n)], columns=["Z", "X", "Y"])


def test_a_constant_term_moves_the_bounds_and_their_interval_alike(trial: pd.DataFrame) -> None:
    model = cp.loads(VITAMIN_A)
    survival = model.query("bounds P(Y = 1 | do(X = 1))", data=trial, seed=3)
    death = model.query("bounds 1 - P(Y = 1 | do(X = 1))", data=trial, seed=3)
    assert survival.bounds == pytest.approx((0.7990, 0.9990), abs=1e-4)  # published
    assert death.bounds == pytest.approx((1 - survival.bounds[1], 1 - survival.bounds[0]), abs=1e-9)
    assert death.interval == pytest.approx((1 - survival.interval[1], 1 - survival.interval[0]), abs=1e-9)
    assert death.interval[0] <= death.bounds[0] and death.bounds[1] <= death.interval[1]


def test_a_constant_term_moves_the_posterior_of_bounds(trial: pd.DataFrame) -> None:
    model = cp.loads(VITAMIN_A)
    shifted = model.query("bounds 2 + P(Y = 1 | do(X = 1))", data=trial, seed=3, method="nuts")
    assert shifted.bounds == pytest.approx((2.7990, 2.9990), abs=1e-4)
    assert 2.7 < shifted.interval[0] < shifted.estimate < shifted.interval[1] < 3.0


def test_a_condition_the_instrument_decides_is_bounded_not_an_error(trial: pd.DataFrame) -> None:
    model = cp.loads(VITAMIN_A)
    plain = model.query("bounds P(Y = 1 | do(X = 1))", data=trial, seed=3)
    given_assigned = model.query("bounds P(Y = 1 | do(X = 1), Z = 1)", data=trial, seed=3)
    # Z shares no confounder with Y, so Y[X = 1] is independent of it: the same bounds.
    assert given_assigned.bounds == pytest.approx(plain.bounds, abs=1e-9)
    assert given_assigned.interval == pytest.approx(plain.interval, abs=1e-6)


def test_draws_solved_in_worker_processes_are_the_serial_ones(rows: pd.DataFrame) -> None:
    model = cp.loads(FRONT_DOOR)
    query = "bounds P(X3[X1 = 1] = 1, X3[X1 = 0] = 0)"
    serial = model.query(query, data=rows, seed=2, draws=60, workers=1)
    parallel = model.query(query, data=rows, seed=2, draws=60, workers=2)  # two blocks of draws, two processes
    assert parallel.bounds == serial.bounds and parallel.interval == pytest.approx(serial.interval, abs=1e-12)
