"""``exact_rows``: one query leaf for many rows of evidence at once equals a loop of single queries."""

from __future__ import annotations

import numpy as np
import pytest

import causalppl as cp
from causalppl.diagnostics import CausalPPLError
from causalppl.inference.estimate.exact import exact_rows

SOURCE = """model Chain {
    Z : {a, b, c} ~ Categorical([0.2, 0.5, 0.3])
    X : bool ~ table(Z) {
        a : [0.9, 0.1]
        b : [0.4, 0.6]
        c : [0.5, 0.5]
    }
    Y : {lo, mid, hi} ~ table(X, Z) {
        false, a : [0.1, 0.2, 0.7]
        false, b : [0.3, 0.3, 0.4]
        false, c : [0.6, 0.2, 0.2]
        true, a : [0.2, 0.2, 0.6]
        true, b : [0.5, 0.25, 0.25]
        true, c : [0.05, 0.05, 0.9]
    }
    W : bool ~ table(Y) {
        lo : [1.0, 0.0]
        mid : [0.5, 0.5]
        hi : [0.9, 0.1]
    }
}
"""


@pytest.fixture(scope="module")
def model() -> cp.Model:
    return cp.loads(SOURCE)


def looped(model: cp.Model, query: str, rows: dict[str, np.ndarray]) -> np.ndarray:
    answers = []
    for r in range(len(next(iter(rows.values())))):
        extra = ", ".join(f"{name} = {int(values[r])}" for name, values in rows.items())
        text = query[:-1] + (", " if "|" in query else " | ") + extra + query[-1]
        result = model.query(text, method="exact")
        answers.append(result.estimate if result.distribution is None else list(result.distribution.values()))
    return np.asarray(answers)


@pytest.mark.parametrize("query, columns", [
    ("P(Y = hi | X = 1)", ("W",)),
    ("P(Y = hi)", ("W", "X")),
    ("E[Y | do(X = 1), W > 0]", ("Z",)),
    ("P(Y)", ("Z", "W")),
    ("P(Z = b | W = 1)", ("X",)),
    ("E[Y + 2 * Z]", ("W",)),
    ("E[exp(Y) - Z | X = 1]", ("W",)),  # a function call: evaluated with torch
    ("P(Y >= 1 | do(Z = 2))", ("X", "W")),
])
def test_rows_equal_a_loop_of_queries(model, query, columns):
    rng = np.random.default_rng(0)
    sizes = {"Z": 3, "X": 2, "Y": 3, "W": 2}
    rows = {name: rng.integers(0, sizes[name], size=40) for name in columns}
    if "W" in rows:
        rows["W"][:] = np.where(rows["W"] == 1, 1, 0)
    leaf = model._check_query_text(query).term
    np.testing.assert_allclose(exact_rows(model.ir, leaf, rows), looped(model, query, rows), rtol=1e-12,
                               atol=1e-14)


def test_a_row_of_impossible_evidence_is_an_error_naming_the_row(model):
    leaf = model._check_query_text("P(X = 1)").term
    rows = {"Y": np.array([2, 0, 1]), "W": np.array([0, 1, 1])}  # W = 1 is impossible when Y = lo
    with pytest.raises(CausalPPLError, match="probability zero.*row 1"):
        exact_rows(model.ir, leaf, rows)


def test_many_rows_are_answered_once_per_distinct_row(model):
    rng = np.random.default_rng(1)
    rows = {"Z": rng.integers(0, 3, size=100_000), "X": rng.integers(0, 2, size=100_000)}
    leaf = model._check_query_text("P(Y = hi)").term
    values = exact_rows(model.ir, leaf, rows)
    assert values.shape == (100_000,)
    assert len(np.unique(values)) == 6  # one answer per (Z, X) pattern
    expected = looped(model, "P(Y = hi)", {"Z": np.array([1]), "X": np.array([0])})[0]
    assert values[(rows["Z"] == 1) & (rows["X"] == 0)][0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("rows_count", [3, 2000])  # few rows: the settings present; many: every setting answered
def test_only_impossible_settings_some_row_holds_are_errors(model, rows_count):
    leaf = model._check_query_text("P(X = 1)").term
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, size=rows_count)
    w = np.where(y == 0, 0, rng.integers(0, 2, size=rows_count))  # (Y = lo, W = 1), impossible, in no row
    values = exact_rows(model.ir, leaf, {"Y": y, "W": w})
    assert np.isfinite(values).all()
    np.testing.assert_allclose(values[:3], looped(model, "P(X = 1)", {"Y": y[:3], "W": w[:3]}), rtol=1e-12)
    y[-1], w[-1] = 0, 1  # now the last row holds it
    with pytest.raises(CausalPPLError, match=f"probability zero.*row {rows_count - 1}"):
        exact_rows(model.ir, leaf, {"Y": y, "W": w})


@pytest.mark.parametrize("dtype", ["u1", "i1", "u2", "i4", "u4", "u8", ">i8", ">u8"])
def test_level_columns_of_any_integer_dtype_give_the_int64_answers(model, dtype):
    rng = np.random.default_rng(3)
    rows = {"Z": rng.integers(0, 3, size=500), "W": rng.integers(0, 2, size=500)}
    for query in ("P(Y)", "P(X = 1)"):
        leaf = model._check_query_text(query).term
        expected = exact_rows(model.ir, leaf, rows)
        narrow = {name: values.astype(dtype) for name, values in rows.items()}
        np.testing.assert_array_equal(exact_rows(model.ir, leaf, narrow), expected)


@pytest.mark.parametrize("rows_count", [40, 5000])  # settings present only; every setting answered
def test_a_distribution_per_row_comes_in_either_layout(model, rows_count):
    rng = np.random.default_rng(4)
    rows = {"Z": rng.integers(0, 3, size=rows_count), "W": rng.integers(0, 2, size=rows_count)}
    leaf = model._check_query_text("P(Y)").term
    values = exact_rows(model.ir, leaf, rows)
    assert values.shape == (rows_count, 3) and values.flags.c_contiguous
    by_level = exact_rows(model.ir, leaf, rows, by_level=True)
    assert by_level.shape == (rows_count, 3) and by_level.T.flags.c_contiguous  # each level's column contiguous
    np.testing.assert_array_equal(values, by_level)
    np.testing.assert_allclose(values[:5], looped(model, "P(Y)", {k: v[:5] for k, v in rows.items()}), rtol=1e-12)


def test_a_leaf_asked_again_reuses_its_row_query_and_stays_right(model):
    rng = np.random.default_rng(5)
    leaf = model._check_query_text("P(Y = hi | X = 1)").term
    for _ in range(3):  # (chunk after chunk of one query)
        rows = {"W": rng.integers(0, 2, size=50)}
        np.testing.assert_allclose(exact_rows(model.ir, leaf, rows), looped(model, "P(Y = hi | X = 1)", rows),
                                   rtol=1e-12)
