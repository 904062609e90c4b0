"""Bounds of a multilinear query over a product of polytopes, with a certificate.

The free c-components' weights ``q_1, ..., q_k`` each range over a polytope
``{q >= 0 : A_i q = b_i}`` (the first row of ``A_i`` is the normalisation),
and the query is ``N(q_1, ..., q_k) = sum N[r_1, ..., r_k] q_1[r_1] ... q_k[r_k]``
(divided by a second such form ``D`` when it has a condition). Three tools,
used in this order, each giving bounds that stay valid:

* *Local search* (inner bounds): block-coordinate ascent, one linear
  program per component with the others fixed, from several starting
  vertices. Every value it reaches is attained by a model, so the sharp
  bounds lie outside it.
* *Relaxation* (outer bounds): the first level of the reformulation-linearisation
  technique (Sherali & Adams): the product of the weights becomes a joint
  distribution ``w`` over all free columns whose conditional given all but
  one component lies in that component's polytope; a linear program (with
  the Charnes–Cooper transformation for a ratio).
* *Global optimisation*: SCIP (``pyscipopt``, spatial branch and bound on the
  nonconvex program) when the first two do not meet, within a time limit.
  Without ``pyscipopt``, or when the time limit stops it, the result keeps
  the outer bounds and reports the gap to the inner ones.

When outer and inner bounds meet (within :data:`SHARP_GAP`) the bounds are
proven sharp.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from causalppl.backends.bounds.errors import ZeroProbabilityCondition

SHARP_GAP = 1e-7
"""Outer and inner bounds within this of each other prove the bounds sharp."""

STARTS = 4
"""Starting vertices of the local search per direction."""

SWEEPS = 50
"""Largest number of block-coordinate sweeps of one local search."""

MAX_RELAXATION_COLUMNS = 250_000
"""The largest joint (product) space the relaxation's linear program is built over."""

NEGLIGIBLE = 1e-12

System = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class PolynomialBounds:
    """Valid bounds ``(lower, upper)``, the values models attain (inner), and how they were proven."""

    lower: float
    upper: float
    inner_lower: float
    inner_upper: float
    solver: str  # "local search + relaxation", "scip", ...
    seconds: float

    @property
    def gap(self) -> float:
        return float(max(self.upper - self.inner_upper, self.inner_lower - self.lower, 0.0))

    @property
    def sharp(self) -> bool:
        return self.gap <= SHARP_GAP


def polynomial_bounds(systems: Sequence[System], numerator: np.ndarray, denominator: np.ndarray | None = None,
                      *, time_limit: float = 60.0, use_scip: bool | None = None, seed: int = 0
                      ) -> PolynomialBounds:
    """Bounds of ``numerator / denominator`` (or of ``numerator``) over the product of the systems' polytopes."""
    started = time.perf_counter()
    if denominator is not None and np.allclose(denominator, denominator.reshape(-1)[0]):
        constant = float(denominator.reshape(-1)[0])
        if constant <= NEGLIGIBLE:
            raise ZeroProbabilityCondition("the condition has probability zero under every model compatible "
                                           "with the data")
        numerator, denominator = numerator / constant, None
    rng = np.random.default_rng(seed)
    inner_low = _local_search(systems, numerator, denominator, -1.0, rng)
    inner_high = _local_search(systems, numerator, denominator, 1.0, rng)
    outer = _relaxation(systems, numerator, denominator)
    lower, upper = outer if outer is not None else _trivial(numerator, denominator)
    lower, upper = min(lower, inner_low), max(upper, inner_high)
    solver = "local search + relaxation" if outer is not None else "local search"
    if max(upper - inner_high, inner_low - lower) > SHARP_GAP and _scip_wanted(use_scip):
        remaining = max(1.0, time_limit - (time.perf_counter() - started))
        box = (lower, upper)
        low = _scip(systems, numerator, denominator, "minimize", remaining / 2, inner_low, box)
        high = _scip(systems, numerator, denominator, "maximize", remaining / 2, inner_high, box)
        lower, inner_low = max(lower, low[1]), min(inner_low, low[0])
        upper, inner_high = min(upper, high[1]), max(inner_high, high[0])
        solver = "scip (spatial branch and bound)"
    return PolynomialBounds(float(lower), float(upper), float(inner_low), float(inner_high), solver,
                            time.perf_counter() - started)


def scip_available() -> bool:
    try:
        import pyscipopt  # noqa: F401
    except ImportError:
        return False
    return True


def _scip_wanted(use_scip: bool | None) -> bool:
    return scip_available() if use_scip is None else (use_scip and scip_available())


# ------------------------------------------------------------- local search ----


def _value(numerator: np.ndarray, denominator: np.ndarray | None, weights: list[np.ndarray]) -> float:
    top = _contract(numerator, weights)
    if denominator is None:
        return top
    bottom = _contract(denominator, weights)
    return top / bottom if bottom > NEGLIGIBLE else math.nan


def _contract(tensor: np.ndarray, weights: list[np.ndarray], skip: int | None = None) -> np.ndarray | float:
    result = tensor
    for axis in reversed(range(len(weights))):
        if axis == skip:
            continue
        result = np.tensordot(result, weights[axis], axes=([axis], [0]))
    return result if skip is not None else float(result)


def _vertex(system: System, cost: np.ndarray) -> np.ndarray | None:
    matrix, rhs = system
    result = linprog(cost, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")
    return np.maximum(result.x, 0.0) if result.status == 0 else None


def _block_optimum(system: System, top: np.ndarray, bottom: np.ndarray | None, sign: float) -> np.ndarray | None:
    """The best weights of one block (others fixed): linear, or linear-fractional by Charnes–Cooper."""
    if bottom is None:
        return _vertex(system, -sign * top)
    matrix, rhs = system
    n = matrix.shape[1]
    equality = np.vstack([np.hstack([matrix, -rhs[:, None]]), np.append(bottom, 0.0)[None]])
    target = np.zeros(len(rhs) + 1)
    target[-1] = 1.0
    result = linprog(np.append(-sign * top, 0.0), A_eq=equality, b_eq=target, bounds=(0, None), method="highs")
    if result.status != 0 or result.x[-1] <= NEGLIGIBLE:
        return None
    return np.maximum(result.x[:n] / result.x[-1], 0.0)


def _local_search(systems: Sequence[System], numerator: np.ndarray, denominator: np.ndarray | None,
                  sign: float, rng: np.random.Generator) -> float:
    """The best value block-coordinate search reaches (sign +1: largest, -1: smallest)."""
    best = -math.inf
    for _ in range(STARTS):
        weights = [_vertex(system, rng.standard_normal(system[0].shape[1])) for system in systems]
        if any(w is None for w in weights):
            raise ValueError("a free component's rows admit no response-type distribution")
        current = _signed(sign, _value(numerator, denominator, weights))
        for _ in range(SWEEPS):
            previous = current
            for block in range(len(systems)):
                top = _contract(numerator, weights, skip=block)
                bottom = None if denominator is None else _contract(denominator, weights, skip=block)
                found = _block_optimum(systems[block], top, bottom, sign)
                if found is not None:
                    candidate = weights[:block] + [found] + weights[block + 1:]
                    value = _signed(sign, _value(numerator, denominator, candidate))
                    if value >= current - 1e-12:
                        weights, current = candidate, max(current, value)
            if not current > previous + 1e-12:
                break
        best = max(best, current)
    if best == -math.inf:
        raise ZeroProbabilityCondition("the condition has probability zero under every model compatible with "
                                       "the data")
    return sign * best


def _signed(sign: float, value: float) -> float:
    return -math.inf if math.isnan(value) else sign * value


# --------------------------------------------------------------- relaxation ----


def _relaxation(systems: Sequence[System], numerator: np.ndarray, denominator: np.ndarray | None
                ) -> tuple[float, float] | None:
    """Outer bounds from the first-level reformulation-linearisation relaxation (None when too large)."""
    sizes = [system[0].shape[1] for system in systems]
    total = int(np.prod(sizes))
    if total > MAX_RELAXATION_COLUMNS:
        return None
    relaxed = _relaxation_matrix(systems, sizes, total)
    homogeneous = relaxed[:-1]
    flat = numerator.reshape(-1)
    if denominator is None:
        matrix = sparse.vstack([homogeneous, sparse.csr_array(np.ones((1, total)))], format="csr")
        rhs = np.zeros(matrix.shape[0])
        rhs[-1] = 1.0
        low = linprog(flat, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")
        high = linprog(-flat, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")
    else:
        bottom = sparse.csr_array(denominator.reshape(1, -1))
        matrix = sparse.vstack([homogeneous, bottom], format="csr")
        rhs = np.zeros(matrix.shape[0])
        rhs[-1] = 1.0
        low = linprog(flat, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")
        high = linprog(-flat, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")
    if low.status != 0 or high.status != 0:
        return None
    return float(low.fun), float(-high.fun)


def _trivial(numerator: np.ndarray, denominator: np.ndarray | None) -> tuple[float, float]:
    if denominator is None:
        return float(numerator.min()), float(numerator.max())
    return -math.inf, math.inf


# ---------------------------------------------------------------------- SCIP ----


def _scip(systems: Sequence[System], numerator: np.ndarray, denominator: np.ndarray | None, sense: str,
          time_limit: float, incumbent: float, box: tuple[float, float]) -> tuple[float, float]:
    """(best value found, proven bound) of one direction by SCIP's spatial branch and bound."""
    from pyscipopt import Model, quicksum

    model = Model()
    model.hideOutput()
    model.setParam("limits/time", float(time_limit))
    model.setParam("numerics/feastol", 1e-9)
    model.setParam("limits/gap", 1e-9)
    weights = []
    for index, (matrix, rhs) in enumerate(systems):
        q = [model.addVar(lb=0.0, ub=1.0, name=f"q{index}_{j}") for j in range(matrix.shape[1])]
        for row, target in zip(matrix, rhs):
            support = np.flatnonzero(row)
            model.addCons(quicksum(float(row[j]) * q[j] for j in support) == float(target))
        weights.append(q)
    top = _scip_form(model, numerator, weights, "n")
    if denominator is None:
        objective = top
    else:
        bottom = _scip_form(model, denominator, weights, "d")
        model.addCons(bottom >= NEGLIGIBLE)
        low, high = (value if math.isfinite(value) else sign * 1e6 for value, sign in zip(box, (-1, 1)))
        objective = model.addVar(lb=low, ub=high, name="ratio")
        if sense == "maximize":
            model.addCons(top - objective * bottom >= 0)
        else:
            model.addCons(top - objective * bottom <= 0)
    model.setObjective(objective, sense)
    model.optimize()
    found = model.getObjVal() if model.getNSols() > 0 else incumbent
    proven = model.getDualbound()
    if sense == "maximize":
        return max(found, incumbent), proven
    return min(found, incumbent), proven


def _scip_form(model, tensor: np.ndarray, weights: list, tag: str):
    """A variable equal to the multilinear form, through one layer of auxiliary variables per component."""
    from pyscipopt import quicksum

    low, high = float(tensor.min()), float(tensor.max())
    level = None  # variables indexed by the leading components' columns
    current = tensor
    for axis in reversed(range(1, len(weights))):
        size = current.shape[:axis]
        new = np.empty(size, dtype=object)
        for index in np.ndindex(size):
            variable = model.addVar(lb=low, ub=high, name=f"{tag}{axis}_{'_'.join(map(str, index))}")
            if level is None:
                coefficients = current[index]
                support = np.flatnonzero(coefficients)
                model.addCons(variable == quicksum(float(coefficients[j]) * weights[axis][j] for j in support))
            else:
                model.addCons(variable == quicksum(level[index + (j,)] * weights[axis][j]
                                                   for j in range(len(weights[axis]))))
            new[index] = variable
        level, current = new, np.empty(size)
    result = model.addVar(lb=low, ub=high, name=f"{tag}0")
    if level is None:
        support = np.flatnonzero(tensor)
        model.addCons(result == quicksum(float(tensor[j]) * weights[0][j] for j in support))
    else:
        model.addCons(result == quicksum(level[(j,)] * weights[0][j] for j in range(len(weights[0]))))
    return result


# ------------------------------------------------------------------ batches ----


def batch_polynomial_bounds(matrices: Sequence[np.ndarray], rhs: Sequence[np.ndarray], numerator: np.ndarray,
                            denominator: np.ndarray | None = None, *, sweeps: int = 10, seed: int = 0
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outer bounds and gaps for a batch of draws sharing the constraint matrices (no ratio).

    Every linear program of the batch (the relaxation of each draw, or one block
    of the local search for each draw) is solved as one block-diagonal program,
    so the solver's per-call cost is paid once per batch. Returns ``(lowers,
    uppers, gaps)``; draws whose batch program fails are NaN (the caller solves them alone).
    """
    if denominator is not None:
        raise ValueError("batched polynomial bounds take queries without a condition")
    size = numerator.shape[0]
    low_outer = _batched_relaxation(matrices, rhs, numerator, 1.0)
    high_outer = -_batched_relaxation(matrices, rhs, numerator, -1.0)
    rng = np.random.default_rng(seed)
    low_inner = _batched_search(matrices, rhs, numerator, -1.0, sweeps, rng)
    high_inner = _batched_search(matrices, rhs, numerator, 1.0, sweeps, rng)
    lowers, uppers = np.minimum(low_outer, low_inner), np.maximum(high_outer, high_inner)
    gaps = np.maximum(np.maximum(uppers - high_inner, low_inner - lowers), 0.0)
    bad = ~(np.isfinite(lowers) & np.isfinite(uppers))
    return np.where(bad, np.nan, lowers), np.where(bad, np.nan, uppers), np.where(bad, np.nan, gaps)[:size]


def _block_diagonal_minima(blocks: list[sparse.csr_array], rhs: list[np.ndarray], costs: list[np.ndarray]
                           ) -> list[np.ndarray] | None:
    """Minimisers of independent programs ``min c_s.x : A_s x = b_s, x >= 0`` solved as one program."""
    matrix = sparse.block_diag(blocks, format="csr")
    result = linprog(np.concatenate(costs), A_eq=matrix, b_eq=np.concatenate(rhs), bounds=(0, None),
                     method="highs")
    if result.status != 0:
        return None
    splits = np.cumsum([block.shape[1] for block in blocks])[:-1]
    return np.split(np.maximum(result.x, 0.0), splits)


def _batched_relaxation(matrices: Sequence[np.ndarray], rhs: Sequence[np.ndarray], numerator: np.ndarray,
                        sign: float) -> np.ndarray:
    size = numerator.shape[0]
    sizes = [matrix.shape[1] for matrix in matrices]
    total = int(np.prod(sizes))
    if total > MAX_RELAXATION_COLUMNS // max(size, 1):
        return np.full(size, -sign * math.inf)
    blocks, targets, costs = [], [], []
    for draw in range(size):
        matrix = _relaxation_matrix([(m, r[draw]) for m, r in zip(matrices, rhs)], sizes, total)
        blocks.append(matrix)
        target = np.zeros(matrix.shape[0])
        target[-1] = 1.0
        targets.append(target)
        costs.append(sign * numerator[draw].reshape(-1))
    solved = _block_diagonal_minima(blocks, targets, costs)
    if solved is None:
        return np.full(size, np.nan)
    return np.array([sign * float(cost @ x) for cost, x in zip(costs, solved)])


def _relaxation_matrix(systems: Sequence[System], sizes: list[int], total: int) -> sparse.csr_array:
    blocks = []
    for index, (matrix, rhs) in enumerate(systems):
        centred = sparse.csr_array(matrix[1:] - rhs[1:, None] * np.ones((1, matrix.shape[1])))
        factor = None
        for other, size in enumerate(sizes):
            piece = centred if other == index else sparse.identity(size, format="csr")
            factor = piece if factor is None else sparse.kron(factor, piece, format="csr")
        blocks.append(factor)
    return sparse.vstack(blocks + [sparse.csr_array(np.ones((1, total)))], format="csr")


def _batched_search(matrices: Sequence[np.ndarray], rhs: Sequence[np.ndarray], numerator: np.ndarray,
                    sign: float, sweeps: int, rng: np.random.Generator) -> np.ndarray:
    size = numerator.shape[0]
    systems = [sparse.csr_array(matrix) for matrix in matrices]
    weights = []
    for block, matrix in enumerate(systems):
        costs = [rng.standard_normal(matrix.shape[1]) for _ in range(size)]
        solved = _block_diagonal_minima([matrix] * size, [r for r in rhs[block]], costs)
        if solved is None:
            return np.full(size, np.nan)
        weights.append(solved)
    values = np.array([_contract(numerator[d], [w[d] for w in weights]) for d in range(size)])
    for _ in range(sweeps):
        previous = values.copy()
        for block, matrix in enumerate(systems):
            costs = [-sign * _contract(numerator[d], [w[d] for w in weights], skip=block) for d in range(size)]
            solved = _block_diagonal_minima([matrix] * size, [r for r in rhs[block]], costs)
            if solved is None:
                break
            weights[block] = solved
            values = np.array([_contract(numerator[d], [w[d] for w in weights]) for d in range(size)])
        if np.all(sign * values <= sign * previous + 1e-12):
            break
    return values
