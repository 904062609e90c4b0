"""The observed joint distribution of a finite model: from data (with Dirichlet draws) or from the model.

Identification and bounds both work on P(V) over the observed variables.
With data, the point value is the empirical distribution and uncertainty
comes from draws of the Dirichlet posterior over the cells (counts + 1/2,
the Jeffreys prior); without data, P(V) is computed exactly from the model
when every mechanism is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from causalppl.backends.exact import marginal
from causalppl.backends.factors import NotTabulable, model_factors
from causalppl.data import DataCollection
from causalppl.data.distributions import joint_counts
from causalppl.ir.model import CausalModel

CELL_PRIOR = 0.5


@dataclass(frozen=True)
class ObservedJoint:
    variables: tuple[str, ...]
    point: torch.Tensor  # (k1, ..., kn)
    draws: torch.Tensor | None  # (S, k1, ..., kn) posterior draws, or None when exact
    counts: np.ndarray | None
    source: str  # "data" or "model"


def observed_joint(model: CausalModel, data: DataCollection | None, draws: int, seed: int | None,
                   variables: tuple[str, ...] | None = None) -> ObservedJoint:
    names = variables or tuple(v.name for v in model.observables)
    if data is not None and data.observational:
        counts = sum(joint_counts(block, model, names) for block in data.observational)
        return _from_counts(names, counts, draws, seed)
    return _from_model(model, names)


def experimental_counts(model: CausalModel, data: DataCollection | None) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """Counts of each experimental block (its intervened variables, and the joint over all observed ones)."""
    if data is None:
        return []
    names = tuple(v.name for v in model.observables)
    return [(block.intervened, joint_counts(block, model, names)) for block in data.experimental]


def dirichlet_draws(counts: np.ndarray, draws: int, seed: int | None) -> torch.Tensor:
    generator = np.random.default_rng(seed)
    flat = generator.dirichlet(counts.reshape(-1) + CELL_PRIOR, size=draws)
    return torch.from_numpy(flat.reshape((draws,) + counts.shape))


def _from_counts(names: tuple[str, ...], counts: np.ndarray, draws: int, seed: int | None) -> ObservedJoint:
    total = counts.sum()
    point = torch.from_numpy(counts / total) if total > 0 else torch.full(counts.shape, 1.0 / counts.size)
    return ObservedJoint(names, point.double(), dirichlet_draws(counts, draws, seed).double(), counts, "data")


def _from_model(model: CausalModel, names: tuple[str, ...]) -> ObservedJoint:
    graph = model_factors(model)  # raises NotTabulable with the reason
    point = marginal(list(graph.factors), names)
    return ObservedJoint(names, point / point.sum(), None, None, "model")


__all__ = ["ObservedJoint", "observed_joint", "experimental_counts", "dirichlet_draws", "NotTabulable"]
