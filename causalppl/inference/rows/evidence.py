"""Batched evidence for the exact engine: one contraction for every distinct row of evidence.

The one place the per-row engines call the exact engine, so that its
implementation can change underneath (a compiled join tree, say) without
touching them: :func:`batched_evidence` takes factors, the variables to
keep and per-row evidence columns, and returns the unnormalised marginal of
each *distinct* evidence row with, for every row, the index of its distinct
row.  Rows repeat a lot in real data (a million patients, a few hundred
covariate patterns), so everything downstream works on the distinct rows
and expands at the very end.

>>> import torch
>>> from causalppl.backends.exact import Factor
>>> f = Factor(("X", "Y"), torch.tensor([[0.3, 0.1], [0.2, 0.4]], dtype=torch.float64))
>>> m = batched_evidence([f], ("Y",), {}, {"X": torch.tensor([1, 0, 1])})
>>> m.joint.tolist(), m.inverse.tolist()
([[0.3, 0.1], [0.2, 0.4]], [1, 0, 1])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import torch

from causalppl.backends.exact import Factor, batched_marginal, marginal


@dataclass(frozen=True)
class DistinctMarginals:
    """``joint[d]``: the unnormalised marginal over ``keep`` given distinct row ``d``; ``inverse[i]``: row i's d."""

    joint: torch.Tensor  # (D, *cardinalities of keep)
    inverse: torch.Tensor  # (B,) long
    rows: dict[str, torch.Tensor]  # the distinct rows' evidence, one (D,) long tensor per variable


def batched_evidence(factors: Sequence[Factor], keep: Sequence[str], fixed: Mapping[str, int],
                     columns: Mapping[str, torch.Tensor]) -> DistinctMarginals:
    """Marginals of ``keep`` for every distinct row of ``columns`` (levels, shape (B,)), ``fixed`` held in all.

    Raises what the exact engine raises (``EnumerationTooLarge`` when even one row does not fit).
    """
    if not columns:
        joint = marginal(factors, tuple(keep), dict(fixed)).unsqueeze(0)
        return DistinctMarginals(joint, torch.zeros(0, dtype=torch.long), {})
    names = tuple(columns)
    distinct, inverse = distinct_rows([columns[name].long() for name in names])
    rows = {name: distinct[:, k] for k, name in enumerate(names)}
    evidence: dict[str, torch.Tensor | int] = dict(fixed)
    evidence.update(rows)
    joint = batched_marginal(factors, tuple(keep), evidence)
    return DistinctMarginals(joint, inverse, rows)


def distinct_rows(columns: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """The distinct rows ``(D, k)`` of non-negative level columns and each row's index among them.

    Rows are numbered by one int64 (mixed radix) and the numbers sorted once:
    much faster than ``torch.unique(dim=0)`` on millions of rows.
    """
    table = torch.stack(list(columns), dim=1)
    radix = (table.max(dim=0).values + 1).clamp(min=1).tolist() if table.numel() else [1] * table.shape[1]
    total = 1
    for size in radix:
        total *= size
    if total >= 2**62:
        return torch.unique(table, dim=0, return_inverse=True)
    strides = [1] * len(radix)
    for k in range(len(radix) - 2, -1, -1):
        strides[k] = strides[k + 1] * radix[k + 1]
    strides_t = table.new_tensor(strides)
    codes, inverse = torch.unique((table * strides_t).sum(dim=1), return_inverse=True)
    return codes[:, None] // strides_t % table.new_tensor(radix), inverse
