"""Query validation and result layout of marginal and batched_marginal."""

from __future__ import annotations

import pytest
import torch

from causalppl.backends.exact import Factor, batched_marginal, marginal

PRIOR = Factor(("a",), torch.tensor([0.3, 0.7], dtype=torch.float64))
LINK = Factor(("a", "b"), torch.tensor([[0.9, 0.1, 0.0], [0.2, 0.3, 0.5]], dtype=torch.float64))
FACTORS = [PRIOR, LINK]


def test_keep_order_sets_axis_order() -> None:
    ab = marginal(FACTORS, ["a", "b"])
    torch.testing.assert_close(marginal(FACTORS, ["b", "a"]), ab.T, rtol=0, atol=0)
    torch.testing.assert_close(ab, PRIOR.table[:, None] * LINK.table, rtol=0, atol=1e-15)


def test_empty_keep_gives_the_evidence_mass() -> None:
    mass = marginal(FACTORS, [], {"b": 2})
    assert mass.shape == ()
    assert abs(mass.item() - 0.35) < 1e-15


def test_numpy_and_tensor_levels_are_accepted() -> None:
    import numpy as np

    expected = marginal(FACTORS, ["a"], {"b": 1})
    for level in (np.int64(1), torch.tensor(1)):
        torch.testing.assert_close(marginal(FACTORS, ["a"], {"b": level}), expected)


@pytest.mark.parametrize(
    ("keep", "evidence", "message"),
    [
        (["a", "a"], {}, "twice"),
        (["z"], {}, "no factor mentions"),
        (["a"], {"z": 0}, "no factor mentions"),
        (["a"], {"a": 0}, "both kept and observed"),
        (["a"], {"b": 3}, "out of range"),
        (["a"], {"b": -1}, "out of range"),
        (["a"], {"b": 1.0}, "integer level"),
    ],
)
def test_bad_queries_are_rejected(keep, evidence, message) -> None:
    with pytest.raises(ValueError, match=message):
        marginal(FACTORS, keep, evidence)


def test_batched_rows_mix_with_fixed_levels() -> None:
    weights = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=torch.float64)
    three = Factor(("b", "c"), weights)
    factors = [*FACTORS, three]
    rows = torch.tensor([0, 2, 2, 1])
    result = batched_marginal(factors, ["a"], {"b": rows, "c": 1})
    assert result.shape == (4, 2)
    for row, level in enumerate(rows.tolist()):
        torch.testing.assert_close(result[row], marginal(factors, ["a"], {"b": level, "c": 1}))


def test_empty_batch_gives_an_empty_result() -> None:
    result = batched_marginal(FACTORS, ["a"], {"b": torch.zeros(0, dtype=torch.long)})
    assert result.shape == (0, 2)


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ({"b": 1}, "at least one evidence tensor"),
        ({"b": torch.tensor([0.0, 1.0])}, "integer tensor"),
        ({"b": torch.tensor([0, 3])}, "must lie in"),
        ({"b": torch.tensor([0, -1])}, "must lie in"),
        ({"b": torch.tensor([0, 1]), "a": torch.tensor([0])}, "differ in length"),
    ],
)
def test_bad_batches_are_rejected(evidence, message) -> None:
    with pytest.raises(ValueError, match=message):
        batched_marginal(FACTORS, [], evidence)
