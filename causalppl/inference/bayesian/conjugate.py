"""Conjugate learning of nonparametric tables: Dirichlet(1 + counts) per row, sampled directly.

``X : T <- A, B`` has a Dirichlet(1) prior on each row of its table (one row
per parent configuration).  When X and its parents are observed in every
row and no ``<->`` arc touches the model, the rows' posteriors are
independent Dirichlets whose concentrations add the weighted counts of the
rows that generated X (rows of an experiment that set X do not count for
X's table).  No sampler is needed: the draws are exact and independent.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from causalppl.backends.symbols import site_names
from causalppl.data import DataCollection
from causalppl.data.distributions import joint_counts
from causalppl.inference.bayesian.structure import nonparametric_variables
from causalppl.inference.budget import SAMPLE_MEMORY_LIMIT
from causalppl.inference.messages import table_draws_too_large
from causalppl.ir.model import CausalModel, Variable


def conjugate_draws(model: CausalModel, data: DataCollection | None, num_draws: int,
                    tables: tuple[Variable, ...] | None = None) -> dict[str, torch.Tensor]:
    """``num_draws`` independent posterior draws of every table (or of ``tables``), keyed ``probs_X``
    (shape (S, *parents, k))."""
    draws = {}
    for variable in nonparametric_variables(model) if tables is None else tables:
        _require_table_draws_fit(model, variable, num_draws)
        concentration = 1.0 + torch.as_tensor(_counts(model, variable, data), dtype=torch.float64)
        draws[site_names(model).probs[variable.name]] = torch.distributions.Dirichlet(concentration).sample((num_draws,))
    return draws


def _require_table_draws_fit(model: CausalModel, variable: Variable, num_draws: int) -> None:
    """A user error, before anything is allocated, when the draws of a table would not fit in memory."""
    settings = math.prod(model.variable(name).domain.size for name in variable.parents)
    needed = 8 * settings * variable.domain.size * (num_draws + 1)  # float64: the draws and the counts
    if needed > SAMPLE_MEMORY_LIMIT:
        raise table_draws_too_large(variable.span, variable.name, len(variable.parents), settings, num_draws,
                                    needed, SAMPLE_MEMORY_LIMIT)


def posterior_concentration(model: CausalModel, variable: str, data: DataCollection | None) -> np.ndarray:
    """The Dirichlet concentrations of ``variable``'s table rows (axes: parents, then its own levels)."""
    return 1.0 + _counts(model, model.variable(variable), data)


def _counts(model: CausalModel, variable: Variable, data: DataCollection | None) -> np.ndarray:
    names = tuple(variable.parents) + (variable.name,)
    shape = tuple(model.variable(name).domain.size for name in names)
    total = np.zeros(shape)
    for block in (data.blocks if data is not None else ()):
        if variable.name not in block.intervened:
            total += joint_counts(block, model, names)
    return total
