"""Sharp bounds on linear counterfactual queries by linear programming over response types.

:func:`sharp_bounds` bounds one query given observational and/or experimental
distributions; :func:`bounds_for_draws` bounds it for many posterior draws of
the observational distribution, building the program once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from causalppl.backends.bounds.components import is_clique
from causalppl.backends.bounds.draws import (
    DrawEvaluation,
    cached_vertex_evaluation,
    dual_bounds,
    reduce_rows,
    vertex_evaluation,
)
from causalppl.backends.bounds.errors import IncompatibleData, ZeroProbabilityCondition
from causalppl.backends.bounds.formulation import (
    Regime,
    Skeleton,
    build_skeleton,
    conditioned_marginal,
    data_regimes,
    decided_condition,
    event_probability,
    identifying_regime,
    linear_system,
    objective_components,
    stacked_rhs,
)
from causalppl.backends.bounds.problem import (
    ROUNDING,
    DiscreteGraph,
    Experiment,
    LinearQuery,
    check_query,
    normalized_draws,
)
from causalppl.backends.bounds.response import (
    MAX_JOINT_TYPES,
    c_components,
    conditioned_variables,
    reachable_parent_configurations,
)
from causalppl.backends.bounds.sharp import factored_bounds, factored_draw_bounds
from causalppl.backends.bounds.solve import Infeasible, bound_query

DEFAULT_TOLERANCE = 1e-6
"""L1 distance by which data may miss the model and still be used (after projection)."""

DEFAULT_MAX_RAYS = 5_000
"""Budget of intermediate rays for dual vertex enumeration before falling back to cached vertices."""

DEFAULT_ENUMERATION_SECONDS = 0.5
"""Time budget for dual vertex enumeration before falling back to cached vertices."""


@dataclass(frozen=True)
class BoundsResult:
    """Bounds of a query and how far they are proven.

    ``certificate`` is "point-identified" (the bounds meet), "sharp" (proven
    the tightest the data allow) or "valid" (outer bounds; ``gap`` bounds
    how much tighter the sharp ones may be). ``sharp`` is False for "valid".
    """

    lower: float
    upper: float
    sharp: bool
    n_columns: int
    n_constraints: int
    status: str
    notes: tuple[str, ...] = ()
    certificate: str = "sharp"
    gap: float = 0.0
    solver: str = "linear program"
    free_components: tuple[str, ...] = ()


def sharp_bounds(
    graph: DiscreteGraph,
    query: LinearQuery,
    observational: np.ndarray | None = None,
    experimental: Sequence[Experiment] = (),
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    units: Sequence[float] | None = None,
    time_limit: float = 60.0,
    use_scip: bool | None = None,
) -> BoundsResult:
    """Bounds of ``query`` over every model with ``graph`` that reproduces the data.

    Response types factor over c-components: when the modelled variables
    form one c-component (or none) the bounds are one linear program over its
    types; otherwise the factored program of :mod:`.factored` is solved
    (a point, a linear program, or a polynomial program; ``time_limit``
    seconds for SCIP, ``use_scip`` False to skip it).

    ``units`` gives each data regime's sample size (observational first, then
    each experimental setting): sampled data that miss the constraints inside
    a c-component by sampling error are then fitted by maximum likelihood.
    Without ``units`` the data are taken as exact. Raises
    :class:`IncompatibleData` when the data miss the model by more than
    ``tolerance`` (L1; sampling error with ``units``), and
    :class:`ZeroProbabilityCondition` when the query's condition has
    probability zero.
    """
    check_query(graph, query)
    regimes = data_regimes(graph, observational, experimental)
    if needs_factoring(graph, query, [regime.interventions for regime in regimes]):
        found = factored_bounds(graph, query, observational, experimental, tolerance=tolerance, units=units,
                                time_limit=time_limit, use_scip=use_scip)
        return BoundsResult(found.lower, found.upper, found.certificate != "valid", found.n_columns,
                            found.n_constraints, found.status, found.notes, found.certificate, found.gap,
                            found.solver, found.free_components)
    skeleton = build_skeleton(graph, query, [regime.interventions for regime in regimes])
    solved = bound_query(skeleton, regimes, query, linear_system(skeleton, regimes), tolerance)
    status = "optimal"
    if solved.projection_distance > 0:
        distance = solved.projection_distance
        status = f"optimal for the data projected onto the model (L1 distance {distance:.2e})"
    point = solved.upper - solved.lower <= 1e-9
    varying = [v.name for v in skeleton.space.modelled if v.n_types > 1]
    clique = is_clique(graph, varying)
    notes = skeleton.space.notes
    if not clique and not point:
        notes += ("the modelled variables' c-component is not fully joined by <-> arcs: one joint distribution "
                  "of their response types relaxes the independence of its separate latent causes, so these "
                  "bounds are valid but may not be sharp",)
    return BoundsResult(
        lower=solved.lower,
        upper=solved.upper,
        sharp=skeleton.space.sharp and (clique or point),
        n_columns=skeleton.n_columns,
        n_constraints=solved.n_constraints,
        status=status,
        notes=notes,
        certificate="point-identified" if point else "sharp" if clique else "valid",
    )


def joint_lp_bounds(
    graph: DiscreteGraph,
    query: LinearQuery,
    observational: np.ndarray | None = None,
    experimental: Sequence[Experiment] = (),
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> BoundsResult:
    """The single linear program over one joint distribution of all modelled response types.

    A relaxation when the modelled variables span several c-components (their
    independence is dropped); kept as a baseline for tests and benchmarks.
    """
    check_query(graph, query)
    regimes = data_regimes(graph, observational, experimental)
    skeleton = build_skeleton(graph, query, [regime.interventions for regime in regimes])
    solved = bound_query(skeleton, regimes, query, linear_system(skeleton, regimes), tolerance)
    return BoundsResult(solved.lower, solved.upper, skeleton.space.sharp, skeleton.n_columns, solved.n_constraints,
                        "optimal", skeleton.space.notes, "sharp" if skeleton.space.sharp else "valid")


def needs_factoring(graph: DiscreteGraph, query: LinearQuery, regimes: Sequence[tuple]) -> bool:
    """Whether the factored program is needed: nested potential outcomes, or modelled variables
    spanning several c-components (or more joint types than one program enumerates)."""
    if any(atom.nested for atom in query.atoms()):
        return True
    worlds = list(dict.fromkeys(tuple(regimes) + tuple(atom.interventions for atom in query.atoms())))
    conditioned = conditioned_variables(graph, worlds)
    sizes = {name: graph.cards[name] ** len(reachable_parent_configurations(graph, name, worlds))
             for name in graph.variables if name not in conditioned}
    varying = [name for name, size in sizes.items() if size > 1]
    if float(np.prod([float(size) for size in sizes.values()])) > MAX_JOINT_TYPES:
        return True
    return len(c_components(graph, varying)) > 1


@dataclass(frozen=True)
class DrawBounds:
    """Bounds for each posterior draw: NaN for draws the model cannot produce
    (or whose conditioning event has probability zero). Unpacks as ``lowers, uppers``.

    ``method`` is "dual vertices", "cached vertices", "linprog per draw" or
    "factored (...)"; ``n_programs`` counts the linear programs HiGHS solved;
    ``gaps`` (factored polynomial programs) how far each draw's bounds may be from sharp.
    """

    lowers: np.ndarray
    uppers: np.ndarray
    n_infeasible: int
    method: str
    sharp: bool
    n_columns: int
    n_vertices: int = 0
    n_programs: int = 0
    gaps: np.ndarray | None = None

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.lowers, self.uppers))


def bounds_for_draws(
    graph: DiscreteGraph,
    query: LinearQuery,
    observational_draws: np.ndarray,
    experimental: Sequence[Experiment] = (),
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    max_rays: int = DEFAULT_MAX_RAYS,
    max_enumeration_seconds: float = DEFAULT_ENUMERATION_SECONDS,
    fit: bool = False,
    workers: int = 1,
    time_limit: float = 60.0,
    use_scip: bool | None = None,
) -> DrawBounds:
    """Bounds of ``query`` for each draw ``observational_draws[s]`` of the observational distribution.

    The program is built once and only its right-hand side changes between
    draws. When the objective does not depend on the data, the dual vertices
    are enumerated once and each draw costs matrix products ("dual
    vertices"); when that exceeds ``max_rays`` or ``max_enumeration_seconds``,
    or the objective depends on the draw (through the distribution of a
    conditioned variable), HiGHS solves a few draws and their optimal dual
    vertices are certified optimal for the others ("cached vertices"); a
    query whose condition neither a data regime gives nor the conditioned
    variables decide is solved draw by draw ("linprog per draw"). Draws at the
    edge of feasibility are decided one by one as :func:`sharp_bounds` would.

    Factored programs (several c-components, nested outcomes) are solved draw
    by draw, in blocks spread over ``workers`` processes; ``fit`` fits each
    draw to the model by maximum likelihood (as :func:`sharp_bounds` did for the
    point estimate when it reports a fit).
    """
    check_query(graph, query)
    draws = normalized_draws(graph, observational_draws)
    uniform = np.full(graph.shape(), 1.0 / draws[0].size)
    template = data_regimes(graph, uniform, experimental)
    if needs_factoring(graph, query, [regime.interventions for regime in template]):
        found = factored_draw_bounds(graph, query, draws, experimental, fit=fit, workers=workers,
                                     time_limit=time_limit, use_scip=use_scip)
        return DrawBounds(found.lowers, found.uppers, found.n_infeasible, found.method,
                          bool(np.all(found.gaps[np.isfinite(found.lowers)] <= 1e-7)), found.n_columns,
                          gaps=found.gaps)
    skeleton = build_skeleton(graph, query, [regime.interventions for regime in template])
    evaluation, method, n_vertices = _batch_evaluation(
        skeleton, template, query, draws, tolerance, max_rays, max_enumeration_seconds
    )
    lowers, uppers = evaluation.lowers.copy(), evaluation.uppers.copy()
    unresolved = np.flatnonzero(evaluation.unresolved)
    for index in unresolved:
        lowers[index], uppers[index] = _one_draw(skeleton, template, query, draws[index], tolerance)
    return DrawBounds(
        lowers=lowers,
        uppers=uppers,
        n_infeasible=int(np.isnan(lowers).sum()),
        method=method,
        sharp=skeleton.space.sharp,
        n_columns=skeleton.n_columns,
        n_vertices=n_vertices,
        n_programs=evaluation.n_programs + 2 * len(unresolved),
    )


def _batch_evaluation(
    skeleton: Skeleton,
    template: Sequence[Regime],
    query: LinearQuery,
    draws: np.ndarray,
    tolerance: float,
    max_rays: int,
    max_seconds: float,
) -> tuple[DrawEvaluation, str, int]:
    """Bounds of all draws at once where possible; the evaluation marks draws left to one-by-one solving."""
    identifying = identifying_regime(query.condition, template) if query.condition else None
    decided = decided_condition(skeleton) if query.condition and identifying is None else None
    if query.condition and identifying is None and decided is None:
        nothing = np.full(len(draws), np.nan)
        return DrawEvaluation(nothing, nothing, np.ones(len(draws), dtype=bool)), "linprog per draw", 0
    system = linear_system(skeleton, template)
    rows = reduce_rows(system.matrix.toarray())
    rhs = stacked_rhs(skeleton, system, template, {0: draws})
    components = objective_components(skeleton)
    evaluation, method, n_vertices = None, "cached vertices", 0
    if not skeleton.uses_conditioned_distribution:
        dual = dual_bounds(rows, components[0], max_rays=max_rays, max_seconds=max_seconds)
        if dual is not None:
            evaluation = vertex_evaluation(rows, dual, rhs, tolerance)
            method, n_vertices = "dual vertices", dual.n_vertices
        weights = np.ones((len(draws), 1))
        components = components[:1]
    else:
        weights = conditioned_marginal(skeleton.space, (), draws)
    if evaluation is None:
        evaluation = cached_vertex_evaluation(rows, components, weights, rhs)
    if identifying is not None:
        probability = _condition_probability(skeleton, template, query, identifying, draws)
        evaluation = _divided(evaluation, probability)
    elif decided is not None:
        evaluation = _divided(evaluation, conditioned_marginal(skeleton.space, (), draws) @ decided)
    return evaluation, method, n_vertices


def _divided(evaluation: DrawEvaluation, probability: np.ndarray) -> DrawEvaluation:
    positive = probability > 0
    safe = np.where(positive, probability, 1.0)
    return DrawEvaluation(
        lowers=np.where(positive, evaluation.lowers / safe, np.nan),
        uppers=np.where(positive, evaluation.uppers / safe, np.nan),
        unresolved=evaluation.unresolved & positive,
        n_programs=evaluation.n_programs,
    )


def _condition_probability(
    skeleton: Skeleton, template: Sequence[Regime], query: LinearQuery, identifying: int, draws: np.ndarray
) -> np.ndarray:
    regime = template[identifying]
    table = draws if identifying == 0 else regime.table
    probability = event_probability(skeleton.space.graph, regime.interventions, query.condition, table)
    return np.broadcast_to(probability, (len(draws),))


def _one_draw(
    skeleton: Skeleton, template: Sequence[Regime], query: LinearQuery, draw: np.ndarray, tolerance: float
) -> tuple[float, float]:
    regimes = (Regime((), draw, template[0].source),) + tuple(template[1:])
    try:
        system = linear_system(skeleton, regimes)
        solved = bound_query(skeleton, regimes, query, system, tolerance, explain=False)
    except (IncompatibleData, ZeroProbabilityCondition, Infeasible):
        return np.nan, np.nan
    return solved.lower, solved.upper
