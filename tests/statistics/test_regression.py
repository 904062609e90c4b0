"""Batched regressions against statsmodels (the peer), and the Bayesian-bootstrap weights."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from causalppl.statistics.regression import (
    Design,
    class_probabilities,
    least_squares,
    multinomial_logit,
)
from causalppl.statistics.resampling import dirichlet_chunks, normalized

sm = pytest.importorskip("statsmodels.api")


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    c = rng.integers(0, 3, size=n)
    columns = {"z": torch.as_tensor(z), "c": torch.as_tensor(c)}
    design = Design.of(columns, {"z": None, "c": 3}, ("z", "c"))
    return rng, columns, design


def test_weighted_least_squares_matches_statsmodels_wls():
    rng, columns, design = _data()
    X = design.matrix(columns)
    y = X @ torch.tensor([1.0, 2.0, -1.0, 0.5], dtype=torch.float64) + torch.as_tensor(rng.normal(size=400))
    w = torch.as_tensor(rng.uniform(0.5, 2.0, size=400))
    ours = least_squares(X, y, normalized(w))[0]
    theirs = sm.WLS(y.numpy(), X.numpy(), weights=w.numpy()).fit().params
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-8)


def test_multinomial_logit_matches_statsmodels_mnlogit():
    rng, columns, design = _data(n=2000, seed=1)
    X = design.matrix(columns)
    logits = X @ torch.tensor([[0.3, -0.2], [1.0, -1.0], [0.5, 0.0], [0.0, 1.0]], dtype=torch.float64)
    probs = torch.softmax(torch.cat([torch.zeros(2000, 1, dtype=torch.float64), logits], 1), 1)
    y = torch.multinomial(probs.float(), 1, generator=torch.Generator().manual_seed(0)).squeeze(1)
    ours = multinomial_logit(X, y, 3, normalized(torch.ones(2000)))[0]
    theirs = sm.MNLogit(y.numpy(), X.numpy()).fit(disp=0).params
    np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), rtol=1e-4, atol=1e-4)


def test_binary_logit_matches_statsmodels_logit_and_probabilities_sum_to_one():
    rng, columns, design = _data(n=1500, seed=2)
    X = design.matrix(columns)
    y = (rng.random(1500) < 1 / (1 + np.exp(-(X.numpy() @ np.array([-0.5, 1.5, 0.3, -0.7]))))).astype(int)
    theta = multinomial_logit(X, torch.as_tensor(y), 2, normalized(torch.ones(1500)))
    theirs = sm.Logit(y, X.numpy()).fit(disp=0).params
    np.testing.assert_allclose(theta[0, :, 0].numpy(), theirs, rtol=1e-4, atol=1e-4)
    probs = class_probabilities(X, theta)
    assert torch.allclose(probs.sum(-1), torch.ones_like(probs[..., 0]))


def test_a_batch_of_weights_gives_the_fits_of_each_weight_vector():
    rng, columns, design = _data(n=300, seed=3)
    X = design.matrix(columns)
    y = torch.as_tensor(rng.normal(size=300))
    W = next(dirichlet_chunks(torch.ones(300), draws=4, seed=0, chunk=4))
    batch = least_squares(X, y, W)
    for b in range(4):
        assert torch.allclose(batch[b], least_squares(X, y, W[b:b + 1])[0], atol=1e-10)


def test_interactions_fit_one_model_per_arm():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 2, size=500)
    z = rng.normal(size=500)
    y = np.where(x == 1, 1 + 3 * z, -2 + 0.5 * z) + 0.01 * rng.normal(size=500)
    columns = {"x": torch.as_tensor(x), "z": torch.as_tensor(z)}
    design = Design.of(columns, {"x": 2, "z": None}, ("x", "z"), interact=("x",))
    beta = least_squares(design.matrix(columns), torch.as_tensor(y), normalized(torch.ones(500)))
    treated = design.matrix({"x": torch.ones(1, dtype=torch.long), "z": torch.tensor([2.0], dtype=torch.float64)})
    assert float(beta @ treated.T) == pytest.approx(7.0, abs=0.01)


@settings(max_examples=25, deadline=None)
@given(counts=st.lists(st.integers(0, 5), min_size=2, max_size=12).filter(lambda c: sum(c) > 0),
       draws=st.integers(1, 9), chunk=st.integers(1, 4))
def test_dirichlet_weights_sum_to_one_and_skip_empty_rows(counts, draws, chunk):
    weights = torch.cat(list(dirichlet_chunks(torch.tensor(counts, dtype=torch.float64), draws, 0, chunk)))
    assert weights.shape == (draws, len(counts))
    assert torch.allclose(weights.sum(-1), torch.ones(draws, dtype=torch.float64))
    assert bool((weights[:, torch.tensor(counts) == 0] == 0).all())


def test_a_design_of_the_intercept_alone_takes_its_rows_from_the_caller():
    """An outcome regressed on nothing (P(Y | do(X)) where X does not reach Y) crashed on an empty column set."""
    design = Design((), ())
    assert design.matrix({}, rows=3).tolist() == [[1.0], [1.0], [1.0]]
    with pytest.raises(ValueError):
        design.matrix({})
