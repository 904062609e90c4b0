"""The multi-world (twin-network) model of a set of potential outcomes: a pure IR → IR transform.

Given potential outcomes such as ``Y[X = 0]`` and ``Y[X = 1, M = M[X = 0]]``,
:func:`build_worlds` returns one model holding the factual world (the
original variables, names unchanged) and one world per distinct
intervention set.  A world copies only the descendants of its intervened
variables (``Y`` becomes ``Y__w1``); everything else is the factual
variable itself.  Every exogenous variable is shared: the explicit noise
sites (see :mod:`causalppl.transforms.noise`), root latents and parameters.
A nested potential outcome is built first and its copy feeds the
intervention (``M__w2 := M__w1``).  Cost is linear in the number of worlds;
the input model is never mutated.

>>> import causalppl as cp
>>> from causalppl.diagnostics import Span
>>> m = cp.loads("model M { X ~ Bernoulli(0.3)\\n M ~ Normal(X, 1)\\n Y ~ Normal(X + M, 1) }")
>>> multi = build_worlds(m.ir, [rx.CounterfactualRef("Y", (("X", 1.0),), Span.unknown())])
>>> [w.label for w in multi.worlds.worlds], multi.model.parents("Y__w1")
(['factual', 'do(X = 1)'], ('X__w1', 'M__w1', 'U_Y'))
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import Deterministic
from causalppl.ir.model import CausalModel, Variable, constant_variable
from causalppl.transforms.noise import explicit_noise
from causalppl.transforms.rename import rename_mechanism

FACTUAL = "factual"
InterventionKey = tuple[tuple[str, object], ...]  # (variable, number or ("world-variable", name)), sorted


@dataclass(frozen=True)
class World:
    """One world: its interventions and the copies it makes (original name → name in the model)."""

    id: str
    interventions: tuple[tuple[str, float | str], ...]  # a number, or the multi-world variable feeding it
    renamed: tuple[tuple[str, str], ...]

    def name_of(self, variable: str) -> str:
        """The multi-world variable standing for ``variable`` in this world."""
        return dict(self.renamed).get(variable, variable)

    @property
    def label(self) -> str:
        if not self.interventions:
            return FACTUAL
        values = ", ".join(f"{name} = {_value_text(value)}" for name, value in self.interventions)
        return f"do({values})"


@dataclass(frozen=True)
class Worlds:
    """The worlds of a multi-world model and where each potential outcome lives in it."""

    worlds: tuple[World, ...]  # factual first
    outcomes: tuple[tuple[tuple, str], ...]  # CounterfactualRef.key() → multi-world variable

    def name_of(self, ref: rx.CounterfactualRef) -> str:
        if not ref.interventions:
            return ref.variable
        return dict(self.outcomes)[ref.key()]

    def world(self, world_id: str) -> World:
        return next(w for w in self.worlds if w.id == world_id)

    @property
    def copies(self) -> dict[str, tuple[str, str]]:
        """Each copied variable → (world id, original name)."""
        return {new: (w.id, old) for w in self.worlds for old, new in w.renamed}


@dataclass(frozen=True)
class MultiWorldModel:
    model: CausalModel  # explicit noise; factual variables, then each world's copies
    worlds: Worlds
    factual: CausalModel  # the (explicit-noise) factual model the worlds were copied from

    def name_of(self, ref: rx.CounterfactualRef) -> str:
        return self.worlds.name_of(ref)


def build_worlds(model: CausalModel, outcomes: Iterable[rx.CounterfactualRef]) -> MultiWorldModel:
    """The multi-world model for ``outcomes`` (factual references are allowed and need no world)."""
    factual = explicit_noise(model)
    builder = _Builder(factual, {v.name for v in factual.variables})
    for ref in outcomes:
        builder.outcome(ref)
    worlds = Worlds((World(FACTUAL, (), ()),) + tuple(builder.worlds), tuple(builder.outcomes.items()))
    multi = factual.with_variables(tuple(factual.variables) + tuple(builder.copies))
    return MultiWorldModel(multi, worlds, factual)


def ancestral(model: CausalModel, names: Iterable[str]) -> CausalModel:
    """The model cut to ``names`` and their ancestors (noise sites included); parameters are kept."""
    keep = model.ancestors(set(names) & {v.name for v in model.model_variables}, inclusive=True)
    return model.with_variables(tuple(model.parameters) + tuple(v for v in model.model_variables if v.name in keep))


class _Builder:
    """Adds worlds one intervention set at a time (each set once)."""

    def __init__(self, factual: CausalModel, taken: set[str]) -> None:
        self.factual = factual
        self.taken = taken
        self.worlds: list[World] = []
        self.by_key: dict[InterventionKey, World] = {}
        self.outcomes: dict[tuple, str] = {}
        self.copies: list[Variable] = []

    def outcome(self, ref: rx.CounterfactualRef) -> str:
        if not ref.interventions:
            return ref.variable
        if ref.key() in self.outcomes:
            return self.outcomes[ref.key()]
        values = {name: self.outcome(v) if isinstance(v, rx.CounterfactualRef) else float(v)
                  for name, v in ref.interventions}
        name = self._world(values, ref.span).name_of(ref.variable)
        self.outcomes[ref.key()] = name
        return name

    def _world(self, values: dict[str, float | str], span: Span) -> World:
        key = tuple(sorted((name, _value_key(value)) for name, value in values.items()))
        if key not in self.by_key:
            self.by_key[key] = self._new_world(f"w{len(self.worlds) + 1}", values, span)
            self.worlds.append(self.by_key[key])
        return self.by_key[key]

    def _new_world(self, world_id: str, values: dict[str, float | str], span: Span) -> World:
        copied = self.factual.descendants(values)
        renamed = {name: self._fresh(f"{name}__{world_id}") for name in self.factual.topological_names()
                   if name in copied}
        for variable in self.factual.model_variables:
            if variable.name in renamed:
                self.copies.append(_copy(variable, renamed, values.get(variable.name), span))
        interventions = tuple(sorted(values.items()))
        return World(world_id, interventions, tuple(renamed.items()))

    def _fresh(self, name: str) -> str:
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name


def _copy(variable: Variable, renamed: Mapping[str, str], value: float | str | None, span: Span) -> Variable:
    copy = replace(variable, name=renamed[variable.name])
    if value is None:
        return replace(copy, mechanism=rename_mechanism(variable.mechanism, renamed))
    if isinstance(value, str):  # fed by a potential outcome of an earlier world
        return replace(copy, mechanism=Deterministic(rx.VarRef(value, span), span))
    return constant_variable(copy, value, span)


def _value_key(value: float | str) -> object:
    return ("world-variable", value) if isinstance(value, str) else float(value)


def _value_text(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else repr(float(value))
