"""The rows of a model's covariates: the empirical distribution that queries draw units from.

A covariate (a root ``X : int`` or ``X : real`` without a mechanism) is
conditioned on, never modelled: a simulated unit takes the covariates of one
data row, all from the same row.  Two ways to draw ``m`` units:

- :meth:`CovariateRows.resample` -- rows uniformly at random (weighted by
  ``count``): the empirical distribution, for Monte Carlo answers;
- :meth:`CovariateRows.bootstrap` -- the Bayesian bootstrap (Rubin, 1981):
  rows weighted by Dirichlet(1, ..., 1) weights, fresh for each posterior
  draw, so that answers averaged over the covariates carry the uncertainty
  of having seen only these rows.  ``m`` draws from a Dirichlet-weighted
  categorical are a uniformly random way of putting ``m`` balls in the rows'
  bins (a Dirichlet-multinomial with all concentrations 1), drawn here by
  stars and bars in O(m log m) whatever the number of rows.

>>> import numpy as np, torch
>>> rows = CovariateRows(("Age",), (np.array([30.0, 40.0, 50.0]),), np.ones(3))
>>> _ = torch.manual_seed(0)
>>> sorted(set(rows.bootstrap(1000)["Age"].tolist()))
[30.0, 40.0, 50.0]
>>> rows.where("Age", ">", 35.0).n_rows
2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

from causalppl.data.loading import DataCollection, covariate_names
from causalppl.ir.model import CausalModel

EQUALITY_TOLERANCE = 1e-9
_OPERATORS = {"=": None, "!=": None, "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


@dataclass(frozen=True)
class CovariateRows:
    """Rows of covariate values (``columns[j]`` holds ``names[j]``) and their weights (the ``count`` column).

    The columns are the data block's own arrays where possible (no copy of a large data set).
    """

    names: tuple[str, ...]
    columns: tuple[np.ndarray, ...]  # one (rows,) array per covariate
    weights: np.ndarray  # (rows,)

    @property
    def n_rows(self) -> int:
        return len(self.weights)

    def column(self, name: str) -> np.ndarray:
        return self.columns[self.names.index(name)]

    def where(self, name: str, op: str, value: float) -> "CovariateRows":
        """The rows where ``name op value`` holds (evidence on a covariate conditions the rows)."""
        column = self.column(name)
        close = np.abs(column - value) <= EQUALITY_TOLERANCE * (1.0 + abs(value))
        holds = close if op == "=" else ~close if op == "!=" else _OPERATORS[op](column, value)
        return CovariateRows(self.names, tuple(c[holds] for c in self.columns), self.weights[holds])

    def only(self, names: tuple[str, ...]) -> "CovariateRows":
        return CovariateRows(names, tuple(self.column(name) for name in names), self.weights)

    def resample(self, m: int) -> dict[str, torch.Tensor]:
        """``m`` units drawn from the rows with replacement, in proportion to their weights."""
        return self._columns(_weighted_indices(self.weights, m))

    def bootstrap(self, m: int) -> dict[str, torch.Tensor]:
        """``m`` units from one Bayesian-bootstrap reweighting of the rows (a fresh one per call)."""
        return self._columns(bootstrap_indices(self.weights, m))

    def _columns(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        rows = index.cpu().numpy()
        dtype = torch.get_default_dtype()
        return {name: torch.from_numpy(np.asarray(column[rows], dtype=np.float64)).to(dtype)
                for name, column in zip(self.names, self.columns)}


def covariate_rows(model: CausalModel, data: DataCollection | None) -> CovariateRows | None:
    """The covariates' rows over every block that did not intervene on them (None: no covariates or no data)."""
    names = covariate_names(model)
    if not names or data is None:
        return None
    blocks = [block for block in data.blocks if not set(block.intervened) & set(names)]
    if not blocks:
        return None
    columns = tuple(_joined([b.columns[n] for b in blocks]) for n in names)
    weights = _joined([b.weights for b in blocks])
    keep = weights > 0
    if not keep.all():
        columns, weights = tuple(c[keep] for c in columns), weights[keep]
    return CovariateRows(names, columns, weights)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def fixed_rows(values: Mapping[str, float]) -> CovariateRows:
    """One row of pinned covariate values (evidence ``X = x`` without data)."""
    names = tuple(values)
    return CovariateRows(names, tuple(np.array([float(values[n])]) for n in names), np.ones(1))


# ------------------------------------------------------------- sampling ----


def _weighted_indices(weights: np.ndarray, m: int) -> torch.Tensor:
    if np.all(weights == weights[0]):
        return torch.randint(0, len(weights), (m,), device="cpu")
    return torch.multinomial(torch.from_numpy(weights / weights.sum()), m, replacement=True)


def bootstrap_indices(weights: np.ndarray, m: int) -> torch.Tensor:
    """Row indices of ``m`` draws from a categorical whose probabilities are Dirichlet(weights).

    Whole weights (a ``count`` column, or ones) use stars and bars over the
    expanded rows (a Dirichlet(c) over rows is Dirichlet(1) over their ``c``
    copies, aggregated); fractional weights draw the Dirichlet itself.
    """
    counts = np.round(weights)
    if not np.allclose(counts, weights) or counts.sum() > 2**62:
        probabilities = torch.distributions.Dirichlet(torch.from_numpy(weights)).sample()
        return torch.multinomial(probabilities, m, replacement=True)
    expanded = int(counts.sum())
    balls = _compositions(expanded, m)
    if np.all(counts == 1):
        return balls
    ends = torch.from_numpy(np.cumsum(counts).astype(np.int64))
    return torch.searchsorted(ends, balls, right=True)


def _compositions(bins: int, m: int) -> torch.Tensor:
    """Bins of ``m`` balls thrown so that every way of filling ``bins`` bins is equally likely.

    A uniform ``m``-subset of the ``bins + m - 1`` slots of stars and bars,
    sorted: ball ``j`` at slot ``s_j`` lies in bin ``s_j - j``.
    """
    slots = bins + m - 1
    if slots <= 4 * m:
        chosen = torch.randperm(slots, device="cpu")[:m]
    else:
        chosen = torch.unique(torch.randint(0, slots, (m,), device="cpu"))
        while chosen.numel() < m:  # few collisions when slots >> m
            extra = torch.randint(0, slots, (m - chosen.numel(),), device="cpu")
            chosen = torch.unique(torch.cat([chosen, extra]))
    ordered = torch.sort(chosen).values
    return ordered - torch.arange(m)


__all__ = ["CovariateRows", "covariate_rows", "covariate_names", "fixed_rows", "bootstrap_indices"]
