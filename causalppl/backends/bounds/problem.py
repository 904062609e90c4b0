"""Inputs of the bounds backend: a discrete causal graph, counterfactual events,
linear queries over their probabilities, and observational or experimental data.

Everything here is a frozen dataclass checked on construction; data arrays are
checked against a graph by :func:`observational_table` and :func:`experiment_tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

import numpy as np

Assignment = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Potential:
    """The potential outcome ``variable`` under do(``interventions``), used as an intervention value.

    ``CfAtom("Y", (("X", 1), ("M", Potential("M", (("X", 0),)))), 1)`` is the
    event ``Y[X = 1, M = M[X = 0]] = 1`` (a nested counterfactual, as in the
    natural direct effect). Values may nest further.
    """

    variable: str
    interventions: tuple[tuple[str, "int | Potential"], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "interventions", _intervention_values(self.interventions, self))


InterventionValue = "int | Potential"
Interventions = tuple[tuple[str, "int | Potential"], ...]


def _intervention_values(interventions, owner) -> tuple:
    assignment = tuple(
        (str(name), level if isinstance(level, Potential) else int(level)) for name, level in interventions
    )
    names = [name for name, _ in assignment]
    if len(set(names)) != len(names):
        raise ValueError(f"a variable is intervened on twice in {owner}")
    return tuple(sorted(assignment, key=lambda pair: pair[0]))


def is_nested(interventions: Interventions) -> bool:
    """Whether some intervention value is itself a potential outcome."""
    return any(isinstance(level, Potential) for _, level in interventions)


@dataclass(frozen=True)
class DiscreteGraph:
    """A semi-Markovian graph over finite variables.

    ``cards`` lists the variables in topological order with their number of
    levels; ``parents`` gives each variable's observed parents (a variable that
    is missing is a root); ``bidirected`` holds the pairs joined by ``<->``.
    """

    cards: Mapping[str, int]
    parents: Mapping[str, tuple[str, ...]]
    bidirected: frozenset[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        cards = {str(name): int(levels) for name, levels in self.cards.items()}
        parents = {name: tuple(self.parents.get(name, ())) for name in cards}
        pairs = frozenset(frozenset(pair) for pair in self.bidirected)
        _check_graph(cards, parents, self.parents, pairs)
        object.__setattr__(self, "cards", MappingProxyType(cards))
        object.__setattr__(self, "parents", MappingProxyType(parents))
        object.__setattr__(self, "bidirected", pairs)

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables in topological order."""
        return tuple(self.cards)

    def shape(self, variables: Iterable[str] | None = None) -> tuple[int, ...]:
        """Numbers of levels of ``variables`` (all of them by default)."""
        names = self.variables if variables is None else tuple(variables)
        return tuple(self.cards[name] for name in names)


def _check_graph(
    cards: Mapping[str, int],
    parents: Mapping[str, tuple[str, ...]],
    given_parents: Mapping[str, tuple[str, ...]],
    pairs: frozenset[frozenset[str]],
) -> None:
    for name, levels in cards.items():
        if levels < 1:
            raise ValueError(f"variable {name} needs at least one level, got {levels}")
    unknown = set(given_parents) - set(cards)
    if unknown:
        raise ValueError(f"parents given for undeclared variables: {sorted(unknown)}")
    seen: set[str] = set()
    for name in cards:
        for parent in parents[name]:
            if parent not in seen:
                raise ValueError(
                    f"parent {parent} of {name} is undeclared or comes later: "
                    "cards must list the variables in topological order"
                )
        seen.add(name)
    for pair in pairs:
        if len(pair) != 2 or not pair <= set(cards):
            raise ValueError(f"a bidirected arc joins two distinct declared variables, got {sorted(pair)}")


@dataclass(frozen=True)
class CfAtom:
    """The event "``variable`` under do(``interventions``) takes ``value``".

    ``interventions == ()`` is the factual world; an intervention value may be
    a :class:`Potential` (a nested counterfactual).
    """

    variable: str
    interventions: Interventions
    value: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "interventions", _intervention_values(self.interventions, self))
        object.__setattr__(self, "value", int(self.value))

    @property
    def nested(self) -> bool:
        return is_nested(self.interventions)


Event = tuple[CfAtom, ...]
"""A conjunction of counterfactual atoms; ``()`` is the sure event."""


@dataclass(frozen=True)
class LinearQuery:
    """The query ``sum(coef * P(event | condition) for coef, event in terms)``."""

    terms: tuple[tuple[float, Event], ...]
    condition: Event = ()

    def __post_init__(self) -> None:
        terms = tuple((float(coef), tuple(event)) for coef, event in self.terms)
        if not terms:
            raise ValueError("a linear query needs at least one term")
        object.__setattr__(self, "terms", terms)
        object.__setattr__(self, "condition", tuple(self.condition))

    def atoms(self) -> tuple[CfAtom, ...]:
        """Every atom of the query, the condition's included."""
        return tuple(atom for _, event in self.terms for atom in event) + self.condition


@dataclass(frozen=True)
class Experiment:
    """Data collected under do(``intervened``).

    ``distributions`` maps each setting of the intervened variables (in the order
    of ``intervened``) to the joint distribution of the other variables, one axis
    per variable in the graph's order.
    """

    intervened: tuple[str, ...]
    distributions: Mapping[tuple[int, ...], np.ndarray]

    def __post_init__(self) -> None:
        intervened = tuple(str(name) for name in self.intervened)
        if len(set(intervened)) != len(intervened):
            raise ValueError(f"an experiment intervenes on a variable twice: {intervened}")
        tables = {
            tuple(int(level) for level in setting): np.asarray(table, dtype=float)
            for setting, table in self.distributions.items()
        }
        object.__setattr__(self, "intervened", intervened)
        object.__setattr__(self, "distributions", MappingProxyType(tables))


def check_query(graph: DiscreteGraph, query: LinearQuery) -> None:
    """Raise ValueError when the query names unknown variables or levels."""
    for atom in query.atoms():
        _check_level(graph, atom.variable, atom.value)
        _check_interventions(graph, atom.interventions)


def _check_interventions(graph: DiscreteGraph, interventions: Interventions) -> None:
    for name, level in interventions:
        if isinstance(level, Potential):
            if level.variable != name:
                raise ValueError(f"{name} is set to the potential outcome of another variable, {level.variable}")
            _check_level(graph, level.variable, 0)
            _check_interventions(graph, level.interventions)
        else:
            _check_level(graph, name, level)


def _check_level(graph: DiscreteGraph, name: str, level: int) -> None:
    if name not in graph.cards:
        raise ValueError(f"unknown variable {name}")
    if not 0 <= level < graph.cards[name]:
        raise ValueError(f"level {level} is out of range for {name} ({graph.cards[name]} levels)")


ROUNDING = 1e-12
"""Negative entries down to ``-ROUNDING`` are rounding errors and read as zero."""


def normalized_draws(graph: DiscreteGraph, draws: np.ndarray) -> np.ndarray:
    """Observational draws (S, *shape) checked and scaled to sum to one each."""
    values = np.asarray(draws, dtype=float)
    if values.shape[1:] != graph.shape():
        raise ValueError(f"observational draws have shape {values.shape}, expected (S, *{graph.shape()})")
    if not np.all(np.isfinite(values)) or np.any(values < -ROUNDING):
        raise ValueError("observational draws must hold finite nonnegative numbers")
    values = np.maximum(values, 0.0)
    totals = values.reshape(len(values), -1).sum(axis=1)
    if np.any(totals <= 0):
        raise ValueError("an observational draw sums to zero")
    return values / totals.reshape((-1,) + (1,) * (values.ndim - 1))


def normalized(table: np.ndarray, what: str) -> np.ndarray:
    """``table`` divided by its sum, after checking it is a nonnegative finite array."""
    values = np.asarray(table, dtype=float)
    if not np.all(np.isfinite(values)) or np.any(values < -ROUNDING):
        raise ValueError(f"{what} must hold finite nonnegative numbers")
    values = np.maximum(values, 0.0)
    total = values.sum()
    if total <= 0:
        raise ValueError(f"{what} sums to zero")
    return values / total


def observational_table(graph: DiscreteGraph, observational: np.ndarray) -> np.ndarray:
    """The observational joint distribution, checked and normalized."""
    values = np.asarray(observational, dtype=float)
    if values.shape != graph.shape():
        raise ValueError(f"the observational distribution has shape {values.shape}, expected {graph.shape()}")
    return normalized(values, "the observational distribution")


def experiment_tables(graph: DiscreteGraph, experiment: Experiment) -> dict[Assignment, np.ndarray]:
    """Each setting of ``experiment`` as a sorted assignment, with its checked, normalized table."""
    for name in experiment.intervened:
        if name not in graph.cards:
            raise ValueError(f"experiment intervenes on unknown variable {name}")
    others = [name for name in graph.variables if name not in experiment.intervened]
    expected = graph.shape(others)
    tables: dict[Assignment, np.ndarray] = {}
    for setting, table in experiment.distributions.items():
        if len(setting) != len(experiment.intervened):
            raise ValueError(f"setting {setting} does not match intervened variables {experiment.intervened}")
        for name, level in zip(experiment.intervened, setting):
            _check_level(graph, name, level)
        if table.shape != expected:
            raise ValueError(
                f"the distribution under do({_describe(experiment.intervened, setting)}) has shape "
                f"{table.shape}, expected {expected} (axes {others})"
            )
        assignment = tuple(sorted(zip(experiment.intervened, setting)))
        where = f"the distribution under do({_describe(experiment.intervened, setting)})"
        tables[assignment] = normalized(table, where)
    return tables


def _describe(names: Sequence[str], levels: Sequence[int]) -> str:
    return ", ".join(f"{name}={level}" for name, level in zip(names, levels))
