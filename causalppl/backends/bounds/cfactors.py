"""The data constraints of one c-component: its c-factor, read off each data regime.

In a regime that sets ``S`` (none for observational data), the probability of
a cell factors over the c-components (Tian & Pearl 2002)::

    P_S(v) = prod_C Q_C(v_{C \\ S} | do(pa))      Q_C = sum_r q_C(r) [r reproduces v_{C \\ S}]

and each factor is identified from the regime's table by the chain
``Q_C = prod_{V_i in C \\ S} P_S(v_i | T_i, pa(T_i))``, where ``T_i`` holds the
variables of ``C \\ S`` up to ``V_i`` in topological order. So every row of
this module is *linear* in one component's ``q_C``: one row per assignment
to the component's free variables and their other parents. A row whose
chain meets a zero factor is zero; one whose chain meets a conditioning
event of probability zero first is left out (another component's zero
already makes those cells impossible, whatever ``q_C`` does there).

Because the chain reads each variable given only its own component and the
parents of that component, the rows are the same whether or not the data
satisfy the independences *between* components exactly: sampled data are
projected onto those by construction. Constraints *within* a component
(the instrumental inequality, Verma constraints) are checked by
:mod:`.fitting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from causalppl.backends.bounds.components import ComponentTypes, consistency
from causalppl.backends.bounds.problem import DiscreteGraph

DEFINED, ZERO, DROPPED = 0, 1, 2


@dataclass(frozen=True)
class RowLayout:
    """The rows of one component in one regime: axes, their cards, and each row's indicator over columns."""

    regime: int
    source: str
    axes: tuple[str, ...]
    cards: tuple[int, ...]
    indicator: np.ndarray  # (n_rows, n_columns) bool, rows mixed radix over ``axes``
    chain: tuple[tuple[tuple[int, ...], int], ...]  # per free variable: (axes of T_i and pa(T_i), its own axis)
    saturated_parameters: int  # free parameters of the chain's conditionals (a bound on the test's df)


def row_layout(
    graph: DiscreteGraph,
    component: ComponentTypes,
    responses: Mapping[str, np.ndarray],
    regime_index: int,
    interventions: Mapping[str, int],
    source: str,
) -> RowLayout | None:
    """The layout of the component's rows in one regime (None when the regime sets all its variables)."""
    free = [name for name in component.variables if name not in interventions]
    if not free:
        return None
    members = set(component.variables)
    external = [name for name in graph.variables
                if name not in members and name not in interventions
                and any(name in graph.parents[v] for v in free)]
    axes = tuple(free) + tuple(external)
    position = {name: i for i, name in enumerate(axes)}
    cards = graph.shape(axes)
    checks = []
    for name in free:
        sources = tuple(("const", interventions[p]) if p in interventions else ("axis", position[p])
                        for p in graph.parents[name])
        checks.append((name, position[name], sources))
    indicator = consistency(component, responses, checks, cards).reshape(-1, component_columns(responses))
    chain = []
    parameters = 0
    for i, name in enumerate(free):
        prefix = free[: i + 1]
        used = set(prefix) | {p for v in prefix for p in graph.parents[v] if p not in interventions}
        axes_used = tuple(sorted(position[n] for n in used))
        chain.append((axes_used, position[name]))
        conditioning = int(np.prod([cards[a] for a in axes_used if a != position[name]], dtype=np.int64))
        parameters += conditioning * (graph.cards[name] - 1)
    return RowLayout(regime_index, source, axes, cards, indicator, tuple(chain), parameters)


def component_columns(responses: Mapping[str, np.ndarray]) -> int:
    return int(next(iter(responses.values())).shape[0])


@dataclass(frozen=True)
class RowValues:
    """Right-hand sides of one layout's rows for a batch of tables: shapes ``(batch, n_rows)``.

    ``status`` is DEFINED, ZERO (the chain meets a zero factor) or DROPPED;
    ``weights`` is the probability of each row's configuration in the regime.
    """

    rhs: np.ndarray
    status: np.ndarray
    weights: np.ndarray


def row_values(graph: DiscreteGraph, layout: RowLayout, interventions: Mapping[str, int],
               tables: np.ndarray) -> RowValues:
    """The chain of conditionals for every row, for each table of the batch ``tables`` (batch axis first)."""
    table_axes = [name for name in graph.variables if name not in interventions]
    batch = tables.shape[0]
    n_rows = int(np.prod(layout.cards, dtype=np.int64))
    full = _marginal(tables, table_axes, layout.axes)  # (batch, *cards)
    rhs = np.ones((batch,) + layout.cards)
    status = np.full((batch,) + layout.cards, -1, dtype=np.int8)
    for axes_used, own in layout.chain:
        summed = tuple(1 + a for a in range(len(layout.axes)) if a not in axes_used)
        joint = full.sum(axis=summed, keepdims=True) if summed else full
        conditioning = joint.sum(axis=1 + own, keepdims=True)
        joint = np.broadcast_to(joint, full.shape)
        conditioning = np.broadcast_to(conditioning, full.shape)
        pending = status < 0
        dropped = pending & (conditioning <= 0)
        zero = pending & ~dropped & (joint <= 0)
        status[dropped] = DROPPED
        status[zero] = ZERO
        live = pending & ~dropped & ~zero
        with np.errstate(invalid="ignore", divide="ignore"):
            rhs = np.where(live, rhs * joint / np.where(conditioning > 0, conditioning, 1.0), rhs)
    status[status < 0] = DEFINED
    rhs = np.where(status == ZERO, 0.0, rhs)
    rhs = np.where(status == DROPPED, np.nan, rhs)
    return RowValues(rhs.reshape(batch, n_rows), status.reshape(batch, n_rows), full.reshape(batch, n_rows))


def _marginal(tables: np.ndarray, table_axes: Sequence[str], keep: Sequence[str]) -> np.ndarray:
    """The marginal of each table over ``keep`` (in that order), batch axis first."""
    summed = tuple(1 + i for i, name in enumerate(table_axes) if name not in keep)
    marginal = tables.sum(axis=summed) if summed else tables
    kept = [name for name in table_axes if name in keep]
    order = [0] + [1 + kept.index(name) for name in keep]
    return np.transpose(marginal, order)
