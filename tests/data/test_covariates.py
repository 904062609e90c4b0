"""Covariate rows: the Bayesian bootstrap sampler against its definition, evidence on rows."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from causalppl.data.covariates import CovariateRows, bootstrap_indices


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 3000), balls=st.integers(1, 500), seed=st.integers(0, 2**16))
def test_bootstrap_indices_are_valid_rows(rows, balls, seed):
    torch.manual_seed(seed)
    index = bootstrap_indices(np.ones(rows), balls)
    assert index.shape == (balls,) and int(index.min()) >= 0 and int(index.max()) < rows


def test_bootstrap_counts_follow_the_dirichlet_multinomial():
    """Counts of m draws from Dirichlet(1_n)-weighted rows: mean m/n, variance m(n-1)/n^2 (n+m)/(n+1)."""
    torch.manual_seed(0)
    n, m, repeats = 5, 40, 4000
    counts = np.stack([np.bincount(bootstrap_indices(np.ones(n), m).numpy(), minlength=n) for _ in range(repeats)])
    mean, variance = m / n, m * (n - 1) / n**2 * (n + m) / (n + 1)
    assert abs(counts.mean() - mean) < 0.05
    assert abs(counts[:, 0].var() / variance - 1) < 0.1  # a multinomial would give m(n-1)/n^2, 7.6x smaller


def test_bootstrap_with_many_rows_uses_few_collisions():
    torch.manual_seed(1)
    index = bootstrap_indices(np.ones(2_000_000), 10_000)
    assert len(torch.unique(index)) > 9_900  # almost every ball in its own row


def test_whole_counts_weigh_rows_like_repeated_rows():
    torch.manual_seed(2)
    weights = np.array([1.0, 3.0])  # the second row stands for three rows
    share = np.mean([float((bootstrap_indices(weights, 200) == 1).float().mean()) for _ in range(500)])
    assert abs(share - 0.75) < 0.02


def test_evidence_selects_rows():
    rows = CovariateRows(("Age", "Income"), (np.array([30.0, 40.0, 30.0]), np.array([1.0, 2.0, 3.0])), np.ones(3))
    assert rows.where("Age", "=", 30).column("Income").tolist() == [1.0, 3.0]
    assert rows.where("Income", ">=", 2).where("Age", "!=", 40).n_rows == 1
    torch.manual_seed(3)
    drawn = rows.where("Age", "=", 30).resample(100)
    assert set(drawn["Age"].tolist()) == {30.0} and set(drawn["Income"].tolist()) == {1.0, 3.0}
