"""Making one component's rows consistent: as given, projected (rounding), or fitted (sampling error).

Rows computed from an exact distribution of the model are consistent and are
used as they are. Rows that miss the component's polytope by at most the
rounding ``tolerance`` (L1) are projected onto it (:mod:`.feasibility`).
Rows from a *sample* miss the constraints inside a component (a Verma
constraint, the instrumental inequality) by sampling error; they are fitted
by maximum likelihood: with the regime's unit counts ``n``, the
log-likelihood of the data separates over the c-components (each row's
weight is the probability of its configuration), so each component's
response-type distribution is fitted alone, by EM::

    q <- q * (A^T (w / (A q))) / sum(w)

and the rows are replaced by the fitted ``A q``, which the component can
produce exactly. The fit is refused (:class:`IncompatibleData`) when the
likelihood-ratio statistic against the chain of free conditionals is beyond
sampling error (p < 0.001 with the chain's free parameters as degrees of
freedom, a conservative count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

from causalppl.backends.bounds.errors import IncompatibleData
from causalppl.backends.bounds.feasibility import (
    EXACT,
    PREFIX,
    distance_to_model,
    incompatibility_message,
)
from causalppl.backends.bounds.formulation import LinearSystem

EM_ITERATIONS = 5_000
EM_TOLERANCE = 1e-11
"""EM stops when no weight moves by more than this (the fitted rows are exactly reproducible anyway)."""

REFUSE_BELOW = 1e-3
"""p-value of the likelihood-ratio test below which sampled data are called incompatible."""


@dataclass(frozen=True)
class Fit:
    """Consistent right-hand sides for a component's rows and how they were obtained."""

    rhs: np.ndarray
    how: str  # "as given", "projected" or "fitted"
    distance: float  # L1 distance from the given rows to the component's reach
    statistic: float = 0.0  # likelihood-ratio statistic when fitted
    degrees: int = 0


def system_of(indicator: np.ndarray, rhs: np.ndarray, sources: tuple[str, ...]) -> LinearSystem:
    """The normalisation row and the component rows as a :class:`LinearSystem`."""
    matrix = sparse.csr_array(np.vstack([np.ones((1, indicator.shape[1])), indicator.astype(float)]))
    return LinearSystem(matrix, np.concatenate([[1.0], rhs]), ("normalization",) + tuple(sources))


def consistent_rows(
    label: str,
    indicator: np.ndarray,
    rhs: np.ndarray,
    sources: tuple[str, ...],
    weights: np.ndarray,
    zero_columns: np.ndarray,
    tolerance: float,
    units: float | None,
    degrees: int,
) -> Fit:
    """Rows the component reproduces exactly (see the module docstring); ``weights`` already hold unit counts."""
    system = system_of(indicator, rhs, sources)
    distance, closest = distance_to_model(system)
    if distance <= EXACT:
        return Fit(rhs, "as given", distance)
    if distance <= tolerance:
        return Fit(indicator.astype(float) @ closest, "projected", distance)
    if units is None:
        message = incompatibility_message(system, tolerance, ())
        raise IncompatibleData(message.replace(PREFIX, PREFIX + f"in the c-component {label}, "))
    fitted = em_fit(indicator, weights[None], zero_columns[None])[0]
    image = indicator.astype(float) @ fitted
    used = (weights > 0) & (rhs > 0)
    statistic = float(2.0 * np.sum(weights[used] * (np.log(rhs[used]) - np.log(np.maximum(image[used], 1e-300)))))
    statistic = max(statistic, 0.0)
    if degrees > 0 and stats.chi2.sf(statistic, degrees) < REFUSE_BELOW:
        raise IncompatibleData(
            PREFIX + f"in the c-component {label} the data miss the model by more than sampling error "
            f"(likelihood-ratio statistic {statistic:.4g} on at most {degrees} degrees of freedom, "
            f"p < {REFUSE_BELOW:g}; L1 distance {distance:.3g})"
        )
    return Fit(image, "fitted", distance, statistic, degrees)


def em_fit(indicator: np.ndarray, weights: np.ndarray, zero_columns: np.ndarray | None = None,
           iterations: int = EM_ITERATIONS, tolerance: float = EM_TOLERANCE) -> np.ndarray:
    """Maximum-likelihood response-type weights for a batch: ``weights`` (B, rows) -> ``q`` (B, columns)."""
    matrix = indicator.astype(float)
    batch, n_columns = weights.shape[0], matrix.shape[1]
    q = np.full((batch, n_columns), 1.0)
    if zero_columns is not None:
        q = np.where(zero_columns, 0.0, q)
    q /= np.maximum(q.sum(axis=1, keepdims=True), 1e-300)
    totals = weights.sum(axis=1, keepdims=True)
    totals = np.where(totals > 0, totals, 1.0)
    for _ in range(iterations):
        predicted = q @ matrix.T
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(weights > 0, weights / np.where(predicted > 0, predicted, 1.0), 0.0)
        updated = q * (ratio @ matrix) / totals
        change = np.abs(updated - q).max()
        q = updated
        if change <= tolerance:
            break
    return q / np.maximum(q.sum(axis=1, keepdims=True), 1e-300)
