"""Probability tables as read-only arrays that compare and hash by value.

A conditional probability table holds one row per parent configuration; the
IR keeps all of them in one float64 array (built once, by the semantic stage,
straight from the parsed numbers). The IR is immutable and used as a cache
key, so :class:`ProbabilityRows` is read-only, equal to another table with the
same numbers, and hashable. Iterating gives each row as a tuple of floats.

>>> rows = ProbabilityRows([[0.2, 0.8], [0.6, 0.4]])
>>> rows == ProbabilityRows(((0.2, 0.8), (0.6, 0.4))), len(rows), rows[1]
(True, 2, (0.6, 0.4))
>>> rows.array.shape, hash(rows) == hash(ProbabilityRows([[0.2, 0.8], [0.6, 0.4]]))
((2, 2), True)
"""

from __future__ import annotations

from typing import Iterator

from causalppl.lazy import numpy as np


class ProbabilityRows:
    """The rows of a table as one read-only (rows, levels) float64 array."""

    __slots__ = ("array", "_hash")

    def __init__(self, rows) -> None:
        if isinstance(rows, ProbabilityRows):
            array = rows.array
        else:
            array = np.array(rows, dtype=np.float64)
            if array.ndim == 1 and array.size == 0:
                array = array.reshape(0, 0)
            if array.ndim != 2:
                raise ValueError(f"table rows must be a 2-D array of numbers, got shape {array.shape}")
            array.flags.writeable = False
        self.array = array
        self._hash: int | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.array.shape

    def __len__(self) -> int:
        return self.array.shape[0]

    def __getitem__(self, index: int) -> tuple[float, ...]:
        return tuple(self.array[index].tolist())

    def __iter__(self) -> Iterator[tuple[float, ...]]:
        return iter(tuple(row) for row in self.array.tolist())

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.array if dtype is None else self.array.astype(dtype)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ProbabilityRows):
            return self.array.shape == other.array.shape and bool(np.array_equal(self.array, other.array))
        if isinstance(other, tuple):
            return self == ProbabilityRows(other) if other else len(self) == 0
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self.array.shape, (self.array + 0.0).tobytes()))  # + 0.0: -0.0 hashes as 0.0
        return self._hash

    def __repr__(self) -> str:
        return f"ProbabilityRows({self.array.tolist()!r})"
