"""Memory budget: EnumerationTooLarge before allocating, and batches split into chunks."""

from __future__ import annotations

import pickle
import re

import pytest
import torch

from causalppl.backends.exact import (
    EnumerationTooLarge,
    Factor,
    batched_marginal,
    marginal,
)
from causalppl.backends.exact.errors import describe_bytes
from causalppl.backends.exact.execution import Program


def dense_model(count: int) -> list[Factor]:
    """Binary variables with a factor on every pair: any order builds a 2**(count-1) table."""
    names = [f"x{i}" for i in range(count)]
    table = torch.tensor([[1.0, 0.5], [0.5, 1.0]], dtype=torch.float64)
    return [Factor((a, b), table) for i, a in enumerate(names) for b in names[i + 1 :]]


def test_dense_model_raises_before_allocating() -> None:
    with pytest.raises(EnumerationTooLarge) as caught:
        marginal(dense_model(40), ["x0"])
    error = caught.value
    assert error.required_bytes >= 8 * 2**38
    assert len(error.largest_factor_vars) >= 38
    assert error.max_bytes == 2**31
    assert re.fullmatch(
        r"exact enumeration needs about [\d.]+ (TiB|PiB) for an intermediate table over \d+ "
        r"variables \(limit: 2\.0 GiB\)",
        str(error),
    )


def test_budget_is_configurable() -> None:
    factors = dense_model(12)
    with pytest.raises(EnumerationTooLarge):
        marginal(factors, [], max_bytes=1024)
    assert marginal(factors, [], max_bytes=2**20).item() > 0


def test_error_survives_pickling() -> None:
    error = EnumerationTooLarge(13_314_398_618, ("a", "b"), 2**31)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.required_bytes, copy.largest_factor_vars, str(copy)) == (
        error.required_bytes,
        error.largest_factor_vars,
        str(error),
    )
    assert "12.4 GiB" in str(error)


@pytest.mark.parametrize(
    ("count", "text"), [(512, "512 bytes"), (1536, "1.5 KiB"), (3 * 2**30, "3.0 GiB")]
)
def test_describe_bytes(count: int, text: str) -> None:
    assert describe_bytes(count) == text


def test_batches_that_do_not_fit_are_split_into_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    factors = dense_model(8)
    rows = torch.arange(64)
    evidence = {"x0": rows % 2, "x1": rows // 2 % 2, "x2": rows // 32}  # 8 distinct rows
    whole = batched_marginal(factors, ["x3"], evidence)
    passes = []
    run = Program.run
    monkeypatch.setattr(Program, "run", lambda self, tables: passes.append(1) or run(self, tables))
    # The largest table holds 16 entries (128 bytes) per row: 600 bytes fit 4 rows a pass.
    chunked = batched_marginal(factors, ["x3"], evidence, max_bytes=600)
    assert len(passes) == 2
    torch.testing.assert_close(chunked, whole, rtol=1e-12, atol=0)


def test_batch_raises_when_one_row_does_not_fit() -> None:
    with pytest.raises(EnumerationTooLarge):
        batched_marginal(dense_model(40), ["x3"], {"x0": torch.tensor([0, 1])})
