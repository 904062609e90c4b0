"""``rt.dot``: a linear predictor over columns as one matrix product, its design matrix reused across steps."""

from __future__ import annotations

import pytest
import torch

from causalppl.backends import runtime as rt


def reference(vector: torch.Tensor, positions: tuple[int, ...], items: tuple) -> torch.Tensor:
    weights = [vector[..., k].unsqueeze(-1) if vector.dim() > 1 else vector[k] for k in positions]
    return sum(w * torch.as_tensor(item, dtype=torch.float32) for w, item in zip(weights, items))


@pytest.mark.parametrize("positions", [(0, 1, 2), (1, 2, 3), (3, 0, 2)], ids=["whole", "slice", "gathered"])
def test_dot_is_the_sum_of_products_for_every_choice_of_positions(positions):
    columns = tuple(torch.randn(7) for _ in positions)
    vector = torch.randn(4)[: max(positions) + 1] if positions == (0, 1, 2) else torch.randn(4)
    assert torch.allclose(rt.dot(vector, positions, columns), reference(vector, positions, columns), atol=1e-6)
    batched = torch.randn(5, vector.shape[-1])  # draws x coefficients
    assert torch.allclose(rt.dot(batched, positions, columns),
                          reference(batched, positions, columns), atol=1e-5)
    assert torch.allclose(rt.dot(vector, positions, (1.0, 2.0, columns[2])),
                          reference(vector, positions, (1.0, 2.0, columns[2])), atol=1e-6)


def test_the_design_matrix_of_data_columns_is_reused_until_a_column_changes():
    columns = (torch.randn(6), torch.randn(6))
    weights = torch.tensor([1.0, -1.0], requires_grad=True)
    first = rt.dot(weights, (0, 1), columns)
    assert torch.equal(rt.dot(weights, (0, 1), columns), first)
    assert rt._design(columns) is rt._design(columns)
    columns[0].add_(1.0)  # an in-place change is seen
    assert torch.allclose(rt.dot(weights, (0, 1), columns), first + 1.0)
    first.sum().backward()
    assert torch.allclose(weights.grad, torch.stack([c.sum() for c in columns]) - torch.tensor([6.0, 0.0]))


def test_columns_that_carry_a_gradient_are_stacked_anew():
    column = torch.randn(4, requires_grad=True)
    total = rt.dot(torch.tensor([2.0, 3.0]), (0, 1), (column, torch.ones(4))).sum()
    total.backward()
    assert torch.allclose(column.grad, torch.full((4,), 2.0))
