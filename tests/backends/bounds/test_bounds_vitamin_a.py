"""Sommer's Vitamin A trial (Balke & Pearl 1997, Table 1): published bounds and posterior draws."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from causalppl.backends.bounds import (
    CfAtom,
    DiscreteGraph,
    LinearQuery,
    balke_pearl_ace_bounds,
    bounds_for_draws,
    sharp_bounds,
)

# Z = assigned supplement, X = took it, Y = survived: (z, x, y) -> number of children.
COUNTS = {
    (0, 0, 0): 74,
    (0, 0, 1): 11514,
    (0, 1, 0): 0,
    (0, 1, 1): 0,
    (1, 0, 0): 34,
    (1, 0, 1): 2385,
    (1, 1, 0): 12,
    (1, 1, 1): 9663,
}

GRAPH = DiscreteGraph(
    cards={"Z": 2, "X": 2, "Y": 2},
    parents={"X": ("Z",), "Y": ("X",)},
    bidirected=frozenset({frozenset({"X", "Y"})}),
)


def survival_under(x: int) -> CfAtom:
    return CfAtom("Y", (("X", x),), 1)


ACE = LinearQuery(((1.0, (survival_under(1),)), (-1.0, (survival_under(0),))))
P0 = LinearQuery(((1.0, (survival_under(0),)),))
P1 = LinearQuery(((1.0, (survival_under(1),)),))


def count_table() -> np.ndarray:
    table = np.zeros((2, 2, 2))
    for cell, count in COUNTS.items():
        table[cell] = count
    return table


@pytest.mark.parametrize(
    ("query", "expected"),
    [(ACE, (-0.1946, 0.0054)), (P0, (0.9936, 0.9936)), (P1, (0.7990, 0.9990))],
    ids=["ace", "p0", "p1"],
)
def test_published_bounds(query: LinearQuery, expected: tuple[float, float]) -> None:
    result = sharp_bounds(GRAPH, query, count_table())
    assert result.lower == pytest.approx(expected[0], abs=1e-3)
    assert result.upper == pytest.approx(expected[1], abs=1e-3)
    assert result.sharp and result.status == "optimal"
    assert result.n_columns <= 16


def test_ace_equals_balke_pearl_closed_form() -> None:
    table = count_table()
    conditional = table / table.sum(axis=(1, 2), keepdims=True)
    result = sharp_bounds(GRAPH, ACE, table)
    assert (result.lower, result.upper) == pytest.approx(balke_pearl_ace_bounds(conditional), abs=1e-9)


def test_posterior_draws_match_one_program_per_draw() -> None:
    rng = np.random.default_rng(20240601)
    draws = rng.dirichlet(count_table().ravel() + 1, size=1000).reshape(1000, 2, 2, 2)
    result = bounds_for_draws(GRAPH, ACE, draws)
    assert result.method == "dual vertices"
    assert result.n_infeasible == 0
    lowers, uppers = result
    for index in rng.choice(len(draws), size=20, replace=False):
        single = sharp_bounds(GRAPH, ACE, draws[index])
        assert lowers[index] == pytest.approx(single.lower, abs=1e-7)
        assert uppers[index] == pytest.approx(single.upper, abs=1e-7)
    assert np.all(lowers <= uppers)


def test_counts_match_the_shared_example(shared_examples: Path) -> None:
    with open(shared_examples / "vitamin_a.csv", newline="") as handle:
        rows = {(int(r["Z"]), int(r["X"]), int(r["Y"])): int(r["count"]) for r in csv.DictReader(handle)}
    assert rows == COUNTS
