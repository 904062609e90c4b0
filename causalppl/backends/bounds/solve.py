"""Solving the bounds programs with HiGHS (``scipy.optimize.linprog``).

A query ``sum(coef * P(event_i | condition))`` is handled in one of three ways:

* no condition: two linear programs (min and max) over the response-type weights;
* a condition whose probability one data regime gives directly (factual
  atoms with observational data, or atoms under do(S) with data under do(S)),
  or that the conditioned variables alone decide (``Z = 1`` under do(X) for
  an instrument Z: its probability is the same under every model):
  the numerator ``sum(coef * P(event_i and condition))`` is bounded linearly
  and divided by that probability;
* otherwise the Charnes–Cooper transformation: with ``y = t q`` and
  ``t = 1 / P(condition)`` the ratio becomes linear in ``(y, t)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from causalppl.backends.bounds.errors import ZeroProbabilityCondition
from causalppl.backends.bounds.feasibility import feasible_system
from causalppl.backends.bounds.formulation import (
    LinearSystem,
    Regime,
    Skeleton,
    condition_column,
    conditioned_weights,
    event_probability,
    identifying_regime,
    objective,
)
from causalppl.backends.bounds.problem import LinearQuery

NEGLIGIBLE = 1e-12
"""A conditioning probability at most this is treated as zero."""

ACCURATE = {"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9}
"""HiGHS tolerances for the bounds (its defaults, 1e-7, show in bounds on probabilities near 1e-7)."""

DENSE_LIMIT = 100_000
"""Programs with at most this many matrix entries go to HiGHS dense (scipy's sparse input path costs more)."""


class Infeasible(Exception):
    """HiGHS found a bounds program infeasible."""


@dataclass(frozen=True)
class SolvedBounds:
    """Bounds of one query with the L1 distance the data were moved to fit the model (0: not moved)."""

    lower: float
    upper: float
    projection_distance: float
    n_constraints: int


def bound_query(
    skeleton: Skeleton,
    regimes: Sequence[Regime],
    query: LinearQuery,
    system: LinearSystem,
    tolerance: float,
    *,
    explain: bool = True,
) -> SolvedBounds:
    """Sharpest bounds of ``query`` given the data encoded in ``system`` (see the module docstring).

    The programs are first solved on the data as given; only when HiGHS finds
    them infeasible (or, within its feasibility tolerance, returns crossed
    bounds) is the distance to the model measured, and the data projected or
    rejected (:func:`.feasibility.feasible_system`).
    """
    try:
        solved = _bounds(skeleton, regimes, query, system, 0.0)
        if solved.lower <= solved.upper:
            return solved
    except Infeasible:
        pass
    projected, distance = feasible_system(system, tolerance, skeleton.space.conditioned, explain=explain)
    return _bounds(skeleton, regimes, query, projected, distance)


def _bounds(
    skeleton: Skeleton, regimes: Sequence[Regime], query: LinearQuery, system: LinearSystem, distance: float
) -> SolvedBounds:
    weights = conditioned_weights(skeleton, regimes)
    numerator = objective(skeleton, weights)
    if not query.condition:
        lower, upper = linear_bounds(system, numerator)
        return SolvedBounds(lower, upper, distance, system.n_rows)
    identifying = identifying_regime(query.condition, regimes)
    if identifying is not None:
        regime = regimes[identifying]
        graph = skeleton.space.graph
        probability = float(event_probability(graph, regime.interventions, query.condition, regime.table))
        if probability <= NEGLIGIBLE:
            raise ZeroProbabilityCondition(f"the condition has probability zero in {regime.source}")
        lower, upper = linear_bounds(system, numerator)
        return SolvedBounds(lower / probability, upper / probability, distance, system.n_rows)
    denominator = condition_column(skeleton, weights)
    if np.ptp(denominator) <= NEGLIGIBLE:
        return _divided_bounds(system, numerator, float(denominator[0]), distance)
    lower, upper = ratio_bounds(system, numerator, denominator)
    return SolvedBounds(lower, upper, distance, system.n_rows + 1)


def _divided_bounds(system: LinearSystem, numerator: np.ndarray, probability: float,
                    distance: float) -> SolvedBounds:
    """Bounds of a ratio whose denominator is the same on every column: P(condition) is then that
    number under every model (the weights sum to one), so the numerator's bounds are divided by it."""
    if probability <= NEGLIGIBLE:
        raise ZeroProbabilityCondition("the condition has probability zero in the data")
    lower, upper = linear_bounds(system, numerator)
    return SolvedBounds(lower / probability, upper / probability, distance, system.n_rows)


def linear_bounds(system: LinearSystem, cost: np.ndarray) -> tuple[float, float]:
    """min and max of ``cost @ q`` subject to the system and ``q >= 0``."""
    return _minimum(system.matrix, system.rhs, cost), -_minimum(system.matrix, system.rhs, -cost)


def ratio_bounds(system: LinearSystem, numerator: np.ndarray, denominator: np.ndarray) -> tuple[float, float]:
    """min and max of ``numerator @ q / denominator @ q`` by the Charnes–Cooper transformation."""
    if -_minimum(system.matrix, system.rhs, -denominator) <= NEGLIGIBLE:
        raise ZeroProbabilityCondition(
            "the condition has probability zero under every model compatible with the data"
        )
    n_rows = system.n_rows
    matrix = sparse.vstack(
        [
            sparse.hstack([system.matrix, sparse.csr_array(-system.rhs.reshape(-1, 1))]),
            sparse.csr_array(np.append(denominator, 0.0).reshape(1, -1)),
        ],
        format="csr",
    )
    rhs = np.zeros(n_rows + 1)
    rhs[-1] = 1.0
    cost = np.append(numerator, 0.0)
    return _minimum(matrix, rhs, cost), -_minimum(matrix, rhs, -cost)


def _minimum(matrix: sparse.csr_array, rhs: np.ndarray, cost: np.ndarray) -> float:
    """min of ``cost @ q`` subject to ``matrix @ q = rhs`` and ``q >= 0``.

    HiGHS's simplex (and its presolve), at the tight tolerances of :data:`ACCURATE`, can call
    a feasible program with tiny data entries (cells near 1e-9) infeasible; such a verdict is
    checked by the interior-point method without presolve.
    """
    constraints = matrix.toarray() if matrix.shape[0] * matrix.shape[1] <= DENSE_LIMIT else matrix
    result = linprog(cost, A_eq=constraints, b_eq=rhs, bounds=(0, None), method="highs", options=ACCURATE)
    if result.status == 2:
        result = linprog(cost, A_eq=constraints, b_eq=rhs, bounds=(0, None), method="highs-ipm",
                         options={**ACCURATE, "presolve": False})
    if result.status == 2:
        raise Infeasible(result.message)
    if result.status != 0:
        raise RuntimeError(f"HiGHS failed on a bounds program: {result.message}")
    return float(result.fun)
