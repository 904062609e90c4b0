"""Response-function (canonical type) enumeration.

A nonparametric mechanism of a variable with ``k`` levels whose parents take
``m`` configurations is a latent choice among the ``k**m`` functions from
parent configurations to levels: its response types. A unit is the tuple of
its variables' response types; counterfactuals are evaluated by running the
functions in topological order with some variables set by intervention.

Two reductions keep the space small and the bounds exact:

* *Conditioned variables.* An unconfounded variable whose parents are all
  conditioned, and whose value is factual in every world the query and data
  use (no intervention on one of its ancestors without one on it; roots such
  as an instrument always qualify), is conditioned on instead of modelled:
  its response type is independent of all others and matters only through its
  factual value, whose distribution the data give. (The independences the
  graph implies among conditioned variables themselves are not checked.)
* *Reachable parent configurations.* A response type only needs values at the
  parent configurations some world can produce; parents set by intervention in
  every world where the variable is free fix those coordinates.

The remaining, *modelled* variables get a joint distribution over their
response types. When they span several c-components the independence between
components is a product constraint, which is not linear; the joint is then a
valid relaxation and the space reports ``sharp = False``. :func:`.lp.sharp_bounds`
sends such problems to the factored program (:mod:`.factored`) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Iterable, Mapping, Sequence

import networkx as nx
import numpy as np

from causalppl.backends.bounds.problem import Assignment, DiscreteGraph

MAX_JOINT_TYPES = 2**21
"""The largest joint response-type space enumerated before merging columns."""


@dataclass(frozen=True)
class VariableTypes:
    """The response types of one modelled variable.

    ``table[t, c]`` is the level that type ``t`` gives at parent configuration
    ``c`` (configurations are mixed-radix over ``parents``, last fastest);
    entries at unreachable configurations are 0 and never read.
    """

    name: str
    parents: tuple[str, ...]
    parent_cards: tuple[int, ...]
    table: np.ndarray

    @property
    def n_types(self) -> int:
        return int(self.table.shape[0])


@dataclass(frozen=True)
class ResponseSpace:
    """The joint response-type space of the modelled variables.

    Joint type ``j`` is mixed-radix over ``modelled`` (last variable fastest).
    """

    graph: DiscreteGraph
    conditioned: tuple[str, ...]
    modelled: tuple[VariableTypes, ...]
    sharp: bool
    notes: tuple[str, ...]

    @property
    def n_joint_types(self) -> int:
        return int(np.prod([variable.n_types for variable in self.modelled], dtype=np.int64))

    def conditioned_configurations(self, excluded: Iterable[str] = ()) -> list[dict[str, int]]:
        """Every assignment of levels to the conditioned variables not in ``excluded``."""
        names = [name for name in self.conditioned if name not in set(excluded)]
        levels = [range(self.graph.cards[name]) for name in names]
        return [dict(zip(names, values)) for values in product(*levels)]


def c_components(graph: DiscreteGraph, variables: Iterable[str]) -> list[frozenset[str]]:
    """The c-components (bidirected-connected sets) of the graph restricted to ``variables``."""
    members = set(variables)
    confounding = nx.Graph()
    confounding.add_nodes_from(members)
    confounding.add_edges_from(tuple(pair) for pair in graph.bidirected if pair <= members)
    return [frozenset(component) for component in nx.connected_components(confounding)]


def conditioned_variables(graph: DiscreteGraph, worlds: Iterable[Assignment]) -> tuple[str, ...]:
    """Variables that can be conditioned on rather than modelled (see the module docstring)."""
    targets = [frozenset(name for name, _ in world) for world in worlds]
    confounded = {name for pair in graph.bidirected for name in pair}
    conditioned: list[str] = []
    ancestors: dict[str, set[str]] = {}
    for name in graph.variables:
        parents = graph.parents[name]
        ancestors[name] = set(parents).union(*(ancestors[parent] for parent in parents))
        if name in confounded or not set(parents) <= set(conditioned):
            continue
        if any(name not in world and world & ancestors[name] for world in targets):
            continue
        conditioned.append(name)
    return tuple(conditioned)


def build_response_space(graph: DiscreteGraph, worlds: Sequence[Assignment]) -> ResponseSpace:
    """Response types of the variables that are not conditioned on, pruned to ``worlds``."""
    conditioned = conditioned_variables(graph, worlds)
    modelled = tuple(
        _variable_types(graph, name, worlds) for name in graph.variables if name not in conditioned
    )
    n_joint = int(np.prod([variable.n_types for variable in modelled], dtype=np.float64))
    if n_joint > MAX_JOINT_TYPES:
        raise ValueError(
            f"the modelled variables have {n_joint} joint response types, more than the "
            f"{MAX_JOINT_TYPES} this backend enumerates"
        )
    sharp, notes = _sharpness(graph, modelled)
    return ResponseSpace(graph, conditioned, modelled, sharp, notes)


def _variable_types(graph: DiscreteGraph, name: str, worlds: Sequence[Assignment]) -> VariableTypes:
    parents = graph.parents[name]
    parent_cards = graph.shape(parents)
    reachable = _reachable_configurations(graph, name, worlds)
    levels = graph.cards[name]
    n_types = levels ** len(reachable)
    if n_types > MAX_JOINT_TYPES:
        raise ValueError(f"{name} has {n_types} response types, too many to enumerate")
    table = np.zeros((n_types, int(np.prod(parent_cards, dtype=np.int64))), dtype=np.int64)
    codes = np.arange(n_types)
    for position, configuration in enumerate(reachable):
        table[:, configuration] = (codes // levels**position) % levels
    return VariableTypes(name, parents, parent_cards, table)


def reachable_parent_configurations(graph: DiscreteGraph, name: str, worlds: Sequence[Assignment]) -> list[int]:
    """Parent configurations of ``name`` some world can produce (intervened parents fixed)."""
    return _reachable_configurations(graph, name, worlds)


def _reachable_configurations(graph: DiscreteGraph, name: str, worlds: Sequence[Assignment]) -> list[int]:
    parents = graph.parents[name]
    parent_cards = graph.shape(parents)
    reachable: set[int] = set()
    for world in worlds:
        fixed = dict(world)
        if name in fixed:
            continue
        choices = [
            [fixed[parent]] if parent in fixed else range(card) for parent, card in zip(parents, parent_cards)
        ]
        for values in product(*choices):
            reachable.add(int(np.ravel_multi_index(values, parent_cards)) if parents else 0)
    return sorted(reachable)


def _sharpness(graph: DiscreteGraph, modelled: Sequence[VariableTypes]) -> tuple[bool, tuple[str, ...]]:
    varying = [variable.name for variable in modelled if variable.n_types > 1]
    components = c_components(graph, varying)
    if len(components) <= 1:
        return True, ()
    listed = "; ".join("{" + ", ".join(sorted(component)) + "}" for component in components)
    note = (
        f"the modelled variables form {len(components)} c-components ({listed}); their independence "
        "is a nonlinear constraint, so their response types get one joint distribution: the bounds "
        "are valid but may not be sharp"
    )
    return False, (note,)


def evaluate(
    space: ResponseSpace,
    interventions: Mapping[str, int],
    conditioned_values: Mapping[str, int],
    columns: np.ndarray,
) -> dict[str, np.ndarray]:
    """Every variable's value, for each joint response type in ``columns``, in one world.

    The world sets ``interventions`` and gives the conditioned variables that
    are not intervened on the values ``conditioned_values``.
    """
    graph = space.graph
    size = len(columns)
    values: dict[str, np.ndarray] = {}
    types = _type_indices(space, columns)
    for name in graph.variables:
        if name in interventions:
            values[name] = np.full(size, interventions[name], dtype=np.int64)
        elif name in space.conditioned:
            values[name] = np.full(size, conditioned_values[name], dtype=np.int64)
        else:
            values[name] = _respond(types[name], values, size)
    return values


def _type_indices(space: ResponseSpace, columns: np.ndarray) -> dict[str, tuple[VariableTypes, np.ndarray]]:
    indices: dict[str, tuple[VariableTypes, np.ndarray]] = {}
    stride = 1
    for variable in reversed(space.modelled):
        indices[variable.name] = (variable, (columns // stride) % variable.n_types)
        stride *= variable.n_types
    return indices


def _respond(
    typed: tuple[VariableTypes, np.ndarray], values: Mapping[str, np.ndarray], size: int
) -> np.ndarray:
    variable, type_index = typed
    configuration = np.zeros(size, dtype=np.int64)
    for parent, card in zip(variable.parents, variable.parent_cards):
        configuration = configuration * card + values[parent]
    return variable.table[type_index, configuration]
