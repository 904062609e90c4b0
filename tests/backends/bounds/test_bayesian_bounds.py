"""The Bayesian partial-identification mode: posterior draws of a query under a Dirichlet prior on response types."""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from causalppl.backends.bounds import (
    CfAtom,
    DiscreteGraph,
    Experiment,
    LinearQuery,
    bounds_for_draws,
)
from causalppl.backends.bounds.bayesian import posterior_query_draws
from causalppl.backends.bounds.response_posterior import response_posterior
from causalppl.cli import main

# Sommer's Vitamin A trial: (z, x, y) -> number of children (Balke & Pearl 1997, Table 1).
VITAMIN_A = np.array([74, 11514, 0, 0, 34, 2385, 12, 9663], dtype=float).reshape(2, 2, 2)
P0_POINT = 11514 / (74 + 11514)

INSTRUMENT = DiscreteGraph(
    cards={"Z": 2, "X": 2, "Y": 2},
    parents={"X": ("Z",), "Y": ("X",)},
    bidirected=frozenset({frozenset({"X", "Y"})}),
)
BOW = DiscreteGraph(cards={"X": 2, "Y": 2}, parents={"Y": ("X",)}, bidirected=frozenset({frozenset({"X", "Y"})}))

# A response function of a binary variable with one binary parent: its values at parent 0 and parent 1.
FUNCTIONS = tuple(product((0, 1), repeat=2))


def survival_under(x: int) -> CfAtom:
    return CfAtom("Y", (("X", x),), 1)


ACE = LinearQuery(((1.0, (survival_under(1),)), (-1.0, (survival_under(0),))))
P0 = LinearQuery(((1.0, (survival_under(0),)),))
P1 = LinearQuery(((1.0, (survival_under(1),)),))


# ------------------------------------------------------------- Vitamin A ----


def test_ace_posterior_lies_in_the_bounds_up_to_sampling_uncertainty() -> None:
    posterior = posterior_query_draws(INSTRUMENT, ACE, VITAMIN_A, draws=2000, seed=11)
    assert posterior.draws.shape == (2000,)
    assert np.all((posterior.draws >= -1) & (posterior.draws <= 1))
    rng = np.random.default_rng(12)
    observed = rng.dirichlet(VITAMIN_A.ravel() + 0.5, size=1000).reshape(1000, 2, 2, 2)
    lowers, uppers = bounds_for_draws(INSTRUMENT, ACE, observed)
    low, high = np.quantile(lowers, 0.025), np.quantile(uppers, 0.975)
    inside = (posterior.draws >= low) & (posterior.draws <= high)
    assert inside.mean() > 0.95
    assert low <= posterior.interval[0] < posterior.mean < posterior.interval[1] <= high
    assert posterior.diagnostics["rhat"] < 1.05 and posterior.diagnostics["ess_bulk"] > 100


def test_point_identified_query_concentrates_at_its_value() -> None:
    posterior = posterior_query_draws(INSTRUMENT, P0, VITAMIN_A, draws=2000, seed=5)
    assert posterior.mean == pytest.approx(P0_POINT, abs=2e-3)
    assert posterior.interval[0] < P0_POINT < posterior.interval[1]
    assert posterior.interval[1] - posterior.interval[0] < 5e-3


def test_ace_is_the_difference_of_its_terms_in_distribution() -> None:
    ace = posterior_query_draws(INSTRUMENT, ACE, VITAMIN_A, draws=1000, seed=1).mean
    p1 = posterior_query_draws(INSTRUMENT, P1, VITAMIN_A, draws=1000, seed=2).mean
    p0 = posterior_query_draws(INSTRUMENT, P0, VITAMIN_A, draws=1000, seed=3).mean
    assert ace == pytest.approx(p1 - p0, abs=0.015)


# ------------------------------------------------------------------ prior ----


def test_prior_concentration_sums_over_the_canonical_types_a_column_carries() -> None:
    merged = response_posterior(INSTRUMENT, P0, VITAMIN_A, prior=0.5)
    assert merged.n_columns < 16 and merged.alpha.sum() == pytest.approx(0.5 * 16)
    arms = {(0,): np.array([[3.0, 5.0], [2.0, 6.0]]), (1,): np.array([[1.0, 9.0], [2.0, 7.0]])}  # (Z, Y)
    only_experiments = [Experiment(("X",), arms)]
    pruned = response_posterior(INSTRUMENT, P1, None, only_experiments, prior=2.0)
    assert pruned.alpha.sum() == pytest.approx(2.0 * 16)  # X's 4 functions of Z are never observed


@pytest.mark.parametrize("prior", [1.0, 0.5])
def test_without_units_the_posterior_is_the_prior(prior: float) -> None:
    # P(Y_{X=1} = 1) sums the weights of 4 of the 8 canonical types: Beta(4 * prior, 4 * prior) a priori.
    posterior = posterior_query_draws(BOW, P1, np.zeros((2, 2)), prior=prior, draws=2000, seed=7)
    expected = stats.beta(4 * prior, 4 * prior)
    assert posterior.mean == pytest.approx(expected.mean(), abs=0.02)
    assert posterior.draws.std() == pytest.approx(expected.std(), abs=0.02)
    for level in (0.1, 0.5, 0.9):
        assert np.quantile(posterior.draws, level) == pytest.approx(expected.ppf(level), abs=0.03)


def test_gibbs_needs_whole_counts() -> None:
    with pytest.raises(ValueError, match="whole-number counts"):
        posterior_query_draws(BOW, P1, np.array([[1.5, 2.0], [3.0, 4.0]]), draws=100, warmup=10)


# ------------------------------------------- a known response distribution ----


def instrument_distribution(weights: np.ndarray, p_z1: float) -> np.ndarray:
    """P(Z, X, Y) when (X's function of Z, Y's function of X) has distribution ``weights`` (4 x 4)."""
    joint = np.zeros((2, 2, 2))
    for (tx, fx), (ty, fy) in product(enumerate(FUNCTIONS), enumerate(FUNCTIONS)):
        for z, p_z in ((0, 1 - p_z1), (1, p_z1)):
            joint[z, fx[z], fy[fx[z]]] += p_z * weights[tx, ty]
    return joint


def under_do(weights: np.ndarray, x: int) -> np.ndarray:
    """P(Y | do(X = x)) in the bow graph, whose X (a root) has two types: its two levels."""
    return np.array([sum(weights[tx, ty] for tx in range(2) for ty, fy in enumerate(FUNCTIONS) if fy[x] == y)
                     for y in (0, 1)])


def test_huge_sample_posterior_approaches_the_truth_of_an_identified_query() -> None:
    rng = np.random.default_rng(2024)
    weights = np.zeros((4, 4))  # one-sided noncompliance: only never-takers (0, 0) and compliers (0, 1)
    weights[0] = [0.05, 0.10, 0.05, 0.20]
    weights[1] = [0.10, 0.25, 0.05, 0.20]
    truth = sum(weights[tx, ty] for tx in range(4) for ty, fy in enumerate(FUNCTIONS) if fy[0] == 1)
    counts = rng.multinomial(400_000, instrument_distribution(weights, 0.4).ravel()).reshape(2, 2, 2)
    posterior = posterior_query_draws(INSTRUMENT, P0, counts.astype(float), draws=1000, seed=3)
    assert posterior.mean == pytest.approx(truth, abs=5e-3)
    assert posterior.interval[1] - posterior.interval[0] < 0.02


def test_huge_experiment_identifies_the_interventional_query() -> None:
    rng = np.random.default_rng(99)
    weights = rng.dirichlet(np.ones(8)).reshape(2, 4)  # X's level x Y's function, confounded
    observational = np.zeros((2, 2))
    for x, (ty, fy) in product(range(2), enumerate(FUNCTIONS)):
        observational[x, fy[x]] += weights[x, ty]
    arms = {(x,): rng.multinomial(200_000, under_do(weights, x)).astype(float) for x in (0, 1)}
    counts = rng.multinomial(2_000, observational.ravel()).reshape(2, 2).astype(float)
    posterior = posterior_query_draws(BOW, P1, counts, [Experiment(("X",), arms)], draws=1000, seed=4)
    assert posterior.mean == pytest.approx(under_do(weights, 1)[1], abs=5e-3)


# ------------------------------------------------------------- samplers ----


def test_gibbs_and_nuts_agree_in_distribution() -> None:
    counts = np.array([[8.0, 4.0], [5.0, 13.0]])
    gibbs = posterior_query_draws(BOW, P1, counts, draws=4000, seed=0)
    nuts = posterior_query_draws(BOW, P1, counts, draws=300, warmup=100, chains=2, seed=0, method="nuts")
    assert nuts.method == "nuts" and nuts.diagnostics["divergences"] == 0
    error = np.hypot(gibbs.diagnostics["mcse_mean"], nuts.diagnostics["mcse_mean"])
    assert gibbs.mean == pytest.approx(nuts.mean, abs=4 * error + 0.005)
    for level in (0.1, 0.5, 0.9):
        assert np.quantile(gibbs.draws, level) == pytest.approx(np.quantile(nuts.draws, level), abs=0.05)


# ------------------------------------------------------------ end to end ----


def test_cli_method_nuts_returns_bounds_and_the_posterior(shared_examples: Path, capsys) -> None:
    source = str(shared_examples / "vitamin_a.scm")
    query = "ace = bounds E[Y | do(X = 1)] - E[Y | do(X = 0)]"
    assert main(["run", source, "--method", "nuts", "--query", query, "--seed", "8", "--format", "json"]) == 0
    (answer,) = json.loads(capsys.readouterr().out)["queries"]
    lower, upper = answer["bounds"]
    assert (lower, upper) == pytest.approx((-0.1946, 0.0054), abs=1e-3)
    assert lower < answer["estimate"] < upper
    assert lower - 0.01 < answer["interval"][0] < answer["estimate"] < answer["interval"][1] < upper + 0.01
    assert answer["method"] == "bayesian-bounds (gibbs)"
    diagnostics = answer["diagnostics"]
    assert diagnostics["max_rhat"] < 1.05 and diagnostics["ess_bulk"] > 100
    assert "Dirichlet(1)" in diagnostics["prior"]["response_types"]
    assert any("depends on the prior" in note for note in diagnostics["notes"])
