"""Whether the data fit the graph, with a tolerance, and which constraint family fails.

Empirical and sampled distributions satisfy the model's constraints only up to
rounding. The choice made here: the L1 distance from the data to the set of
data vectors the model can produce is found by a slack linear program
(``min sum|A q - b|`` over distributions ``q`` of the response types; ``b``
holds each regime's conditional distributions given the conditioned
variables, so the distance is measured on those). If it
exceeds the tolerance the data are incompatible and :class:`IncompatibleData`
names the failing family; if it is positive but within the tolerance the data
are replaced by their L1 projection ``A q*`` and the bounds are those of the
projected data (the result's status says so).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from causalppl.backends.bounds.errors import IncompatibleData
from causalppl.backends.bounds.formulation import OBSERVATIONAL, LinearSystem

EXACT = 1e-10
"""L1 distances up to this are rounding: the data are used as they are."""

PRECISE = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
"""HiGHS tolerances for measuring the distance (its defaults, 1e-7, would hide small violations)."""

PREFIX = "the data are not compatible with the model's graph: "


def distance_to_model(system: LinearSystem) -> tuple[float, np.ndarray]:
    """L1 distance from the data rows to the model's reach, and a closest response-type distribution."""
    n_rows, n_columns = system.matrix.shape
    n_slack = n_rows - 1
    signs = sparse.vstack([sparse.csr_array((1, n_slack)), sparse.eye_array(n_slack, format="csr")])
    matrix = sparse.hstack([system.matrix, signs, -signs], format="csr")
    cost = np.concatenate([np.zeros(n_columns), np.ones(2 * n_slack)])
    result = linprog(cost, A_eq=matrix, b_eq=system.rhs, bounds=(0, None), method="highs", options=PRECISE)
    if result.status != 0:
        raise RuntimeError(f"HiGHS could not measure the distance to the model: {result.message}")
    return float(result.fun), result.x[:n_columns]


def feasible_system(
    system: LinearSystem, tolerance: float, instruments: Sequence[str], *, explain: bool = True
) -> tuple[LinearSystem, float]:
    """The system itself, or its projection onto the model when the data miss it by at most ``tolerance``.

    With ``explain`` the error names the failing constraint family, which costs a few more programs.
    """
    distance, closest = distance_to_model(system)
    if distance <= EXACT:
        return system, 0.0
    if distance <= tolerance:
        return system.with_rhs(system.matrix @ closest), distance
    if not explain:
        raise IncompatibleData(PREFIX + f"L1 distance {distance:.3g} from the data the graph allows")
    raise IncompatibleData(incompatibility_message(system, tolerance, instruments))


def incompatibility_message(system: LinearSystem, tolerance: float, instruments: Sequence[str]) -> str:
    """Name the constraint family the data violate: one source alone, or sources against each other."""
    sources = list(dict.fromkeys(system.row_sources[1:]))
    for source in sources:
        alone = system.restricted_to({source})
        distance, _ = distance_to_model(alone)
        if distance > tolerance:
            return PREFIX + _single_source(source, alone, distance, tolerance, instruments)
    distance, _ = distance_to_model(system)
    return PREFIX + _between_sources(sources, system, distance, tolerance)


def _single_source(
    source: str, system: LinearSystem, distance: float, tolerance: float, instruments: Sequence[str]
) -> str:
    where = f" (L1 distance {distance:.3g} from the distributions the graph allows)"
    if _violates_an_equality(system, tolerance):
        family = "an equality constraint of the graph (an independence or exclusion restriction)"
        return f"{source} violates {family}{where}"
    if instruments:
        family = f"the instrumental inequality for {', '.join(instruments)}"
        verb = "the observed distribution violates" if source == OBSERVATIONAL else f"{source} violates"
        return f"{verb} {family}{where}"
    return f"{source} violates an inequality constraint of the graph{where}"


def _between_sources(sources: Sequence[str], system: LinearSystem, distance: float, tolerance: float) -> str:
    where = f" (L1 distance {distance:.3g} from the data the graph allows)"
    named = " and ".join(sources)
    if _violates_an_equality(system, tolerance):
        return (
            f"{named} contradict each other: they give different values "
            f"to quantities both determine{where}"
        )
    return (
        f"{named} contradict each other: an inequality linking them fails "
        f"(such as P(Y=y | do(X=x)) >= P(X=x, Y=y)){where}"
    )


def _violates_an_equality(system: LinearSystem, tolerance: float) -> bool:
    """Whether the data leave the affine hull of the model's reach (not just its convex hull)."""
    matrix = system.matrix.toarray()
    solution = np.linalg.lstsq(matrix, system.rhs, rcond=None)[0]
    return bool(np.abs(matrix @ solution - system.rhs).sum() > max(tolerance, EXACT))
