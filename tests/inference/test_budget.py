"""Resources estimated before they are spent: Monte Carlo streams in batches, the rest refuses with the size."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.diagnostics import CausalPPLError
from causalppl.inference import budget
from causalppl.inference.estimate import montecarlo
from causalppl.inference.estimate.montecarlo import RunningMean, _batches, sample_mean

MODEL = "model M {\n  X ~ Normal(0, 1)\n  Y ~ Normal(2 * X + 1, 1)\n  B ~ Bernoulli(sigmoid(X))\n}\n"


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=1, max_value=3_000),
       st.one_of(st.none(), st.integers(min_value=0, max_value=2**32 - 1)))
def test_batches_cover_every_unit_once(total, size, seed):
    batches = list(_batches(total, size, seed))
    assert sum(n for n, _ in batches) == total
    assert all(0 < n <= size for n, _ in batches)
    assert all(s is not None and 0 <= s < 2**32 for _, s in batches)
    if total <= size and seed is not None:
        assert batches == [(total, seed)]  # a run that fits in one batch is unchanged by batching


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=20), min_size=1,
                max_size=5))
def test_running_means_over_batches_equal_the_mean_of_all_units(chunks):
    running = RunningMean()
    for chunk in chunks:
        running.add(torch.tensor(chunk, dtype=torch.float64))
    whole = sample_mean(torch.tensor([x for chunk in chunks for x in chunk], dtype=torch.float64))
    streamed = running.estimate()
    assert streamed.value == pytest.approx(whole.value, rel=1e-9, abs=1e-6)
    if sum(len(chunk) for chunk in chunks) > 1:
        assert streamed.variance == pytest.approx(whole.variance, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("query,expected", [("E[Y]", 1.0), ("E[Y | do(X = 1)] - E[Y | do(X = 0)]", 2.0),
                                            ("P(B = true)", 0.5), ("E[Y] / E[Y + 1]", 0.5)])
def test_many_small_batches_give_the_answer(monkeypatch, query, expected):
    monkeypatch.setattr(montecarlo, "batch_units", lambda model: 1_000)
    result = cp.loads(MODEL).query(query, samples=20_500, seed=4, method="mc")
    assert result.estimate == pytest.approx(expected, abs=0.06)


def test_a_distribution_is_counted_over_batches(monkeypatch):
    monkeypatch.setattr(montecarlo, "batch_units", lambda model: 1_000)
    result = cp.loads(MODEL).query("P(B)", samples=5_500, seed=4, method="mc")
    assert sum(result.distribution.values()) == pytest.approx(1.0)
    assert result.distribution["1"] == pytest.approx(0.5, abs=0.05)


def test_batches_are_bounded_in_memory():
    model = cp.loads(MODEL).ir
    assert budget.batch_units(model) * budget.unit_bytes(model) <= max(budget.BATCH_MEMORY,
                                                                       1_000 * budget.unit_bytes(model))


@pytest.mark.parametrize("call", [
    lambda m: m.query("E[Y | B = true]", samples=10**9, seed=1),
    lambda m: m.query("E[Y[X = 1] - Y[X = 0]]", samples=10**9, seed=1),
    lambda m: m.sample(10**9),
], ids=["weighting", "counterfactual", "sample"])
def test_units_held_at_once_are_refused_with_the_size_before_allocating(call):
    with pytest.raises(CausalPPLError) as caught:
        call(cp.loads(MODEL))
    text = caught.value.render()
    assert "1,000,000,000 simulated units at once" in text and "GiB" in text and "or fewer" in text
