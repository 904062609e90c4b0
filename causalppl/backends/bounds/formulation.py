"""The linear program over response types: columns, constraint rows and objective.

The construction has two stages so that posterior draws reuse the first:

* :func:`build_skeleton` depends only on the graph, the query and *which*
  data regimes exist. It evaluates every joint response type in every world
  and merges types that no row of the program can tell apart (identical
  coefficients in every data row, event and condition), an exact reduction.
* :func:`linear_system` fills in the data: for each regime and each
  configuration of the conditioned variables with positive probability, the
  conditional distribution of the modelled variables is an equality
  constraint on the response-type distribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

import numpy as np
from scipy import sparse

from causalppl.backends.bounds.problem import (
    Assignment,
    DiscreteGraph,
    Event,
    Experiment,
    LinearQuery,
    experiment_tables,
    observational_table,
)
from causalppl.backends.bounds.response import (
    ResponseSpace,
    build_response_space,
    evaluate,
)

OBSERVATIONAL = "the observational distribution"


@dataclass(frozen=True)
class Regime:
    """One data regime: its interventions, the joint table of the other variables, its source."""

    interventions: Assignment
    table: np.ndarray
    source: str


def data_regimes(
    graph: DiscreteGraph, observational: np.ndarray | None, experimental: Sequence[Experiment]
) -> tuple[Regime, ...]:
    """The observational table (first, if given) and every experimental setting as regimes."""
    regimes: list[Regime] = []
    if observational is not None:
        regimes.append(Regime((), observational_table(graph, observational), OBSERVATIONAL))
    for experiment in experimental:
        source = f"the experimental distribution under do({', '.join(experiment.intervened)})"
        for assignment, table in experiment_tables(graph, experiment).items():
            regimes.append(Regime(assignment, table, source))
    return tuple(regimes)


@dataclass(frozen=True)
class Block:
    """The rows of one regime at one configuration of its free conditioned variables.

    ``cells[j]`` is the joint level of the regime's free modelled variables
    that column ``j`` produces, mixed-radix in graph order (last fastest).
    """

    regime: int
    conditioned_values: Mapping[str, int]
    cells: np.ndarray
    n_cells: int


@dataclass(frozen=True)
class Skeleton:
    """The data-independent part of the program, over merged response-type columns.

    ``events[i, l]`` flags the columns where term ``i``'s event and the
    condition hold when the conditioned variables take configuration ``l``;
    ``condition[l]`` flags the condition alone.
    """

    space: ResponseSpace
    regime_interventions: tuple[Assignment, ...]
    blocks: tuple[Block, ...]
    coefficients: np.ndarray
    events: np.ndarray
    condition: np.ndarray
    configurations: tuple[Mapping[str, int], ...]
    type_counts: np.ndarray

    @property
    def n_columns(self) -> int:
        return int(self.type_counts.size)

    @property
    def uses_conditioned_distribution(self) -> bool:
        """Whether the objective or condition depends on the conditioned variables' factual values."""
        return bool(
            np.any(self.events != self.events[:, :1]) or np.any(self.condition != self.condition[:1])
        )


def build_skeleton(
    graph: DiscreteGraph, query: LinearQuery, regime_interventions: Sequence[Assignment]
) -> Skeleton:
    """Response space, merged columns and their coefficients for ``query`` and the regimes."""
    worlds = list(dict.fromkeys(tuple(regime_interventions) + tuple(a.interventions for a in query.atoms())))
    space = build_response_space(graph, worlds)
    layout = _Layout(space, tuple(regime_interventions), query)
    first, counts = _merge_identical_columns(layout.rows(np.arange(space.n_joint_types)), space.n_joint_types)
    rows = list(layout.rows(first))
    n_blocks, n_terms, n_configs = len(layout.block_keys), len(query.terms), len(layout.configurations)
    blocks = tuple(
        Block(regime, values, rows[index], _cell_count(graph, space, regime_interventions[regime]))
        for index, (regime, values) in enumerate(layout.block_keys)
    )
    events = np.array(rows[n_blocks : n_blocks + n_terms * n_configs], dtype=bool)
    condition = np.array(rows[n_blocks + n_terms * n_configs :], dtype=bool)
    return Skeleton(
        space=space,
        regime_interventions=tuple(regime_interventions),
        blocks=blocks,
        coefficients=np.array([coef for coef, _ in query.terms]),
        events=events.reshape(n_terms, n_configs, len(first)),
        condition=condition.reshape(n_configs, len(first)),
        configurations=tuple(layout.configurations),
        type_counts=counts,
    )


class _Layout:
    """Generates the signature rows of a set of columns in a fixed order:
    block cells, then term events per configuration, then the condition per configuration."""

    def __init__(self, space: ResponseSpace, regimes: tuple[Assignment, ...], query: LinearQuery) -> None:
        self.space = space
        self.regimes = regimes
        self.query = query
        self.block_keys = [
            (index, values)
            for index, regime in enumerate(regimes)
            for values in space.conditioned_configurations(excluded=dict(regime))
        ]
        self.configurations = space.conditioned_configurations()

    def rows(self, columns: np.ndarray) -> Iterator[np.ndarray]:
        for regime, values in self.block_keys:
            yield self._cells(self.regimes[regime], values, columns)
        for _, event in self.query.terms:
            for values in self.configurations:
                yield self._holds(event + self.query.condition, values, columns)
        for values in self.configurations:
            yield self._holds(self.query.condition, values, columns)

    def _cells(self, regime: Assignment, values: Mapping[str, int], columns: np.ndarray) -> np.ndarray:
        world = evaluate(self.space, dict(regime), values, columns)
        cells = np.zeros(len(columns), dtype=np.int64)
        graph = self.space.graph
        for name in _free_modelled(self.space, regime):
            cells = cells * graph.cards[name] + world[name]
        return cells

    def _holds(self, event: Event, values: Mapping[str, int], columns: np.ndarray) -> np.ndarray:
        holds = np.ones(len(columns), dtype=bool)
        worlds: dict[Assignment, dict[str, np.ndarray]] = {}
        for atom in event:
            if atom.interventions not in worlds:
                worlds[atom.interventions] = evaluate(self.space, dict(atom.interventions), values, columns)
            holds &= worlds[atom.interventions][atom.variable] == atom.value
        return holds.astype(np.int64)


def _free_modelled(space: ResponseSpace, regime: Assignment) -> list[str]:
    fixed = dict(regime)
    return [v.name for v in space.modelled if v.name not in fixed]


def _cell_count(graph: DiscreteGraph, space: ResponseSpace, regime: Assignment) -> int:
    return int(np.prod(graph.shape(_free_modelled(space, regime)), dtype=np.int64))


def _merge_identical_columns(rows: Iterator[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """First column of each class of columns with identical signature, and class sizes."""
    key = np.zeros(size, dtype=np.int64)
    bound = 1
    for row in rows:
        radix = int(row.max()) + 1 if row.size else 1
        if bound * radix >= 2**62:
            key = np.unique(key, return_inverse=True)[1].reshape(-1)
            bound = int(key.max()) + 1
        key = key * radix + row
        bound *= radix
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return first, counts


@dataclass(frozen=True)
class LinearSystem:
    """Equality constraints ``matrix @ q = rhs`` on the column weights ``q >= 0``.

    Row 0 is the normalization ``sum(q) = 1``; ``row_sources`` names each
    row's data source and ``blocks`` lists the skeleton blocks with rows, in order.
    """

    matrix: sparse.csr_array
    rhs: np.ndarray
    row_sources: tuple[str, ...]
    blocks: tuple[int, ...] = ()

    @property
    def n_rows(self) -> int:
        return int(self.rhs.size)

    def with_rhs(self, rhs: np.ndarray) -> "LinearSystem":
        return LinearSystem(self.matrix, rhs, self.row_sources, self.blocks)

    def restricted_to(self, sources: set[str]) -> "LinearSystem":
        """The normalization row and the rows of ``sources``."""
        keep = [i for i, source in enumerate(self.row_sources) if i == 0 or source in sources]
        return LinearSystem(self.matrix[keep], self.rhs[keep], tuple(self.row_sources[i] for i in keep))


def linear_system(skeleton: Skeleton, regimes: Sequence[Regime]) -> LinearSystem:
    """The data constraints of every block whose conditioning configuration has positive probability."""
    n_columns = skeleton.n_columns
    row_ids: list[np.ndarray] = [np.zeros(n_columns, dtype=np.int64)]
    rhs: list[np.ndarray] = [np.ones(1)]
    sources = ["normalization"]
    active: list[int] = []
    for index, block in enumerate(skeleton.blocks):
        regime = regimes[block.regime]
        conditional = block_conditional(skeleton.space, block, regime.interventions, regime.table)
        if not np.all(np.isfinite(conditional)):
            continue
        active.append(index)
        row_ids.append(len(sources) + block.cells)
        rhs.append(conditional)
        sources.extend([regime.source] * block.n_cells)
    columns = np.tile(np.arange(n_columns), len(row_ids))
    matrix = sparse.csr_array(
        (np.ones(columns.size), (np.concatenate(row_ids), columns)), shape=(len(sources), n_columns)
    )
    return LinearSystem(matrix, np.concatenate(rhs), tuple(sources), tuple(active))


def stacked_rhs(
    skeleton: Skeleton, system: LinearSystem, regimes: Sequence[Regime], tables: Mapping[int, np.ndarray]
) -> np.ndarray:
    """Right-hand sides of ``system`` for a batch of data, one row per draw.

    ``tables`` maps a regime index to its batch of tables (draws first); the
    other regimes keep the data they have in ``regimes``. Draws where a block
    of ``system`` has probability zero get NaN entries.
    """
    n_draws = len(next(iter(tables.values())))
    parts = [np.ones((n_draws, 1))]
    for index in system.blocks:
        block = skeleton.blocks[index]
        regime = regimes[block.regime]
        table = tables.get(block.regime, regime.table[None])
        conditional = block_conditional(skeleton.space, block, regime.interventions, table)
        parts.append(np.broadcast_to(conditional, (n_draws, block.n_cells)))
    return np.concatenate(parts, axis=1)


def block_conditional(
    space: ResponseSpace, block: Block, regime: Assignment, table: np.ndarray
) -> np.ndarray:
    """The distribution of the block's modelled variables given its configuration.

    Entries are NaN where that configuration has probability zero.
    """
    distribution = block_distribution(space, regime, block.conditioned_values, table)
    weight = distribution.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, distribution / weight, np.nan)


def block_distribution(
    space: ResponseSpace, regime: Assignment, conditioned_values: Mapping[str, int], table: np.ndarray
) -> np.ndarray:
    """The flattened slice of ``table`` at ``conditioned_values`` (not yet normalized).

    ``table`` may carry leading batch axes (one per posterior draw); the slice
    then keeps them: the result has shape ``batch + (n_cells,)``.
    """
    graph = space.graph
    others = [name for name in graph.variables if name not in dict(regime)]
    batch = table.ndim - len(others)
    index = tuple(
        [slice(None)] * batch
        + [conditioned_values[name] if name in conditioned_values else slice(None) for name in others]
    )
    sliced = table[index]
    return sliced.reshape(sliced.shape[:batch] + (-1,))


def conditioned_weights(skeleton: Skeleton, regimes: Sequence[Regime]) -> np.ndarray | None:
    """P(conditioned = l) for each configuration, from the first regime that leaves them factual."""
    space = skeleton.space
    for regime in regimes:
        if not set(dict(regime.interventions)) & set(space.conditioned):
            return conditioned_marginal(space, regime.interventions, regime.table)
    return None


def conditioned_marginal(space: ResponseSpace, regime: Assignment, table: np.ndarray) -> np.ndarray:
    """The joint of the conditioned variables in ``table`` (batch axes kept), flattened."""
    others = [name for name in space.graph.variables if name not in dict(regime)]
    batch = table.ndim - len(others)
    summed = tuple(batch + i for i, name in enumerate(others) if name not in space.conditioned)
    marginal = table.sum(axis=summed)
    return marginal.reshape(marginal.shape[:batch] + (-1,))


def objective(skeleton: Skeleton, weights: np.ndarray | None) -> np.ndarray:
    """Coefficients of ``sum(coef * P(event and condition))`` on the columns."""
    return _average(objective_components(skeleton), weights, skeleton.space.conditioned)


def objective_components(skeleton: Skeleton) -> np.ndarray:
    """The objective's coefficients for each configuration of the conditioned variables (one row each)."""
    return np.tensordot(skeleton.coefficients, skeleton.events.astype(float), axes=1)


def condition_column(skeleton: Skeleton, weights: np.ndarray | None) -> np.ndarray:
    """Coefficients of P(condition) on the columns."""
    return _average(skeleton.condition.astype(float), weights, skeleton.space.conditioned)


def decided_condition(skeleton: Skeleton) -> np.ndarray | None:
    """Whether the condition holds at each configuration of the conditioned variables (1.0 or 0.0),
    when those values alone decide it on every column; None when it depends on the response types.

    Such a condition (``Z = 1`` under do(X) for an instrument Z) has the same probability,
    ``P(conditioned) @ decided_condition``, under every model.
    """
    if np.all(skeleton.condition == skeleton.condition[:, :1]):
        return skeleton.condition[:, 0].astype(float)
    return None


def _average(
    per_configuration: np.ndarray, weights: np.ndarray | None, conditioned: Sequence[str]
) -> np.ndarray:
    if np.all(per_configuration == per_configuration[:1]):
        return per_configuration[0]
    if weights is None:
        raise ValueError(
            f"the query involves the factual values of {', '.join(conditioned)}, whose distribution "
            "no data set gives (add observational data, or data from an experiment that leaves them alone)"
        )
    return weights @ per_configuration


def identifying_regime(condition: Event, regimes: Sequence[Regime]) -> int | None:
    """A regime whose table gives P(condition) directly, if there is one.

    That is the case when every atom of the condition lives in the world of
    one regime (observational for factual atoms).
    """
    worlds = {atom.interventions for atom in condition}
    if len(worlds) != 1:
        return None
    (world,) = worlds
    for index, regime in enumerate(regimes):
        if regime.interventions == world:
            return index
    return None


def event_probability(
    graph: DiscreteGraph, regime: Assignment, event: Event, table: np.ndarray
) -> np.ndarray:
    """P(event) from the table of ``regime``, for events whose atoms all live in that regime."""
    fixed = dict(regime)
    others = [name for name in graph.variables if name not in fixed]
    batch = table.ndim - len(others)
    required: dict[str, int] = {}
    for atom in event:
        if atom.variable in fixed:
            if fixed[atom.variable] != atom.value:
                return np.zeros(table.shape[:batch])
        elif required.setdefault(atom.variable, atom.value) != atom.value:
            return np.zeros(table.shape[:batch])
    index = tuple([slice(None)] * batch + [required.get(name, slice(None)) for name in others])
    selected = table[index]
    return selected.reshape(selected.shape[:batch] + (-1,)).sum(axis=-1)

