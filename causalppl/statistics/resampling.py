"""Bayesian-bootstrap weights (Rubin, 1981): Dirichlet draws over the data's rows, streamed in chunks.

A row with frequency weight ``c`` (a ``count`` column) stands for ``c``
units; its Dirichlet concentration is ``c``, so an aggregated table and its
expanded rows give the same draws in distribution.  Each chunk is a
``(b, n)`` tensor whose rows sum to 1; chunks are sized so that the fits
consuming them stay within a memory budget.

>>> chunks = list(dirichlet_chunks(torch.ones(4, dtype=torch.float64), draws=5, seed=0, chunk=2))
>>> [tuple(c.shape) for c in chunks]
[(2, 4), (2, 4), (1, 4)]
>>> bool(torch.allclose(torch.cat(chunks).sum(-1), torch.ones(5, dtype=torch.float64)))
True
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch


def normalized(weights: torch.Tensor) -> torch.Tensor:
    """The data's own weights as one ``(1, n)`` row summing to 1 (the point fit)."""
    weights = torch.as_tensor(weights, dtype=torch.float64)
    return (weights / weights.sum()).unsqueeze(0)


def dirichlet_chunks(counts: torch.Tensor, draws: int, seed: int | None, chunk: int) -> Iterator[torch.Tensor]:
    """``draws`` Dirichlet(counts) weight vectors over the rows, ``chunk`` at a time."""
    generator = np.random.default_rng(seed)
    alpha = np.asarray(torch.as_tensor(counts, dtype=torch.float64).cpu().numpy(), dtype=np.float64)
    positive = alpha > 0
    done = 0
    while done < draws:
        size = min(chunk, draws - done)
        gammas = np.zeros((size, alpha.size))
        gammas[:, positive] = generator.standard_gamma(alpha[positive], size=(size, int(positive.sum())))
        gammas /= gammas.sum(axis=1, keepdims=True)
        yield torch.from_numpy(gammas)
        done += size


__all__ = ["normalized", "dirichlet_chunks"]
