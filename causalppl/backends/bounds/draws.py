"""Bounds for a batch of data vectors (posterior draws) sharing one constraint matrix.

The constraint matrix of a bounds program does not depend on the data, so it
is reduced once to independent rows; each draw must then make its dependent
rows agree with the independent ones (the graph's equality constraints). Two
evaluators follow:

* :func:`vertex_evaluation`: the dual region does not depend on the data
  either (see :mod:`.vertices`); with its vertices enumerated once per bound
  direction, every draw costs matrix products: it is feasible iff
  ``rhs . r <= 0`` for every recession ray ``r`` (inequality constraints), and
  its lower bound is ``max(V_low @ rhs)``, its upper bound ``-max(V_up @ rhs)``.
* :func:`cached_vertex_minima`: when enumeration is too big, HiGHS solves one
  draw, its optimal dual vertex is kept and certified optimal for the other
  draws it fits; only draws no kept vertex fits are solved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.optimize
from scipy.optimize import linprog

from causalppl.backends.bounds.vertices import (
    TooManyRays,
    dual_region,
    independent_rows,
)

CLEAR = 1e-12
"""Violations up to this are rounding: the draw fits the model."""

OPTIMALITY = 1e-9
"""Residual allowed when certifying that a cached dual vertex is optimal for a draw."""

DUAL_SLACK = 1e-7
"""Dual infeasibility tolerated in a vertex returned by HiGHS (its own dual feasibility tolerance)."""


@dataclass(frozen=True)
class ReducedRows:
    """Independent rows of a constraint matrix and how the dependent rows combine them."""

    matrix: np.ndarray
    basis: np.ndarray
    dependent: np.ndarray
    combination: np.ndarray

    @property
    def independent(self) -> np.ndarray:
        return self.matrix[self.basis]


def reduce_rows(matrix: np.ndarray) -> ReducedRows:
    """Split ``matrix`` into independent rows and dependent rows written in terms of them."""
    basis = independent_rows(matrix)
    dependent = np.setdiff1d(np.arange(matrix.shape[0]), basis)
    combination = np.linalg.lstsq(matrix[basis].T, matrix[dependent].T, rcond=None)[0]
    return ReducedRows(matrix, basis, dependent, combination)


def equality_violation(rows: ReducedRows, rhs: np.ndarray) -> np.ndarray:
    """Largest disagreement, per draw, between dependent rows and the combination they equal.

    Each disagreement is scaled by the max-abs norm of its certificate, so it
    is a lower bound on the L1 distance from the data to the model.
    """
    residual = rhs[:, rows.dependent] - rhs[:, rows.basis] @ rows.combination
    scale = np.maximum(1.0, np.abs(rows.combination).max(axis=0, initial=0.0))
    return np.abs(residual / scale).max(axis=1, initial=0.0)


@dataclass(frozen=True)
class DualBounds:
    """Vertices of the dual regions for ``cost`` and ``-cost``, and their common recession rays."""

    lower_vertices: np.ndarray
    upper_vertices: np.ndarray
    rays: np.ndarray

    @property
    def n_vertices(self) -> int:
        return int(len(self.lower_vertices) + len(self.upper_vertices))


def dual_bounds(
    rows: ReducedRows, cost: np.ndarray, *, max_rays: int, max_seconds: float
) -> DualBounds | None:
    """Enumerate both dual regions; None when that exceeds the ray or time budget."""
    deadline = time.perf_counter() + max_seconds
    try:
        lower = dual_region(rows.independent, cost, max_rays=max_rays, deadline=deadline)
        upper = dual_region(rows.independent, -cost, max_rays=max_rays, deadline=deadline)
    except TooManyRays:
        return None
    return DualBounds(lower.vertices, upper.vertices, lower.rays)


@dataclass(frozen=True)
class DrawEvaluation:
    """Bounds per draw (NaN where infeasible or unresolved) and the draws left to one-by-one solving.

    A draw is unresolved when its data give a block probability zero, when it
    misses the model by a margin too small to call (the violated constraint
    is within ``tolerance``, so the projection rule of :mod:`.feasibility`
    decides it), or when HiGHS could not solve it on the reduced rows.
    """

    lowers: np.ndarray
    uppers: np.ndarray
    unresolved: np.ndarray
    n_programs: int = 0


def vertex_evaluation(
    rows: ReducedRows, dual: DualBounds, rhs: np.ndarray, tolerance: float
) -> DrawEvaluation:
    """Bounds for each row of ``rhs`` from the dual vertices."""
    finite = np.all(np.isfinite(rhs), axis=1)
    rhs = np.where(finite[:, None], rhs, 0.0)
    independent = rhs[:, rows.basis]
    violation = np.maximum(
        equality_violation(rows, rhs), (independent @ dual.rays.T).max(axis=1, initial=0.0)
    )
    feasible = finite & (violation <= CLEAR)
    infeasible = finite & (violation > tolerance)
    lowers = (independent @ dual.lower_vertices.T).max(axis=1)
    uppers = -(independent @ dual.upper_vertices.T).max(axis=1)
    return DrawEvaluation(
        lowers=np.where(feasible, lowers, np.nan),
        uppers=np.where(feasible, uppers, np.nan),
        unresolved=~feasible & ~infeasible,
    )


def cached_vertex_evaluation(
    rows: ReducedRows, costs: np.ndarray, weights: np.ndarray, rhs: np.ndarray
) -> DrawEvaluation:
    """Bounds for each draw through dual vertices found by HiGHS and reused across draws.

    Draw ``s`` has cost ``weights[s] @ costs`` and data ``rhs[s]``.
    """
    finite = np.all(np.isfinite(rhs), axis=1)
    rhs = np.where(finite[:, None], rhs, 0.0)
    usable = finite & (equality_violation(rows, rhs) <= CLEAR)
    independent = rhs[:, rows.basis]
    draw_costs = weights @ costs
    lowers, low_solved = cached_vertex_minima(rows.independent, draw_costs, independent, usable)
    uppers, high_solved = cached_vertex_minima(rows.independent, -draw_costs, independent, usable)
    unresolved = ~np.isfinite(lowers) | ~np.isfinite(uppers)
    return DrawEvaluation(
        lowers=np.where(unresolved, np.nan, lowers),
        uppers=np.where(unresolved, np.nan, -uppers),
        unresolved=unresolved,
        n_programs=low_solved + high_solved,
    )


def cached_vertex_minima(
    matrix: np.ndarray, costs: np.ndarray, rhs: np.ndarray, usable: np.ndarray
) -> tuple[np.ndarray, int]:
    """``min costs[s] @ q`` s.t. ``matrix @ q = rhs[s]``, ``q >= 0``, for each usable draw ``s``.

    Every program HiGHS solves yields an optimal dual vertex, which is kept.
    For a later draw, the kept vertex ``y`` that is dual feasible for its cost
    and maximizes ``rhs[s] @ y`` gives a lower bound (weak duality); it is the
    minimum exactly when ``rhs[s]`` lies in the cone of the columns tight at
    ``y`` (complementary slackness), which a small nonnegative least-squares
    problem decides. Only draws that fail the test are solved. Returns the
    minima (NaN where not usable or infeasible) and the number of programs solved.
    """
    minima = np.full(len(rhs), np.nan)
    vertices: list[np.ndarray] = []
    images: list[np.ndarray] = []
    solved = 0
    for draw in np.flatnonzero(usable):
        if vertices:
            value = _certified_value(matrix, np.array(vertices), np.array(images), costs[draw], rhs[draw])
            if value is not None:
                minima[draw] = value
                continue
        result = linprog(costs[draw], A_eq=matrix, b_eq=rhs[draw], bounds=(0, None), method="highs")
        solved += 1
        if result.status == 0:
            minima[draw] = result.fun
            vertices.append(result.eqlin.marginals)
            images.append(matrix.T @ result.eqlin.marginals)
    return minima, solved


def _certified_value(
    matrix: np.ndarray, vertices: np.ndarray, images: np.ndarray, cost: np.ndarray, rhs: np.ndarray
) -> float | None:
    """The minimum for one draw if the best kept vertex is provably optimal for it, else None."""
    slack = cost - images
    feasible = np.all(slack >= -DUAL_SLACK, axis=1)
    if not feasible.any():
        return None
    values = np.where(feasible, vertices @ rhs, -np.inf)
    best = int(np.argmax(values))
    if _in_cone(matrix[:, slack[best] <= DUAL_SLACK], rhs):
        return float(values[best])
    return None


def _in_cone(generators: np.ndarray, point: np.ndarray) -> bool:
    """Whether ``point`` is a nonnegative combination of the columns of ``generators``."""
    if generators.shape[1] == 0:
        return bool(np.abs(point).max() <= OPTIMALITY)
    _, residual = scipy.optimize.nnls(generators, point)
    return bool(residual <= OPTIMALITY * (1.0 + np.abs(point).sum()))
