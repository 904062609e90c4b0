"""The bounds program when response types factor over c-components.

Every term ``P(event and condition)`` of a query is a sum over the values of
the counterfactual nodes it reads (:mod:`.components`) of a product of one
factor per c-component, each linear in that component's ``q_C``::

    P(event) = sum_a prod_C F_C(a) . q_C          F_C(a)[r] = [type r reproduces a at C's nodes]

A component's factor is *identified* when every linear form ``F_C(a)`` is
constant on the component's feasible polytope (the rows of
:mod:`.cfactors`, with the columns the data force to zero): the form lies in
the row space of the affine hull, and its value follows from the rows. Such
factors are replaced by their values; single-world factors of components the
data pin down always are (this is how identified queries collapse to a
point, and how identified pieces of a query are substituted). The other,
*free* components keep their weights: contracting every node away (opt_einsum)
leaves the query as a multilinear polynomial in the free components' weights,
a tensor with one axis per free component. No free component: the value is
identified; one: a linear program; several: a polynomial program
(:mod:`.polynomial`).

The structure (nodes, types, indicators, merged columns) does not depend on
the data; :meth:`FactoredStructure.instance` fills in a batch of data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import opt_einsum
from scipy.optimize import linprog

from causalppl.backends.bounds.cfactors import (
    DROPPED,
    ZERO,
    RowLayout,
    row_layout,
    row_values,
)
from causalppl.backends.bounds.components import (
    ComponentTypes,
    NodeTable,
    canonical_components,
    component_types,
    consistency,
    reachable_configurations,
)
from causalppl.backends.bounds.errors import IncompatibleData, ZeroProbabilityCondition
from causalppl.backends.bounds.fitting import consistent_rows, em_fit
from causalppl.backends.bounds.formulation import OBSERVATIONAL
from causalppl.backends.bounds.problem import (
    DiscreteGraph,
    Event,
    Experiment,
    LinearQuery,
    experiment_tables,
    observational_table,
)

CONSTANT = 1e-9
"""A form whose distance from the affine hull's row space is at most this (max-abs) is constant."""

MAX_POLYNOMIAL_ENTRIES = 4_000_000
"""The largest coefficient tensor over the free components (entries) that is built."""


@dataclass(frozen=True)
class TermFactor:
    """One component's factor in one term: node axes and the indicator over (node values..., columns)."""

    axes: tuple[int, ...]
    cards: tuple[int, ...]
    indicator: np.ndarray


@dataclass
class ComponentStructure:
    types: ComponentTypes
    columns: np.ndarray  # representative joint types (one per merged column)
    layouts: list[RowLayout]
    factors: list[TermFactor | None]  # one per term, then the condition

    @property
    def label(self) -> str:
        return self.types.label

    @property
    def n_columns(self) -> int:
        return int(self.columns.size)

    def indicator(self) -> np.ndarray:
        return np.vstack([layout.indicator for layout in self.layouts]) if self.layouts else np.zeros(
            (0, self.n_columns), dtype=bool)

    def sources(self) -> tuple[str, ...]:
        return tuple(layout.source for layout in self.layouts for _ in range(layout.indicator.shape[0]))

    @property
    def degrees(self) -> int:
        return sum(layout.saturated_parameters for layout in self.layouts)


@dataclass(frozen=True)
class Regime:
    interventions: Mapping[str, int]
    source: str


@dataclass
class FactoredStructure:
    graph: DiscreteGraph
    query: LinearQuery
    regimes: list[Regime]
    nodes: NodeTable
    required: list[dict[int, int] | None]  # per term, then the condition (None: impossible)
    coefficients: np.ndarray
    components: list[ComponentStructure]
    notes: list[str] = field(default_factory=list)

    @property
    def has_condition(self) -> bool:
        return bool(self.query.condition)

    def instance(self, tables: Sequence[np.ndarray], *, units: Sequence[float] | None = None,
                 tolerance: float = 1e-6, fit_draws: bool | None = None) -> "FactoredInstance":
        """The program for a batch of data: ``tables[k]`` is regime k's table with a leading batch axis."""
        return _instance(self, tables, units, tolerance, fit_draws)


def build_structure(graph: DiscreteGraph, query: LinearQuery, regimes: Sequence[tuple[Mapping[str, int], str]]
                    ) -> FactoredStructure:
    """Nodes, component types, row layouts and term factors for ``query`` and the data regimes."""
    nodes = NodeTable(graph)
    events: list[Event] = [event + query.condition for _, event in query.terms]
    if query.condition:
        events.append(query.condition)
    required = [_required(nodes, event) for event in events]
    needed = nodes.closure(n for r in required if r for n in r)
    regime_list = [Regime(dict(interventions), source) for interventions, source in regimes]
    reachable = reachable_configurations(graph, nodes, needed, [r.interventions for r in regime_list])
    involved = {nodes.nodes[n].variable for n in needed}
    components = []
    for members in canonical_components(graph):
        if not involved & set(members):
            continue
        types = component_types(graph, members, reachable)
        components.append(_component(graph, nodes, types, regime_list, required))
    coefficients = np.array([coef for coef, _ in query.terms], dtype=float)
    return FactoredStructure(graph, query, regime_list, nodes, required, coefficients, components)


def _required(nodes: NodeTable, event: Event) -> dict[int, int] | None:
    required: dict[int, int] = {}
    for atom in event:
        kind, value = nodes.source(atom.variable, dict(atom.interventions))
        if kind == "const":
            if value != atom.value:
                return None
            continue
        if required.setdefault(value, atom.value) != atom.value:
            return None
    return required


def _component(graph: DiscreteGraph, nodes: NodeTable, types: ComponentTypes, regimes: list[Regime],
               required: list[dict[int, int] | None]) -> ComponentStructure:
    members = set(types.variables)
    all_columns = np.arange(types.n_types)
    responses = types.responses(all_columns)
    layouts = [layout for index, regime in enumerate(regimes)
               if (layout := row_layout(graph, types, responses, index, regime.interventions, regime.source))]
    factors: list[TermFactor | None] = []
    for term in required:
        if term is None:
            factors.append(None)
            continue
        own = [n for n in nodes.closure(term) if nodes.nodes[n].variable in members]
        if not own:
            factors.append(None)
            continue
        external = sorted({value for n in own for kind, value in nodes.nodes[n].sources
                           if kind == "node" and nodes.nodes[value].variable not in members})
        axes = tuple(own) + tuple(external)
        position = {node: i for i, node in enumerate(axes)}
        checks = [(nodes.nodes[n].variable, position[n],
                   tuple(("const", v) if kind == "const" else ("axis", position[v]) for kind, v in nodes.nodes[n].sources))
                  for n in own]
        cards = graph.shape(nodes.nodes[n].variable for n in axes)
        factors.append(TermFactor(axes, cards, consistency(types, responses, checks, cards)))
    keep = _distinct_columns([layout.indicator for layout in layouts]
                             + [f.indicator.reshape(-1, types.n_types) for f in factors if f is not None],
                             types.n_types)
    layouts = [_restricted_layout(layout, keep) for layout in layouts]
    factors = [None if f is None else TermFactor(f.axes, f.cards, f.indicator[..., keep]) for f in factors]
    return ComponentStructure(types, keep, layouts, factors)


def _restricted_layout(layout: RowLayout, keep: np.ndarray) -> RowLayout:
    return RowLayout(layout.regime, layout.source, layout.axes, layout.cards, layout.indicator[:, keep],
                     layout.chain, layout.saturated_parameters)


def _distinct_columns(blocks: list[np.ndarray], n_columns: int) -> np.ndarray:
    """One representative of each class of columns that every block's rows treat alike.

    Merging them loses nothing: the program only sees a column through these
    rows, so a class's weights act as one number.
    """
    if not blocks:
        return np.arange(min(n_columns, 1))
    stacked = np.vstack([block.reshape(-1, n_columns) for block in blocks]).astype(bool)
    packed = np.ascontiguousarray(np.packbits(stacked, axis=0).T)
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first = np.unique(keys, return_index=True)
    return np.sort(first)


# ------------------------------------------------------------------ instances ----


@dataclass
class ComponentData:
    """One component's consistent rows for a batch, and how its factors came out."""

    structure: ComponentStructure
    indicator: np.ndarray  # rows kept (not dropped)
    rhs: np.ndarray  # (batch, rows kept)
    zero_columns: np.ndarray  # columns every feasible weight vector leaves at zero
    fit: str  # "as given", "projected", "fitted"
    distance: float
    statistic: float
    free_in: list[bool]  # per term (and condition): whether its factor stays free


@dataclass
class FactoredInstance:
    """The program for a batch of data: free components, their rows, and the query's tensors."""

    structure: FactoredStructure
    components: list[ComponentData]
    free: list[int]  # indices of free components (axes of the tensors, in order)
    numerator: np.ndarray  # (batch, *free columns)
    denominator: np.ndarray | None  # (batch, *free columns), or None without a condition

    @property
    def batch(self) -> int:
        return int(self.numerator.shape[0])

    def free_systems(self, draw: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each free component's (indicator rows with the normalisation first, right-hand side) for one draw."""
        systems = []
        for index in self.free:
            data = self.components[index]
            matrix = np.vstack([np.ones((1, data.indicator.shape[1])), data.indicator.astype(float)])
            rhs = np.concatenate([[1.0], data.rhs[draw]])
            if data.zero_columns.any():
                zeros = np.eye(matrix.shape[1])[data.zero_columns]
                matrix = np.vstack([matrix, zeros])
                rhs = np.concatenate([rhs, np.zeros(len(zeros))])
            systems.append((matrix, rhs))
        return systems

    def labels(self) -> list[str]:
        return [self.components[i].structure.label for i in self.free]


def _instance(structure: FactoredStructure, tables: Sequence[np.ndarray], units: Sequence[float] | None,
              tolerance: float, fit_draws: bool | None) -> FactoredInstance:
    batch = tables[0].shape[0] if tables else 1
    data = [_component_data(structure, c, tables, units, tolerance, fit_draws) for c in structure.components]
    free_components = [i for i, d in enumerate(data) if any(d.free_in)]
    n_terms = len(structure.query.terms)
    sizes = [data[i].indicator.shape[1] for i in free_components]
    if float(np.prod(sizes)) * batch > MAX_POLYNOMIAL_ENTRIES:
        labels = ", ".join(f"{data[i].structure.label} ({s} columns)" for i, s in zip(free_components, sizes))
        raise ValueError(f"the query's polynomial over the free c-components {labels} has more than "
                         f"{MAX_POLYNOMIAL_ENTRIES} coefficients")
    terms = [_term_tensor(structure, data, free_components, t, batch) for t in range(n_terms)]
    numerator = np.tensordot(structure.coefficients, np.stack(terms), axes=1) if terms else np.zeros((batch,))
    denominator = None
    if structure.has_condition:
        denominator = _term_tensor(structure, data, free_components, n_terms, batch)
    return FactoredInstance(structure, data, free_components, numerator, denominator)


def _component_data(structure: FactoredStructure, component: ComponentStructure, tables: Sequence[np.ndarray],
                    units: Sequence[float] | None, tolerance: float, fit_draws: bool | None) -> ComponentData:
    graph = structure.graph
    indicator = component.indicator()
    batch = tables[0].shape[0] if tables else 1
    parts = [row_values(graph, layout, structure.regimes[layout.regime].interventions, tables[layout.regime])
             for layout in component.layouts]
    if parts:
        rhs = np.concatenate([p.rhs for p in parts], axis=1)
        status = np.concatenate([p.status for p in parts], axis=1)
        scale = [1.0 if units is None else float(units[layout.regime]) for layout in component.layouts]
        weights = np.concatenate([p.weights * s for p, s in zip(parts, scale)], axis=1)
    else:
        rhs = status = weights = np.zeros((batch, 0))
    kept = status[0] != DROPPED
    indicator, rhs, status, weights = indicator[kept], rhs[:, kept], status[:, kept], weights[:, kept]
    sources = tuple(s for s, k in zip(component.sources(), kept) if k)
    zero_rows = (status == ZERO).any(axis=0)
    forced = indicator[zero_rows].any(axis=0) if zero_rows.any() else np.zeros(indicator.shape[1], bool)
    if fit_draws is None:  # one data set: check it, and project or fit it when it misses the model
        fit = consistent_rows(component.label, indicator, rhs[0], sources, weights[0], forced, tolerance,
                              None if units is None else float(np.sum(units)), component.degrees)
        rhs = fit.rhs[None]
        how, distance, statistic = fit.how, fit.distance, fit.statistic
    else:
        how, distance, statistic = ("fitted" if fit_draws else "as given"), 0.0, 0.0
        if fit_draws:
            q = em_fit(indicator, np.nan_to_num(weights), forced[None].repeat(batch, axis=0))
            rhs = q @ indicator.astype(float).T
    zero_columns = _implicit_zeros(indicator, rhs[0])
    free_in = [factor is not None and not _constant(factor, indicator, zero_columns) for factor in component.factors]
    return ComponentData(component, indicator, rhs, zero_columns, how, distance, statistic, free_in)


def _implicit_zeros(indicator: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Columns zero in every weight vector that reproduces ``rhs`` (one homogenised linear program).

    Maximise ``sum(s)`` subject to ``A q = t b``, ``0 <= s <= q``, ``s <= 1``, ``t >= 1``: a column
    that can be positive reaches ``s = 1`` by scaling, one that cannot stays at 0.
    """
    n_rows, n = indicator.shape
    if not np.all(np.isfinite(rhs)):
        return np.zeros(n, dtype=bool)
    matrix = np.vstack([np.ones((1, n)), indicator.astype(float)])
    target = np.concatenate([[1.0], rhs])
    # variables: q (n), s (n), t
    equality = np.hstack([matrix, np.zeros_like(matrix), -target[:, None]])
    upper = np.hstack([-np.eye(n), np.eye(n), np.zeros((n, 1))])
    cost = np.concatenate([np.zeros(n), -np.ones(n), [0.0]])
    bounds = [(0, None)] * n + [(0, 1)] * n + [(1, None)]
    result = linprog(cost, A_ub=upper, b_ub=np.zeros(n), A_eq=equality, b_eq=np.zeros(len(target)),
                     bounds=bounds, method="highs")
    if result.status != 0:
        return np.zeros(n, dtype=bool)
    return result.x[n: 2 * n] < 0.5


def _row_space(indicator: np.ndarray, zero_columns: np.ndarray) -> np.ndarray:
    """Rows spanning the affine hull's directions' orthogonal complement: data rows, normalisation, zeros."""
    n = indicator.shape[1]
    rows = [np.ones((1, n)), indicator.astype(float)]
    if zero_columns.any():
        rows.append(np.eye(n)[zero_columns])
    return np.vstack(rows)


def _constant(factor: TermFactor, indicator: np.ndarray, zero_columns: np.ndarray) -> bool:
    forms = factor.indicator.reshape(-1, factor.indicator.shape[-1]).astype(float)
    basis = _orthonormal_rows(_row_space(indicator, zero_columns))
    residual = forms - (forms @ basis.T) @ basis
    return bool(np.abs(residual).max(initial=0.0) <= CONSTANT)


def _orthonormal_rows(matrix: np.ndarray) -> np.ndarray:
    if matrix.size == 0:
        return matrix
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    rank = int(np.sum(singular > 1e-10 * max(singular[0], 1.0)))
    return vt[:rank]


def _values(factor: TermFactor, data: ComponentData) -> np.ndarray:
    """The factor's value at every node assignment, for each draw: shape (batch, *cards)."""
    forms = factor.indicator.reshape(-1, factor.indicator.shape[-1]).astype(float)
    space = _row_space(data.indicator, data.zero_columns)
    coefficients = np.linalg.lstsq(space.T, forms.T, rcond=None)[0]  # (rows, forms)
    batch = data.rhs.shape[0]
    right = np.concatenate([np.ones((batch, 1)), data.rhs,
                            np.zeros((batch, int(data.zero_columns.sum())))], axis=1)
    values = right @ coefficients
    return np.clip(values, 0.0, 1.0).reshape((batch,) + factor.cards)


def _term_tensor(structure: FactoredStructure, data: list[ComponentData], free: list[int], term: int,
                 batch: int) -> np.ndarray:
    """``P(term's event)`` as a tensor over the free components' columns, for each draw."""
    shape = (batch,) + tuple(data[i].indicator.shape[1] for i in free)
    required = structure.required[term]
    if required is None:
        return np.zeros(shape)
    symbols: dict[object, str] = {}

    def symbol(key: object) -> str:
        if key not in symbols:
            symbols[key] = opt_einsum.get_symbol(len(symbols))
        return symbols[key]

    batch_symbol = symbol("batch")
    operands, subscripts = [], []
    for index, component in enumerate(data):
        factor = component.structure.factors[term]
        if factor is None:
            continue
        node_symbols = "".join(symbol(("node", n)) for n in factor.axes)
        if component.free_in[term]:
            operands.append(factor.indicator.astype(float))
            subscripts.append(node_symbols + symbol(("columns", index)))
        else:
            operands.append(_values(factor, component))
            subscripts.append(batch_symbol + node_symbols)
    cards = {n: structure.graph.cards[structure.nodes.nodes[n].variable] for n in structure.nodes.closure(required)}
    for node, value in required.items():
        operands.append(np.eye(cards[node])[value])
        subscripts.append(symbol(("node", node)))
    if not any(batch_symbol in s for s in subscripts):
        operands.append(np.ones(batch))
        subscripts.append(batch_symbol)
    present = [i for i in free if component_free(data[i], term)]
    output = batch_symbol + "".join(symbol(("columns", i)) for i in present)
    result = opt_einsum.contract(",".join(subscripts) + "->" + output, *operands)
    expand = [slice(None)] + [slice(None) if i in present else None for i in free]
    return np.broadcast_to(result[tuple(expand)], shape).copy()


def component_free(data: ComponentData, term: int) -> bool:
    return data.free_in[term]


# ---------------------------------------------------------------- data regimes ----


def regimes_of(graph: DiscreteGraph, observational: np.ndarray | None, experimental: Sequence[Experiment]
               ) -> tuple[list[tuple[dict[str, int], str]], list[np.ndarray]]:
    """The data regimes (interventions and source) with their checked, normalised tables."""
    regimes: list[tuple[dict[str, int], str]] = []
    tables: list[np.ndarray] = []
    if observational is not None:
        regimes.append(({}, OBSERVATIONAL))
        tables.append(observational_table(graph, observational))
    for experiment in experimental:
        source = f"the experimental distribution under do({', '.join(experiment.intervened)})"
        for assignment, table in experiment_tables(graph, experiment).items():
            regimes.append((dict(assignment), source))
            tables.append(table)
    return regimes, tables


__all__ = ["FactoredStructure", "FactoredInstance", "build_structure", "regimes_of",
           "IncompatibleData", "ZeroProbabilityCondition"]
