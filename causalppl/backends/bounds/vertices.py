"""Vertices and extreme rays of the dual feasible region of a bounds program.

By LP duality, ``min {c.q : A q = b, q >= 0} = max {b.y : A^T y <= c}`` and
the dual region does not depend on the data ``b``. Once its vertices ``V``
and recession rays ``R`` are enumerated, any data vector is handled by matrix
products: the program is feasible iff ``b.r <= 0`` for every ``r`` in ``R``
(these are the model's inequality constraints on the data, the instrumental
inequality for an instrument), and then the bound is ``max(V @ b)``. This is
how symbolic bounds are obtained (Balke & Pearl; causaloptim).

The enumeration is the double-description method (Motzkin et al. 1953;
Fukuda & Prodon 1996) on the homogenized cone ``{(y, t) : A^T y <= c t, t >= 0}``
with the combinatorial adjacency test, in floating point; the programs here
have 0/1 constraint matrices, for which this is numerically benign.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.linalg

TIGHT = 1e-9
"""Slack under which a constraint counts as tight at a ray (rows and rays are scaled to max-abs 1)."""

_CHUNK = 2**22
"""Largest number of entries of a temporary matrix in the adjacency test."""


class TooManyRays(Exception):
    """The enumeration exceeded its budget of intermediate rays."""


@dataclass(frozen=True)
class DualRegion:
    """Vertices and recession rays (each scaled to max-abs 1) of ``{y : A^T y <= c}``."""

    vertices: np.ndarray
    rays: np.ndarray


def independent_rows(matrix: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Indices of a maximal set of linearly independent rows (pivoted QR)."""
    if matrix.shape[0] == 0:
        return np.zeros(0, dtype=int)
    _, diagonal, pivots = scipy.linalg.qr(matrix.T, mode="economic", pivoting=True)
    magnitudes = np.abs(np.diag(diagonal))
    rank = int(np.sum(magnitudes > tol * max(magnitudes[0], 1.0)))
    return np.sort(pivots[:rank])


def dual_region(
    matrix: np.ndarray, cost: np.ndarray, *, max_rays: int, deadline: float = float("inf")
) -> DualRegion:
    """Vertices and recession rays of ``{y : matrix^T y <= cost}``; ``matrix`` must have full row rank."""
    n_rows, n_columns = matrix.shape
    cone = np.zeros((n_columns + 1, n_rows + 1))
    cone[:n_columns, :n_rows] = matrix.T
    cone[:n_columns, n_rows] = -cost
    cone[n_columns, n_rows] = -1.0
    rays = extreme_rays(cone, max_rays=max_rays, deadline=deadline)
    scale = rays[:, n_rows]
    finite = scale > TIGHT
    vertices = rays[finite, :n_rows] / scale[finite, None]
    return DualRegion(vertices, _unit(rays[~finite, :n_rows]))


def extreme_rays(constraints: np.ndarray, *, max_rays: int, deadline: float = float("inf")) -> np.ndarray:
    """Extreme rays (rows, max-abs 1) of the pointed cone ``{x : constraints @ x <= 0}``.

    Raises :class:`TooManyRays` past ``max_rays`` intermediate rays or past
    ``deadline`` (a ``time.perf_counter()`` value).
    """
    rows = constraints / np.abs(constraints).max(axis=1, keepdims=True)
    dimension = rows.shape[1]
    start = independent_rows(rows)
    if start.size < dimension:
        raise ValueError("the cone is not pointed: the constraint matrix lacks full column rank")
    rays = _unit(-np.linalg.inv(rows[start]).T)
    tight = np.abs(rays @ rows[start].T) <= TIGHT
    remaining = [i for i in range(rows.shape[0]) if i not in set(start.tolist())]
    while remaining:
        slacks = rays @ rows[remaining].T
        cost = (slacks > TIGHT).sum(axis=0) * (slacks < -TIGHT).sum(axis=0)
        slack = slacks[:, int(np.argmin(cost))]
        remaining.pop(int(np.argmin(cost)))
        rays, tight = _cut(rays, tight, slack, dimension, deadline)
        if len(rays) > max_rays:
            raise TooManyRays(f"more than {max_rays} intermediate rays")
        if time.perf_counter() > deadline:
            raise TooManyRays("the time budget for vertex enumeration ran out")
    return rays


def _cut(
    rays: np.ndarray, tight: np.ndarray, slack: np.ndarray, dimension: int, deadline: float
) -> tuple[np.ndarray, np.ndarray]:
    """Intersect the cone spanned by ``rays`` with the half-space ``slack <= 0``."""
    positive, negative = slack > TIGHT, slack < -TIGHT
    keep = ~positive
    kept_tight = np.column_stack([tight[keep], ~negative[keep]])
    if not positive.any() or not negative.any():
        return rays[keep], kept_tight
    plus, minus = _adjacent_pairs(
        tight, np.flatnonzero(positive), np.flatnonzero(negative), dimension, deadline
    )
    combined = slack[plus, None] * rays[minus] - slack[minus, None] * rays[plus]
    new_tight = np.column_stack([tight[plus] & tight[minus], np.ones(len(plus), dtype=bool)])
    return np.vstack([rays[keep], _unit(combined)]), np.vstack([kept_tight, new_tight])


def _adjacent_pairs(
    tight: np.ndarray, positive: np.ndarray, negative: np.ndarray, dimension: int, deadline: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (positive, negative) of adjacent rays: no third ray is tight wherever both are."""
    as_float = tight.astype(np.float32)
    plus_parts, minus_parts = [], []
    step = max(1, _CHUNK // max(1, len(negative)))
    for begin in range(0, len(positive), step):
        block = positive[begin : begin + step]
        shared = as_float[block] @ as_float[negative].T
        i, j = np.nonzero(shared >= dimension - 2)
        plus, minus = block[i], negative[j]
        adjacent = _no_third_ray(tight, as_float, plus, minus)
        plus_parts.append(plus[adjacent])
        minus_parts.append(minus[adjacent])
        if time.perf_counter() > deadline:
            raise TooManyRays("the time budget for vertex enumeration ran out")
    return np.concatenate(plus_parts), np.concatenate(minus_parts)


def _no_third_ray(tight: np.ndarray, as_float: np.ndarray, plus: np.ndarray, minus: np.ndarray) -> np.ndarray:
    adjacent = np.zeros(len(plus), dtype=bool)
    step = max(1, _CHUNK // max(1, len(tight)))
    for begin in range(0, len(plus), step):
        common = tight[plus[begin : begin + step]] & tight[minus[begin : begin + step]]
        sizes = common.sum(axis=1)
        containing = (as_float @ common.T.astype(np.float32)) >= sizes - 0.5
        adjacent[begin : begin + step] = containing.sum(axis=0) == 2
    return adjacent


def _unit(vectors: np.ndarray) -> np.ndarray:
    if vectors.size == 0:
        return vectors
    return vectors / np.abs(vectors).max(axis=1, keepdims=True)
