"""The observed joint distribution of a finite model: from data (with Dirichlet draws) or from the model.

Identification and bounds both work on P(V) over the observed variables.
With data, the point value is the empirical distribution and uncertainty
comes from draws of the Dirichlet posterior over the cells (counts + 1/2,
the Jeffreys prior); without data, P(V) is computed exactly from the model
when every mechanism is known.

Both are numpy arrays: a joint from counts needs neither torch nor the exact
engine, which load only for a joint computed from the model.

>>> import numpy as np
>>> dirichlet_draws(np.array([3.0, 1.0]), 2, seed=0).shape
(2, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from causalppl.backends.tabulable import NotTabulable
from causalppl.data import DataCollection
from causalppl.data.distributions import joint_counts
from causalppl.ir.model import CausalModel

CELL_PRIOR = 0.5


@dataclass(frozen=True)
class ObservedJoint:
    variables: tuple[str, ...]
    point: np.ndarray  # (k1, ..., kn), float64
    draws: np.ndarray | None  # (S, k1, ..., kn) posterior draws, or None when exact
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


def dirichlet_draws(counts: np.ndarray, draws: int, seed: int | None) -> np.ndarray:
    """``draws`` joints from the Dirichlet(counts + 1/2) posterior over the cells, shape (draws, *counts.shape)."""
    generator = np.random.default_rng(seed)
    flat = generator.dirichlet(counts.reshape(-1) + CELL_PRIOR, size=draws)
    return flat.reshape((draws,) + counts.shape)


def _from_counts(names: tuple[str, ...], counts: np.ndarray, draws: int, seed: int | None) -> ObservedJoint:
    total = counts.sum()
    point = counts / total if total > 0 else np.full(counts.shape, 1.0 / counts.size)
    return ObservedJoint(names, np.asarray(point, dtype=np.float64),
                         dirichlet_draws(counts, draws, seed).astype(np.float64, copy=False), counts, "data")


def _from_model(model: CausalModel, names: tuple[str, ...]) -> ObservedJoint:
    from causalppl.backends.exact import marginal  # the exact engine (torch): only for a joint from the model
    from causalppl.backends.factors import model_factors

    graph = model_factors(model)  # raises NotTabulable with the reason
    point = marginal(list(graph.factors), names)
    return ObservedJoint(names, (point / point.sum()).numpy(), None, None, "model")


__all__ = ["ObservedJoint", "observed_joint", "experimental_counts", "dirichlet_draws", "NotTabulable"]
