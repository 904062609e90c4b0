"""Exact counterfactual answers for finite models: contract the twin-network factors.

The posterior joint of the variables a query reads (given the evidence) is
an exact marginal of the factors of
:func:`causalppl.backends.response_factors.twin_factors`; a query is then a
sum of that joint against the query's function of those variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import torch

from causalppl.backends.exact import Factor, marginal, prune_barren
from causalppl.backends.factors import DTYPE, FactorGraph, NotTabulable, fixed_parameter_values
from causalppl.backends.response_factors import twin_factors
from causalppl.inference.counterfactual.abduction import ImpossibleEvidence, Observation
from causalppl.ir.mechanisms import NoiseSource
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import COMPARISONS

Function = Callable[[Mapping[str, torch.Tensor]], torch.Tensor]


@dataclass(frozen=True)
class Posterior:
    """The normalised posterior joint over ``keep``; ``fixed`` variables are pinned by evidence."""

    joint: torch.Tensor
    keep: tuple[str, ...]
    fixed: Mapping[str, int]
    params: Mapping[str, torch.Tensor]

    def environment(self) -> dict[str, torch.Tensor]:
        env = dict(self.params)
        grids = torch.meshgrid(*(torch.arange(s, dtype=DTYPE) for s in self.joint.shape), indexing="ij") \
            if self.keep else ()
        env.update(zip(self.keep, grids))
        env.update({name: torch.tensor(float(value), dtype=DTYPE) for name, value in self.fixed.items()})
        return env

    def expectation(self, function: Function) -> float:
        values = function(self.environment()).to(DTYPE)
        return float((self.joint * values).sum())

    def distribution(self, name: str, size: int) -> torch.Tensor:
        if name in self.fixed:
            return torch.nn.functional.one_hot(torch.tensor(self.fixed[name]), size).to(DTYPE)
        axes = [i for i, kept in enumerate(self.keep) if kept != name]
        return self.joint.sum(dim=axes) if axes else self.joint


def exact_posterior(model: CausalModel, observations: tuple[Observation, ...], names: tuple[str, ...],
                    graph: FactorGraph | None = None) -> Posterior:
    """The exact posterior joint of ``names`` given the observations (NotTabulable if not finite)."""
    if graph is None:
        infinite = [v.name for v in model.model_variables
                    if not isinstance(v.mechanism, NoiseSource) and not v.domain.is_finite]
        if infinite:
            raise NotTabulable(f"'{infinite[0]}' is {model.variable(infinite[0]).domain.describe()}")
        graph = twin_factors(model)
    equalities = {o.name: _level(model, o) for o in observations if o.op == "="}
    keep = tuple(name for name in dict.fromkeys(names) if name not in equalities)
    factors = list(graph.factors) + [_indicator(model, o) for o in observations if o.op != "="]
    heads = list(graph.heads) + [None] * (len(factors) - len(graph.factors))
    needed = set(keep) | set(equalities) | {o.name for o in observations}
    factors = prune_barren(factors, heads, needed)
    if any(level is None for level in equalities.values()):
        raise ImpossibleEvidence("an observed value is not a value of its variable")
    joint = marginal(factors, keep, equalities)
    mass = float(joint.sum())
    if mass <= 0.0:
        raise ImpossibleEvidence("the evidence has probability zero under the model")
    return Posterior(joint / mass, keep, equalities, fixed_parameter_values(model))


def _level(model: CausalModel, observation: Observation) -> int | None:
    size = model.variable(observation.name).domain.size
    value = float(observation.value)
    return int(value) if value.is_integer() and 0 <= value < size else None


def _indicator(model: CausalModel, observation: Observation) -> Factor:
    size = model.variable(observation.name).domain.size
    values = torch.arange(size, dtype=DTYPE)
    holds = COMPARISONS[observation.op](values, torch.tensor(float(observation.value), dtype=DTYPE))
    return Factor((observation.name,), holds.to(DTYPE))
