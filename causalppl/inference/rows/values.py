"""Per-row answers and their arithmetic: a value and a Monte Carlo variance for every unit.

:class:`RowEstimate` is :class:`~causalppl.inference.results.Estimate` over
a batch: ``fold_term`` combines leaf answers row by row (independent
leaves; the delta method for products and ratios).  :class:`RowValues` is
what a per-row answerer hands back in ``Result.rows``: the estimate of
every row, and a 95% interval where the method gives one.

>>> import torch
>>> a = RowEstimate(torch.tensor([0.5, 0.25], dtype=torch.float64), torch.tensor([0.01, 0.0], dtype=torch.float64))
>>> (a - 0.25).value.tolist(), (1 - a).variance.tolist()
([0.25, 0.0], [0.01, 0.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class RowEstimate:
    """Values ``(n,)`` and the variances of their Monte Carlo errors (zeros for exact answers)."""

    value: torch.Tensor
    variance: torch.Tensor

    @staticmethod
    def exact(value: torch.Tensor) -> "RowEstimate":
        value = value.to(torch.float64)
        return RowEstimate(value, torch.zeros_like(value))

    @staticmethod
    def of(number: Any) -> "RowEstimate":
        if isinstance(number, RowEstimate):
            return number
        value = torch.as_tensor(float(number), dtype=torch.float64)
        return RowEstimate(value, torch.zeros((), dtype=torch.float64))

    def __neg__(self) -> "RowEstimate":
        return RowEstimate(-self.value, self.variance)

    def __add__(self, other: Any) -> "RowEstimate":
        other = RowEstimate.of(other)
        return RowEstimate(self.value + other.value, self.variance + other.variance)

    def __sub__(self, other: Any) -> "RowEstimate":
        other = RowEstimate.of(other)
        return RowEstimate(self.value - other.value, self.variance + other.variance)

    def __mul__(self, other: Any) -> "RowEstimate":
        other = RowEstimate.of(other)
        return RowEstimate(self.value * other.value,
                           other.value**2 * self.variance + self.value**2 * other.variance)

    def __truediv__(self, other: Any) -> "RowEstimate":
        other = RowEstimate.of(other)
        ratio = self.value / other.value  # 0 / 0 is nan: reported as an undefined row
        variance = self.variance / other.value**2 + self.value**2 * other.variance / other.value**4
        return RowEstimate(ratio, variance)

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other: Any) -> "RowEstimate":
        return RowEstimate.of(other) - self

    def __rtruediv__(self, other: Any) -> "RowEstimate":
        return RowEstimate.of(other) / self


@dataclass(frozen=True)
class RowValues:
    """The answer for every row: ``estimate`` (n,), a 95% ``lower``/``upper`` where the method gives one,
    or for a distribution ``P(Y | ...)`` one column per level."""

    estimate: np.ndarray | None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    distribution: dict[str, np.ndarray] | None = None
    interval_kind: str | None = None  # "monte carlo" or "posterior"

    @property
    def n_rows(self) -> int:
        if self.estimate is not None:
            return len(self.estimate)
        return len(next(iter(self.distribution.values())))

    @staticmethod
    def from_estimate(estimate: RowEstimate, n: int) -> "RowValues":
        value = estimate.value.expand(n).detach().to("cpu", torch.float64).numpy()
        variance = estimate.variance.expand(n).detach().to("cpu", torch.float64).numpy()
        if not np.any(variance > 0):
            return RowValues(value)
        spread = Z_95 * np.sqrt(np.maximum(variance, 0.0))
        return RowValues(value, value - spread, value + spread, interval_kind="monte carlo")

    def columns(self, name: str) -> dict[str, np.ndarray]:
        """Output columns named after the query: ``name``, ``name_lo``, ``name_hi``; ``name[level]``."""
        if self.distribution is not None:
            return {f"{name}[{label}]": values for label, values in self.distribution.items()}
        columns = {name: self.estimate}
        if self.lower is not None:
            columns[f"{name}_lo"] = self.lower
            columns[f"{name}_hi"] = self.upper
        return columns
