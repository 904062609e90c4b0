"""The causal model IR: typed variables, mechanisms and latent confounding, as a graph.

A :class:`CausalModel` is immutable.  Its ``graph`` is a networkx DiGraph over
the non-parameter variables (node attributes: ``kind``, ``domain``,
``mechanism``); latent confounding arcs (``<->``) are kept beside it and
marked on the graph as ``graph.graph["bidirected"]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterable, Literal, Mapping

from causalppl.lazy import networkx as nx

from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx
from causalppl.ir.families import Noise
from causalppl.ir.mechanisms import ConstantMechanism, Mechanism
from causalppl.ir.types import Domain

VariableKind = Literal["endogenous", "latent", "parameter"]


@dataclass(frozen=True)
class Variable:
    """One name of the model: a variable or a parameter, its domain and its mechanism (or fixed value)."""

    name: str
    kind: VariableKind
    domain: Domain
    mechanism: Mechanism | None  # None: a fixed parameter (see ``fixed_value``)
    span: Span
    size: int | None = None  # length of a vector parameter
    fixed_value: rx.Expr | None = None

    @property
    def parents(self) -> tuple[str, ...]:
        return () if self.mechanism is None else tuple(self.mechanism.parents)

    @property
    def parameters(self) -> tuple[str, ...]:
        if self.mechanism is not None:
            return tuple(self.mechanism.parameters)
        return rx.parameters_in(self.fixed_value) if self.fixed_value is not None else ()

    @property
    def noise(self) -> Noise:
        return Noise.NONE if self.mechanism is None else self.mechanism.noise

    @property
    def is_parameter(self) -> bool:
        return self.kind == "parameter"

    @property
    def is_observable(self) -> bool:
        return self.kind == "endogenous"


@dataclass(frozen=True)
class Confounder:
    """``a <-> b``: an anonymous latent common cause of ``a`` and ``b``."""

    a: str
    b: str
    span: Span

    @property
    def name(self) -> str:
        return f"U_{self.a}_{self.b}"

    def touches(self, names: Iterable[str]) -> bool:
        names = set(names)
        return self.a in names or self.b in names


@dataclass(frozen=True)
class CausalModel:
    """The model the later stages read: variables in topological order, confounders, interventions applied."""

    name: str
    variables: tuple[Variable, ...]  # parameters first, then variables in topological order
    confounders: tuple[Confounder, ...]
    span: Span
    interventions: tuple[tuple[str, float], ...] = ()  # do(...) applied so far
    source: str = field(default="", compare=False, repr=False)
    #: The model this one is ``do(...)`` of, surgery alone (``interventions`` says what was set): an engine that
    #: compiled that model may answer this one on it, by surgery, instead of compiling this one. None otherwise.
    surgery_of: "CausalModel | None" = field(default=None, compare=False, repr=False)

    # ------------------------------------------------------------ lookups ----
    @cached_property
    def _by_name(self) -> Mapping[str, Variable]:
        return {variable.name: variable for variable in self.variables}

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def variable(self, name: str) -> Variable:
        return self._by_name[name]

    @property
    def parameters(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if v.is_parameter)

    @property
    def model_variables(self) -> tuple[Variable, ...]:
        """Endogenous and latent variables, in topological order."""
        return tuple(v for v in self.variables if not v.is_parameter)

    @property
    def observables(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if v.is_observable)

    # -------------------------------------------------------------- graph ----
    @cached_property
    def graph(self) -> nx.DiGraph:
        graph = nx.DiGraph(name=self.name)
        for variable in self.model_variables:
            graph.add_node(variable.name, kind=variable.kind, domain=variable.domain, mechanism=variable.mechanism)
        for variable in self.model_variables:
            graph.add_edges_from((parent, variable.name) for parent in variable.parents)
        graph.graph["bidirected"] = [(c.a, c.b) for c in self.confounders]
        return graph

    def parents(self, name: str) -> tuple[str, ...]:
        return self.variable(name).parents

    def children(self, name: str) -> tuple[str, ...]:
        return tuple(self.graph.successors(name))

    def ancestors(self, names: Iterable[str], inclusive: bool = True) -> set[str]:
        names = set(names)
        result = set(names) if inclusive else set()
        for name in names:
            result |= nx.ancestors(self.graph, name)
        return result

    def descendants(self, names: Iterable[str], inclusive: bool = True) -> set[str]:
        names = set(names)
        result = set(names) if inclusive else set()
        for name in names:
            result |= nx.descendants(self.graph, name)
        return result

    def c_components(self) -> list[frozenset[str]]:
        """Districts: variables joined by ``<->`` arcs (each variable in exactly one)."""
        bidirected = nx.Graph()
        bidirected.add_nodes_from(v.name for v in self.model_variables)
        bidirected.add_edges_from((c.a, c.b) for c in self.confounders)
        return [frozenset(component) for component in nx.connected_components(bidirected)]

    def mutilated_graph(self, intervened: Iterable[str]) -> nx.DiGraph:
        """The graph with every arrow and ``<->`` arc into the intervened variables removed."""
        intervened = set(intervened)
        graph = self.graph.copy()
        graph.remove_edges_from([(u, v) for u, v in self.graph.edges if v in intervened])
        graph.graph["bidirected"] = [(a, b) for a, b in self.graph.graph["bidirected"]
                                     if a not in intervened and b not in intervened]
        return graph

    def topological_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.model_variables)

    # ------------------------------------------------------------ editing ----
    def with_variables(self, variables: Iterable[Variable], confounders: Iterable[Confounder] | None = None,
                       interventions: tuple[tuple[str, float], ...] | None = None,
                       surgery_of: "CausalModel | None" = None) -> "CausalModel":
        """A new model with these variables (used by the pure transforms; ``surgery_of``: only ``do``'s)."""
        return replace(
            self,
            variables=tuple(variables),
            confounders=self.confounders if confounders is None else tuple(confounders),
            interventions=self.interventions if interventions is None else interventions,
            surgery_of=surgery_of,
        )

    @property
    def is_finite(self) -> bool:
        """Every non-parameter variable takes finitely many values."""
        return all(v.domain.is_finite for v in self.model_variables)


def constant_variable(variable: Variable, value: float, span: Span) -> Variable:
    return replace(variable, mechanism=ConstantMechanism(value, span))
