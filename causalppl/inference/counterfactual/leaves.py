"""What one query leaf asks of its multi-world model: the worlds, the evidence, the function to average.

A leaf ``P(events | evidence, do(...))`` or ``E[expr | evidence, do(...)]``
becomes a :class:`LeafPlan`: the leaf's ``do(...)`` is applied to the model
(so it holds in every world), one world is built per distinct intervention
set among its potential outcomes, the evidence is restated on multi-world
variables, and the leaf's function (the expectation's expression, or the
product of the events' indicators) reads multi-world variables by name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import torch

from causalppl.backends.tensor_eval import evaluate
from causalppl.inference.counterfactual.abduction import Observation
from causalppl.ir import expressions as rx
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import COMPARISONS, ExpectationSpec, ProbabilitySpec
from causalppl.transforms.do import do
from causalppl.transforms.worlds import MultiWorldModel, ancestral, build_worlds

Leaf = ProbabilitySpec | ExpectationSpec


@dataclass(frozen=True)
class LeafPlan:
    leaf: Leaf
    multi: MultiWorldModel
    observations: tuple[Observation, ...]
    model: CausalModel  # the multi-world model cut to what the leaf reads and observes (and their causes)

    @property
    def is_distribution(self) -> bool:
        return isinstance(self.leaf, ProbabilitySpec) and self.leaf.is_distribution

    @property
    def distribution_name(self) -> str:
        return self.multi.name_of(self.leaf.events[0].outcome)

    @property
    def names(self) -> tuple[str, ...]:
        """The multi-world variables the leaf's function reads."""
        if isinstance(self.leaf, ProbabilitySpec):
            return tuple(dict.fromkeys(self.multi.name_of(e.outcome) for e in self.leaf.events))
        factual = [name for name in rx.variables_in(self.leaf.expr)]
        refs = [self.multi.name_of(ref) for ref in rx.counterfactuals_in(self.leaf.expr)]
        return tuple(dict.fromkeys(factual + refs))

    def target(self, env: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The leaf's function on values of the multi-world variables (broadcast over draws or grids)."""
        if isinstance(self.leaf, ExpectationSpec):
            potential = {ref.key(): env[self.multi.name_of(ref)] for ref in rx.counterfactuals_in(self.leaf.expr)}
            return evaluate(self.leaf.expr, env, potential).to(torch.get_default_dtype())
        value = torch.tensor(1.0)
        for event in self.leaf.events:
            observed = env[self.multi.name_of(event.outcome)]
            value = value * COMPARISONS[event.op](observed, torch.tensor(float(event.value), dtype=observed.dtype))
        return value.to(torch.get_default_dtype())


def plan_leaf(model: CausalModel, leaf: Leaf) -> LeafPlan:
    """The multi-world model and restated evidence of one leaf (raises NoiseError, InterventionError)."""
    base = do(model, dict(leaf.interventions), leaf.span) if leaf.interventions else model
    multi = build_worlds(base, leaf_outcomes(leaf))
    observations = tuple(Observation(multi.name_of(e.outcome), e.op, float(e.value)) for e in leaf.evidence)
    plan = LeafPlan(leaf, multi, observations, multi.model)
    return replace(plan, model=ancestral(multi.model, plan.names + tuple(o.name for o in observations)))


def leaf_outcomes(leaf: Leaf) -> tuple[rx.CounterfactualRef, ...]:
    events = leaf.events if isinstance(leaf, ProbabilitySpec) else ()
    refs = [e.outcome for e in events + leaf.evidence]
    if isinstance(leaf, ExpectationSpec):
        refs += list(rx.counterfactuals_in(leaf.expr))
    return tuple(refs)
