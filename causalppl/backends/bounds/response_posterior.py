"""The Bayesian model behind partially identified queries: a Dirichlet over response types.

Every unit has a joint response type of the modelled variables (see
:mod:`.response`) drawn from a distribution ``q``, and values of the
conditioned variables drawn from their own distribution ``w``. A unit of a
data regime lands in the cell its response type produces there, so the
likelihood of the cell counts of one block (a regime at one configuration of
the conditioned variables) is multinomial with cell probabilities
``sum(q[j] for the columns j compatible with the cell)``.

The prior on ``q`` is a Dirichlet with concentration ``prior`` on every
*canonical* joint response type (every tuple of functions from all parent
configurations to levels). The program's columns carry several canonical
types each (types pruned to the reachable parent configurations, then types
no row can tell apart, merged): by the aggregation property of the
Dirichlet, a column's concentration is the sum over its types. The prior on
``w`` is a Dirichlet with concentration ``conditioned_prior`` on every joint
configuration of the conditioned variables; its posterior is conjugate and
independent of ``q``.

The query is linear in ``q`` for each configuration of the conditioned
variables (a ratio of two such forms when it has a condition);
:class:`ResponsePosterior` keeps those linear forms so samplers only record
``functionals @ q``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from causalppl.backends.bounds.errors import IncompatibleData, ZeroProbabilityCondition
from causalppl.backends.bounds.formulation import (
    OBSERVATIONAL,
    Regime,
    Skeleton,
    block_distribution,
    build_skeleton,
    conditioned_marginal,
    objective_components,
)
from causalppl.backends.bounds.problem import (
    DiscreteGraph,
    Experiment,
    LinearQuery,
    check_query,
    experiment_tables,
)
from causalppl.backends.bounds.response import ResponseSpace

WHOLE = 1e-9
"""Counts within this of an integer are whole numbers."""


@dataclass(frozen=True)
class ResponsePosterior:
    """Everything a sampler needs about the posterior of the column weights ``q``.

    ``masks[g]`` flags the columns compatible with observed cell ``g`` and
    ``counts[g]`` its number of units (cells with units only); the likelihood
    is constant along the null space of :attr:`constraints` (the *fiber*
    directions). ``functionals`` stacks the query's
    numerator per conditioned configuration, then its condition per
    configuration when it has one.
    """

    skeleton: Skeleton
    alpha: np.ndarray
    masks: np.ndarray
    counts: np.ndarray
    functionals: np.ndarray
    conditioned_alpha: np.ndarray
    has_condition: bool
    canonical_types: float

    @property
    def n_columns(self) -> int:
        return int(self.alpha.size)

    @property
    def n_configurations(self) -> int:
        return int(self.conditioned_alpha.size)

    @property
    def constraints(self) -> np.ndarray:
        """The rows the fiber keeps fixed: the total, then each observed cell's probability."""
        return np.vstack([np.ones((1, self.n_columns)), self.masks.astype(float)])

    @property
    def whole_counts(self) -> bool:
        return bool(np.all(np.abs(self.counts - np.round(self.counts)) <= WHOLE))


def response_posterior(
    graph: DiscreteGraph,
    query: LinearQuery,
    observational_counts: np.ndarray | None,
    experimental_counts: Sequence[Experiment] = (),
    *,
    prior: float = 1.0,
    conditioned_prior: float = 1.0,
) -> ResponsePosterior:
    """The posterior model of ``query`` given cell counts (see the module docstring).

    ``experimental_counts`` are :class:`Experiment` objects whose tables hold
    counts rather than probabilities.
    """
    check_query(graph, query)
    if prior <= 0 or conditioned_prior <= 0:
        raise ValueError("Dirichlet concentrations must be positive")
    regimes = count_regimes(graph, observational_counts, experimental_counts)
    skeleton = build_skeleton(graph, query, [regime.interventions for regime in regimes])
    multiplicity = canonical_multiplicity(skeleton.space)
    masks, counts = observed_cells(skeleton, regimes)
    functionals, weights_needed = _functionals(skeleton, query)
    n_configurations = len(skeleton.configurations) if weights_needed else 1
    conditioned = conditioned_prior + (conditioned_counts(skeleton, regimes) if weights_needed else 0.0)
    return ResponsePosterior(
        skeleton=skeleton,
        alpha=prior * multiplicity * skeleton.type_counts.astype(float),
        masks=masks,
        counts=counts,
        functionals=functionals,
        conditioned_alpha=np.broadcast_to(conditioned, (n_configurations,)).astype(float),
        has_condition=bool(query.condition),
        canonical_types=multiplicity * skeleton.space.n_joint_types,
    )


def count_regimes(
    graph: DiscreteGraph, observational: np.ndarray | None, experimental: Sequence[Experiment]
) -> tuple[Regime, ...]:
    """Observational counts (first, if given) and each experimental setting with units, as regimes."""
    regimes: list[Regime] = []
    if observational is not None:
        table = _count_table(observational, graph.shape(), OBSERVATIONAL)
        regimes.append(Regime((), table, OBSERVATIONAL))
    for experiment in experimental:
        source = f"the experimental counts under do({', '.join(experiment.intervened)})"
        with_units = {s: t for s, t in experiment.distributions.items() if np.sum(t) > 0}
        checked = experiment_tables(graph, Experiment(experiment.intervened, with_units))
        for setting, table in with_units.items():
            assignment = tuple(sorted(zip(experiment.intervened, setting)))
            regimes.append(Regime(assignment, _count_table(table, checked[assignment].shape, source), source))
    if not regimes:
        raise ValueError("the Bayesian bounds need observational or experimental counts")
    return tuple(regimes)


def _count_table(table: np.ndarray, shape: tuple[int, ...], source: str) -> np.ndarray:
    values = np.asarray(table, dtype=float)
    if values.shape != shape:
        raise ValueError(f"{source} has shape {values.shape}, expected {shape}")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"{source} must hold finite nonnegative counts")
    return values


def canonical_multiplicity(space: ResponseSpace) -> float:
    """How many canonical joint response types each enumerated joint type stands for."""
    multiplicity = 1.0
    for variable in space.modelled:
        functions = float(space.graph.cards[variable.name]) ** variable.table.shape[1]
        multiplicity *= functions / variable.n_types
    return multiplicity


def observed_cells(skeleton: Skeleton, regimes: Sequence[Regime]) -> tuple[np.ndarray, np.ndarray]:
    """Compatible-column masks and unit counts of every cell that holds units."""
    masks: list[np.ndarray] = []
    counts: list[float] = []
    for block in skeleton.blocks:
        regime = regimes[block.regime]
        cells = block_distribution(skeleton.space, regime.interventions, block.conditioned_values, regime.table)
        for cell in np.flatnonzero(cells > 0):
            mask = block.cells == cell
            if not mask.any():
                raise IncompatibleData(
                    f"{regime.source} has units in a cell no response type of the graph produces "
                    f"(cell {cell} at {dict(block.conditioned_values)})"
                )
            masks.append(mask)
            counts.append(float(cells[cell]))
    n_columns = skeleton.n_columns
    return np.array(masks, dtype=bool).reshape(-1, n_columns), np.array(counts, dtype=float)


def conditioned_counts(skeleton: Skeleton, regimes: Sequence[Regime]) -> np.ndarray:
    """Units per configuration of the conditioned variables, over the regimes that leave them all factual."""
    space = skeleton.space
    total = np.zeros(len(skeleton.configurations))
    for regime in regimes:
        if not set(dict(regime.interventions)) & set(space.conditioned):
            total = total + conditioned_marginal(space, regime.interventions, regime.table)
    return total


def _functionals(skeleton: Skeleton, query: LinearQuery) -> tuple[np.ndarray, bool]:
    """The query's linear forms and whether they depend on the conditioned configuration."""
    numerator = objective_components(skeleton)
    condition = skeleton.condition.astype(float)
    needed = skeleton.uses_conditioned_distribution
    if not needed:
        numerator, condition = numerator[:1], condition[:1]
    if not condition.any():
        raise ZeroProbabilityCondition("the condition holds for no response type")
    parts = [numerator, condition] if query.condition else [numerator]
    return np.concatenate(parts, axis=0), needed


def query_values(posterior: ResponsePosterior, recorded: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The query for each draw from recorded ``functionals @ q`` and conditioned weights ``w``.

    ``recorded`` has shape ``batch + (n_functionals,)``, ``weights`` ``batch + (n_configurations,)``.
    """
    n = posterior.n_configurations
    numerator = np.sum(recorded[..., :n] * weights, axis=-1)
    if not posterior.has_condition:
        return numerator
    denominator = np.sum(recorded[..., n:] * weights, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)
