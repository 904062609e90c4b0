"""Data blocks → the tensors a generated Pyro program reads through ``data=``.

Every observed column becomes a tensor on the requested device, typed for
the site that observes it: level positions as ``long`` for Categorical sites
(tables, nonparametric mechanisms, ``Categorical``), ``float`` for Bernoulli
and every other family.  Blocks are stacked into one set of columns; the
``count`` column is present only when some row weighs other than 1.  Rows
of ``under do(...)`` blocks are described by :class:`ExperimentRows`: which
rows generate each intervened variable (elsewhere its recorded value is
simply set).  Missing cells travel as masks of *observed* cells
(:func:`observed_masks`); the value stored in a missing cell is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from causalppl.data import messages
from causalppl.data.loading import COUNT_COLUMN, DataCollection, Dataset
from causalppl.ir.mechanisms import NonparametricMechanism, Parametric, TableMechanism
from causalppl.ir.model import CausalModel, Variable


@dataclass(frozen=True)
class ExperimentRows:
    """Per intervened variable, a boolean tensor over rows: True where its mechanism generated it."""

    generated: dict[str, torch.Tensor]

    @property
    def intervened(self) -> tuple[str, ...]:
        return tuple(self.generated)


def is_categorical_site(variable: Variable) -> bool:
    """True when the generated program observes ``variable`` through a Categorical site."""
    mechanism = variable.mechanism
    if isinstance(mechanism, (TableMechanism, NonparametricMechanism)):
        return True
    return isinstance(mechanism, Parametric) and mechanism.family == "Categorical"


def column_dtype(variable: Variable) -> torch.dtype:
    return torch.long if is_categorical_site(variable) else torch.get_default_dtype()


def stacked_columns(data: DataCollection, model: CausalModel,
                    device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """All blocks' rows, one tensor per observed variable (and ``count`` when rows are weighted)."""
    blocks = data.blocks
    columns: dict[str, torch.Tensor] = {}
    for variable in model.observables:
        values = np.concatenate([_block_column(block, variable.name) for block in blocks])
        columns[variable.name] = torch.as_tensor(values, device=device).to(column_dtype(variable))
    weights = np.concatenate([block.weights for block in blocks])
    if not np.all(weights == 1.0):
        columns[COUNT_COLUMN] = torch.as_tensor(weights, dtype=torch.get_default_dtype(), device=device)
    return columns


def observed_masks(data: DataCollection, model: CausalModel, names: tuple[str, ...] | None = None,
                   device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """For each observed variable with a missing cell somewhere (or each of ``names``), True where observed."""
    wanted = names if names is not None else tuple(
        v.name for v in model.observables if any(v.name in block.missing for block in data.blocks))
    masks = {}
    for name in wanted:
        observed = np.concatenate([~block.missing[name] if name in block.missing else np.ones(block.n_rows, bool)
                                   for block in data.blocks])
        masks[name] = torch.as_tensor(observed, dtype=torch.bool, device=device)
    return masks


def experiment_rows(data: DataCollection, device: torch.device | str = "cpu") -> ExperimentRows:
    """For each variable some block intervened on, the rows where it was *not* set."""
    names = tuple(dict.fromkeys(name for block in data.blocks for name in block.intervened))
    generated = {name: torch.as_tensor(_generated_rows(data, name), dtype=torch.bool, device=device) for name in names}
    return ExperimentRows(generated)


def _generated_rows(data: DataCollection, name: str) -> np.ndarray:
    return np.concatenate([np.full(block.n_rows, name not in block.intervened) for block in data.blocks])


def expand_weighted_rows(data: DataCollection, unit: int = 1) -> DataCollection:
    """Each row repeated ``count / unit`` times (counts must be whole multiples of ``unit``).

    Needed when discrete latent variables are summed out: a row's weight
    multiplies the log of a sum over the latent values, which per-row
    scaling cannot express; a common ``unit`` (see :func:`count_unit`) is a
    scalar scale of every row, which it can.
    """
    return DataCollection(tuple(_expanded_block(block, unit) for block in data.blocks), data.missing_mode)


def count_unit(data: DataCollection) -> int:
    """The largest whole number dividing every row's count (1 when some count is not whole)."""
    unit = 0
    for block in data.blocks:
        counts = np.round(block.weights)
        if not np.allclose(counts, block.weights) or np.any(counts > 2**62):
            return 1
        unit = int(np.gcd.reduce(np.append(counts.astype(np.int64), unit)))
    return max(unit, 1)


def expanded_rows(data: DataCollection, unit: int = 1) -> int:
    """How many rows :func:`expand_weighted_rows` would make (before making them)."""
    return int(sum(np.round(block.weights).sum() for block in data.blocks) // unit)


def _expanded_block(block: Dataset, unit: int = 1) -> Dataset:
    if np.all(block.weights == unit):
        return Dataset(block.columns, np.ones(block.n_rows), block.under, block.origin) if unit != 1 else block
    counts = np.round(block.weights)
    if not np.allclose(counts, block.weights):
        row = int(np.argmax(~np.isclose(counts, block.weights)))
        raise messages.count_not_whole(messages.cell(block.origin, row + 1, COUNT_COLUMN), block.weights[row])
    repeats = (counts // unit).astype(np.int64)
    columns = {name: np.repeat(values, repeats) for name, values in block.columns.items()}
    missing = {name: np.repeat(mask, repeats) for name, mask in block.missing.items()}
    return Dataset(columns, np.ones(int(repeats.sum())), block.under, block.origin, missing, block.missing_cells,
                   block.left_out)


def _block_column(block: Dataset, name: str) -> np.ndarray:
    return np.asarray(block.columns[name])
