"""Empirical distributions of finite variables from data blocks (joint tables of counts)."""

from __future__ import annotations

import numpy as np

from causalppl.data.loading import Dataset
from causalppl.ir.model import CausalModel


def joint_counts(block: Dataset, model: CausalModel, names: tuple[str, ...]) -> np.ndarray:
    """Weighted counts of every combination of the named finite variables (axes in ``names`` order)."""
    shape = tuple(model.variable(name).domain.size for name in names)
    counts = np.zeros(shape)
    index = tuple(block.columns[name] for name in names)
    np.add.at(counts, index, block.weights)
    return counts
