"""Sharp bounds when response types factor over several c-components (see :mod:`.factored`).

:func:`factored_bounds` bounds one query on one data set; :func:`factored_draw_bounds`
bounds it for a batch of posterior draws of the observational distribution.
The draws are cut into :class:`DrawBlock` objects, plain arrays with a pure
function :func:`solve_block`, so blocks can be solved inline, in worker
processes (``concurrent.futures``) or shipped to any other executor unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import sparse

from causalppl.backends.bounds.components import is_clique
from causalppl.backends.bounds.errors import ZeroProbabilityCondition
from causalppl.backends.bounds.factored import (
    FactoredInstance,
    build_structure,
    regimes_of,
)
from causalppl.backends.bounds.formulation import LinearSystem
from causalppl.backends.bounds.polynomial import (
    SHARP_GAP,
    _block_diagonal_minima,
    batch_polynomial_bounds,
    polynomial_bounds,
)
from causalppl.backends.bounds.problem import (
    ROUNDING,
    DiscreteGraph,
    Experiment,
    LinearQuery,
    check_query,
    normalized_draws,
)
from causalppl.processes import process_map
from causalppl.backends.bounds.solve import (
    NEGLIGIBLE,
    Infeasible,
    linear_bounds,
    ratio_bounds,
)

POINT = 1e-9
"""Bounds within this of each other are a point."""


@dataclass(frozen=True)
class DrawBlock:
    """Everything needed to bound a batch of draws: free components' rows, and the query's tensors.

    ``matrices[i]`` is free component i's constraint matrix (normalisation first, shared by the
    draws), ``rhs[i]`` its right-hand sides (draws, rows); ``numerator`` and ``denominator`` have
    the draws first, then one axis per free component.
    """

    matrices: tuple[np.ndarray, ...]
    rhs: tuple[np.ndarray, ...]
    numerator: np.ndarray
    denominator: np.ndarray | None
    time_limit: float
    use_scip: bool | None


@dataclass(frozen=True)
class BlockResult:
    lowers: np.ndarray
    uppers: np.ndarray
    gaps: np.ndarray
    solver: str


def solve_block(block: DrawBlock) -> BlockResult:
    """Bounds of every draw of ``block`` (NaN where the draw's data admit no model or condition).

    Programs without a condition are solved for all draws at once (one
    block-diagonal program per direction and step); draws that fail together
    are solved one by one.
    """
    size = block.numerator.shape[0]
    lowers, uppers, gaps = np.full(size, np.nan), np.full(size, np.nan), np.zeros(size)
    solver = "identified" if not block.matrices else "linear program" if len(block.matrices) == 1 else ""
    pending = np.arange(size)
    if block.denominator is None and block.matrices:
        if len(block.matrices) == 1:
            lowers, uppers = _batched_linear(block)
        else:
            lowers, uppers, gaps = batch_polynomial_bounds(block.matrices, block.rhs, block.numerator)
            solver = "local search + relaxation, batched"
        gaps = np.nan_to_num(gaps)
        pending = np.flatnonzero(np.isnan(lowers) | np.isnan(uppers))
    for draw in pending:
        systems = [(matrix, rhs[draw]) for matrix, rhs in zip(block.matrices, block.rhs)]
        denominator = None if block.denominator is None else block.denominator[draw]
        try:
            low, high, gap, used = bound_program(systems, block.numerator[draw], denominator,
                                                 block.time_limit, block.use_scip)
        except (Infeasible, ZeroProbabilityCondition, ValueError):
            continue
        lowers[draw], uppers[draw], gaps[draw] = low, high, gap
        solver = solver or used
    return BlockResult(lowers, uppers, gaps, solver)


def _batched_linear(block: DrawBlock) -> tuple[np.ndarray, np.ndarray]:
    size = block.numerator.shape[0]
    matrix = sparse.csr_array(block.matrices[0])
    found = []
    for sign in (1.0, -1.0):
        costs = [sign * block.numerator[d].reshape(-1) for d in range(size)]
        solved = _block_diagonal_minima([matrix] * size, list(block.rhs[0]), costs)
        if solved is None:
            return np.full(size, np.nan), np.full(size, np.nan)
        found.append(np.array([float(c @ x) for c, x in zip(costs, solved)]) * sign)
    return found[0], found[1]


def bound_program(systems: Sequence[tuple[np.ndarray, np.ndarray]], numerator: np.ndarray,
                  denominator: np.ndarray | None, time_limit: float, use_scip: bool | None
                  ) -> tuple[float, float, float, str]:
    """(lower, upper, gap, solver) of one program: no free component, one (an LP), or several."""
    if denominator is not None and _constant(denominator):
        value = float(np.reshape(denominator, -1)[0])
        if value <= NEGLIGIBLE:
            raise ZeroProbabilityCondition("the condition has probability zero under every model compatible "
                                           "with the data")
        numerator, denominator = numerator / value, None
    if not systems:
        value = float(numerator)
        if denominator is not None:
            bottom = float(denominator)
            if bottom <= NEGLIGIBLE:
                raise ZeroProbabilityCondition("the condition has probability zero")
            value /= bottom
        return value, value, 0.0, "identified"
    if len(systems) == 1:
        matrix, rhs = systems[0]
        system = LinearSystem(sparse.csr_array(matrix), rhs, ("normalization",) * len(rhs))
        if denominator is None:
            low, high = linear_bounds(system, numerator)
        else:
            low, high = ratio_bounds(system, numerator, denominator)
        return low, high, 0.0, "linear program"
    found = polynomial_bounds(systems, numerator, denominator, time_limit=time_limit, use_scip=use_scip)
    return found.lower, found.upper, found.gap, found.solver


def _constant(tensor: np.ndarray) -> bool:
    flat = np.reshape(tensor, -1)
    return bool(np.allclose(flat, flat[0], rtol=0.0, atol=1e-14))


@dataclass(frozen=True)
class FactoredResult:
    lower: float
    upper: float
    certificate: str  # "point-identified", "sharp" or "valid"
    gap: float
    solver: str
    n_columns: int
    n_constraints: int
    status: str
    notes: tuple[str, ...]
    free_components: tuple[str, ...]


def factored_bounds(graph: DiscreteGraph, query: LinearQuery, observational: np.ndarray | None,
                    experimental: Sequence[Experiment] = (), *, tolerance: float = 1e-6,
                    units: Sequence[float] | None = None, time_limit: float = 60.0,
                    use_scip: bool | None = None) -> FactoredResult:
    """Bounds of ``query`` on one data set in the factored model (units: each regime's sample size, if a sample)."""
    check_query(graph, query)
    regimes, tables = regimes_of(graph, observational, experimental)
    structure = build_structure(graph, query, regimes)
    instance = structure.instance([t[None] for t in tables], units=units, tolerance=tolerance)
    block = block_of(instance, time_limit, use_scip)
    systems = [(matrix, rhs[0]) for matrix, rhs in zip(block.matrices, block.rhs)]
    denominator = None if block.denominator is None else block.denominator[0]
    low, high, gap, solver = bound_program(systems, block.numerator[0], denominator, time_limit, use_scip)
    low, high = _clamped(low, high)
    relaxed = [label for label, members in zip(instance.labels(), _free_members(instance))
               if not is_clique(graph, members)]
    if high - low <= POINT:
        certificate = "point-identified"
    else:
        certificate = "sharp" if gap <= SHARP_GAP and not relaxed else "valid"
    return FactoredResult(low, high, certificate, gap, solver,
                          n_columns=sum(m.shape[1] for m in block.matrices),
                          n_constraints=sum(m.shape[0] for m in block.matrices),
                          status=_status(instance), notes=_notes(instance, certificate, gap, relaxed),
                          free_components=tuple(instance.labels()))


def _free_members(instance: FactoredInstance) -> list[tuple[str, ...]]:
    return [instance.components[i].structure.types.variables for i in instance.free]


def _clamped(low: float, high: float) -> tuple[float, float]:
    if low > high and low - high <= 1e-9:
        middle = (low + high) / 2
        return middle, middle
    return low, high


def block_of(instance: FactoredInstance, time_limit: float, use_scip: bool | None,
             draws: slice = slice(None)) -> DrawBlock:
    systems_rows = []
    matrices = []
    for index in instance.free:
        data = instance.components[index]
        n = data.indicator.shape[1]
        matrix = np.vstack([np.ones((1, n)), data.indicator.astype(float)])
        rhs = np.concatenate([np.ones((data.rhs.shape[0], 1)), data.rhs], axis=1)
        if data.zero_columns.any():
            matrix = np.vstack([matrix, np.eye(n)[data.zero_columns]])
            rhs = np.concatenate([rhs, np.zeros((rhs.shape[0], int(data.zero_columns.sum())))], axis=1)
        matrices.append(matrix)
        systems_rows.append(rhs[draws])
    denominator = None if instance.denominator is None else instance.denominator[draws]
    return DrawBlock(tuple(matrices), tuple(systems_rows), instance.numerator[draws], denominator,
                     time_limit, use_scip)


def _status(instance: FactoredInstance) -> str:
    fitted = [c for c in instance.components if c.fit == "fitted"]
    projected = [c for c in instance.components if c.fit == "projected"]
    if fitted:
        worst = max(c.statistic for c in fitted)
        return ("optimal for the maximum-likelihood fit of the model to the data (likelihood-ratio "
                f"statistic {worst:.3g})")
    if projected:
        distance = max(c.distance for c in projected)
        return f"optimal for the data projected onto the model (L1 distance {distance:.2e})"
    return "optimal"


def _notes(instance: FactoredInstance, certificate: str, gap: float, relaxed: list[str]) -> tuple[str, ...]:
    labels = instance.labels()
    pinned = [c.structure.label for i, c in enumerate(instance.components) if i not in instance.free]
    notes = []
    if pinned:
        notes.append("identified from the data and substituted: the c-factors of " + ", ".join(pinned))
    if len(labels) == 1:
        notes.append(f"one free c-component ({labels[0]}): a linear program over its response types")
    elif len(labels) > 1:
        notes.append(f"{len(labels)} free c-components ({', '.join(labels)}), independent of each other: "
                     "a polynomial program")
    if relaxed:
        notes.append(f"the c-component{'s' if len(relaxed) > 1 else ''} {', '.join(relaxed)} "
                     f"{'are' if len(relaxed) > 1 else 'is'} not fully joined by <-> arcs: one joint distribution "
                     "of its response types relaxes the independence of its separate latent causes, so these "
                     "bounds are valid but may not be sharp")
    elif certificate == "valid":
        notes.append(f"these bounds are valid but may not be sharp: the global search stopped with a gap of "
                     f"{gap:.3g} between them and the values models are known to reach")
    for component in instance.components:
        if component.fit == "fitted":
            notes.append(f"the data miss the constraints of the c-component {component.structure.label} by "
                         "sampling error; the model was fitted to them by maximum likelihood")
    return tuple(notes)


# --------------------------------------------------------------------- draws ----


@dataclass(frozen=True)
class FactoredDraws:
    lowers: np.ndarray
    uppers: np.ndarray
    gaps: np.ndarray
    n_infeasible: int
    method: str
    n_columns: int


def factored_draw_bounds(graph: DiscreteGraph, query: LinearQuery, observational_draws: np.ndarray,
                         experimental: Sequence[Experiment] = (), *, fit: bool = False, workers: int = 1,
                         block_size: int = 50, time_limit: float = 60.0, use_scip: bool | None = None
                         ) -> FactoredDraws:
    """Bounds for each draw of the observational distribution (experiments fixed).

    ``fit``: fit every draw by maximum likelihood (as the point estimate needed); ``workers`` > 1
    solves blocks of ``block_size`` draws in that many processes.
    """
    check_query(graph, query)
    draws = normalized_draws(graph, observational_draws)
    regimes, tables = regimes_of(graph, np.full(graph.shape(), 1.0 / draws[0].size), experimental)
    structure = build_structure(graph, query, regimes)
    batch = [draws] + [np.broadcast_to(t, (len(draws),) + t.shape) for t in tables[1:]]
    instance = structure.instance(batch, fit_draws=fit)
    blocks = [block_of(instance, time_limit, use_scip, slice(start, start + block_size))
              for start in range(0, len(draws), block_size)]
    results = process_map(solve_block, blocks, workers)
    lowers = np.concatenate([r.lowers for r in results])
    uppers = np.concatenate([r.uppers for r in results])
    solver = next((r.solver for r in results if r.solver), "")
    return FactoredDraws(lowers, uppers, np.concatenate([r.gaps for r in results]),
                         int(np.isnan(lowers).sum()), f"factored ({solver})" if solver else "factored",
                         sum(m.shape[1] for m in blocks[0].matrices) if blocks else 0)


__all__ = ["DrawBlock", "BlockResult", "FactoredResult", "FactoredDraws", "factored_bounds",
           "factored_draw_bounds", "solve_block", "bound_program"]
