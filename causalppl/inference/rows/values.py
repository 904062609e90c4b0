"""Per-row answers and their arithmetic: a value and a Monte Carlo variance for every unit.

:class:`RowEstimate` is :class:`~causalppl.inference.results.Estimate` over
a batch: ``fold_term`` combines leaf answers row by row (independent
leaves; the delta method for products and ratios).  Its values are numpy
arrays (the compiled network's exact answers: no torch is loaded) or torch
tensors (the samplers'); where the two meet, the numpy side becomes a
tensor.  :class:`RowValues` is what a per-row answerer hands back in
``Result.rows``: the estimate of every row, and a 95% interval where the
method gives one.

>>> import numpy as np
>>> a = RowEstimate(np.array([0.5, 0.25]), np.array([0.01, 0.0]))
>>> (a - 0.25).value.tolist(), (1 - a).variance.tolist()
([0.25, 0.0], [0.01, 0.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from causalppl.lazy import torch

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class RowEstimate:
    """Values ``(n,)`` and the variances of their Monte Carlo errors (zeros for exact answers); numpy arrays or
    torch tensors (a constant: 0-d numpy arrays)."""

    value: Any
    variance: Any

    @staticmethod
    def exact(value: Any) -> "RowEstimate":
        if _is_numpy(value):
            value = np.asarray(value, dtype=np.float64)
            return RowEstimate(value, np.zeros_like(value))
        value = value.to(torch.float64)
        return RowEstimate(value, torch.zeros_like(value))

    @staticmethod
    def of(number: Any) -> "RowEstimate":
        if isinstance(number, RowEstimate):
            return number
        return RowEstimate(np.asarray(float(number)), np.zeros(()))

    def __neg__(self) -> "RowEstimate":
        return RowEstimate(-self.value, self.variance)

    # (inf and nan as torch gives them, silently: an undefined row is reported as such, never a warning)
    def __add__(self, other: Any) -> "RowEstimate":
        a, b = _aligned(self, RowEstimate.of(other))
        with np.errstate(all="ignore"):
            return RowEstimate(a.value + b.value, a.variance + b.variance)

    def __sub__(self, other: Any) -> "RowEstimate":
        a, b = _aligned(self, RowEstimate.of(other))
        with np.errstate(all="ignore"):
            return RowEstimate(a.value - b.value, a.variance + b.variance)

    def __mul__(self, other: Any) -> "RowEstimate":
        a, b = _aligned(self, RowEstimate.of(other))
        with np.errstate(all="ignore"):
            return RowEstimate(a.value * b.value, b.value**2 * a.variance + a.value**2 * b.variance)

    def __truediv__(self, other: Any) -> "RowEstimate":
        a, b = _aligned(self, RowEstimate.of(other))
        with np.errstate(all="ignore"):  # 0 / 0 is nan: reported as an undefined row
            ratio = a.value / b.value
            variance = a.variance / b.value**2 + a.value**2 * b.variance / b.value**4
        return RowEstimate(ratio, variance)

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other: Any) -> "RowEstimate":
        return RowEstimate.of(other) - self

    def __rtruediv__(self, other: Any) -> "RowEstimate":
        return RowEstimate.of(other) / self


def _aligned(a: RowEstimate, b: RowEstimate) -> tuple[RowEstimate, RowEstimate]:
    """Two estimates of one kind: numpy values meeting torch ones become tensors on the same device."""
    a_numpy, b_numpy = _is_numpy(a.value), _is_numpy(b.value)
    if a_numpy == b_numpy:
        return a, b
    if a_numpy:
        return _as_tensor(a, b.value), b
    return a, _as_tensor(b, a.value)


def _as_tensor(estimate: RowEstimate, like) -> RowEstimate:
    def convert(array):
        return torch.as_tensor(np.asarray(array, dtype=np.float64), device=like.device)

    return RowEstimate(convert(estimate.value), convert(estimate.variance))


def _is_numpy(values: Any) -> bool:
    """Whether row values are numpy's (an array, or the scalar arithmetic on 0-d arrays gives)."""
    return isinstance(values, (np.ndarray, np.generic))


def as_numpy(values: Any, n: int | None = None) -> np.ndarray:
    """Row values (a numpy array or a torch tensor, broadcast to ``n`` rows when given) as float64 numpy."""
    if not _is_numpy(values):
        values = values.detach().to("cpu", torch.float64).numpy()
    values = np.asarray(values, dtype=np.float64)
    if n is not None and values.shape != (n,):
        values = np.ascontiguousarray(np.broadcast_to(values, (n,)))
    return values


@dataclass(frozen=True)
class LeafRows:
    """A leaf's answer for every row (or, for ``P(Y | ...)``, its distribution per row)."""

    estimate: RowEstimate | None
    method: str  # exact, abduction or mc
    distribution: Any = None  # (n, levels): a numpy array or a torch tensor
    labels: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowValues:
    """The answer for every row: ``estimate`` (n,), a 95% ``lower``/``upper`` where the method gives one,
    or for a distribution ``P(Y | ...)`` one row of ``probabilities`` per level (shape ``(levels, n)``, C order:
    each level's column is contiguous, and the block becomes the output frame's columns without a copy).

    >>> values = RowValues(None, probabilities=np.array([[0.25, 1.0], [0.75, 0.0]]), labels=("no", "yes"))
    >>> values.n_rows, {k: v.tolist() for k, v in values.columns("p").items()}
    (2, {'p[no]': [0.25, 1.0], 'p[yes]': [0.75, 0.0]})
    """

    estimate: np.ndarray | None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    probabilities: np.ndarray | None = None  # (levels, n), for a distribution
    labels: tuple[str, ...] = ()  # the levels of ``probabilities``
    interval_kind: str | None = None  # "monte carlo" or "posterior"

    @property
    def n_rows(self) -> int:
        if self.estimate is not None:
            return len(self.estimate)
        return self.probabilities.shape[1]

    @property
    def distribution(self) -> dict[str, np.ndarray] | None:
        """For a distribution, each level's probabilities (views of ``probabilities``); None otherwise."""
        if self.probabilities is None:
            return None
        return dict(zip(self.labels, self.probabilities))

    @staticmethod
    def from_estimate(estimate: RowEstimate, n: int, probability: bool = False) -> "RowValues":
        """Values and 95% Monte Carlo intervals (kept within [0, 1] for a ``probability``)."""
        value = as_numpy(estimate.value, n)
        variance = as_numpy(estimate.variance, n)
        if probability:  # (a weighted mean of indicators can round past 1 by an ulp)
            value = np.clip(value, 0.0, 1.0)
        if not np.any(variance > 0):
            return RowValues(value)
        spread = Z_95 * np.sqrt(np.maximum(variance, 0.0))
        low, high = value - spread, value + spread
        if probability:
            low, high = np.maximum(low, 0.0), np.minimum(high, 1.0)
        return RowValues(value, low, high, interval_kind="monte carlo")

    def columns(self, name: str) -> dict[str, np.ndarray]:
        """Output columns named after the query: ``name``, ``name_lo``, ``name_hi``; ``name[level]``."""
        if self.probabilities is not None:
            return {f"{name}[{label}]": values for label, values in zip(self.labels, self.probabilities)}
        columns = {name: self.estimate}
        if self.lower is not None:
            columns[f"{name}_lo"] = self.lower
            columns[f"{name}_hi"] = self.upper
        return columns

    def block(self, name: str) -> tuple[list[str], np.ndarray]:
        """The output columns' names and their values as one ``(columns, n)`` block in C order (a distribution's
        own ``probabilities``, not copied; an estimate with its interval stacked once)."""
        columns = self.columns(name)
        if self.probabilities is not None:
            return list(columns), np.ascontiguousarray(self.probabilities)
        if len(columns) == 1:
            return list(columns), np.ascontiguousarray(self.estimate)[None, :]
        return list(columns), np.stack(list(columns.values()))
