"""Evidence on a real variable as a finite likelihood node, so that exact enumeration can condition on it.

Evidence ``S = 3.2`` on ``S ~ Normal(if D then 5 else 2, 1)`` multiplies the
joint of the finite variables by the density of 3.2 under each value of
``S``'s parents. :func:`likelihood_model` makes that a table: ``S`` becomes
a bool node whose probability of ``true`` is the density scaled by its
largest value (the scale cancels when the posterior is normalised), and
``S``'s children read the number 3.2. Conditioning on ``S = true`` in the new
model is conditioning on ``S = 3.2`` in the old one. Evidence ``S > 3`` is
the same with the probability of the event under each parent configuration.

>>> import causalppl as cp
>>> m = cp.loads("model T { D ~ Bernoulli(0.1)\\n S ~ Normal(if D then 5 else 2, 1)\\n A := S > 3 }").ir
>>> node = likelihood_model(m, (("S", "=", 3.2, True),))
>>> node.variable("S").domain.describe(), node.parents("S"), node.parents("A")
('bool', ('D',), ())
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from causalppl.backends.factors import log_likelihood_weights
from causalppl.backends.tabulable import NotTabulable
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import TableMechanism
from causalppl.ir.model import CausalModel
from causalppl.ir.types import BOOL
from causalppl.transforms.rename import map_mechanism_refs


class ImpossiblePoint(NotTabulable):
    """The observed value has likelihood zero under every configuration of the variable's parents."""


class InfiniteDensity(NotTabulable):
    """The observed point is where the variable's density is infinite (a Beta at 0 with concentration below 1):
    there is no finite likelihood to weigh by."""

    def __init__(self, name: str, value: float) -> None:
        super().__init__(f"the density of '{name}' at {value:g} is infinite")
        self.name, self.value = name, value


def likelihood_model(model: CausalModel, observed: tuple[tuple[str, str, float, bool], ...]) -> CausalModel:
    """``model`` with each ``(name, op, value, is_evidence)`` of ``observed`` a bool likelihood node (see the
    module); the numbers of points (``op`` "=") are written into their children. Evidence is scaled by its
    largest likelihood (it cancels), so that far tails keep their digits; an event keeps its probabilities.

    Raises:
        ImpossiblePoint: evidence with likelihood zero under every parent configuration.
    """
    values = {name: value for name, op, value, _ in observed if op == "="}
    nodes = {}
    for name, op, value, is_evidence in observed:
        variable = model.variable(name)
        logs = log_likelihood_weights(model, variable, value, op)
        if np.isposinf(logs).any():
            raise InfiniteDensity(name, value)
        if np.isnan(logs).any():
            raise NotTabulable(f"the likelihood of '{name}' {op} {value:g} is not a number")
        top = float(logs.max()) if logs.size else -math.inf
        if is_evidence and top == -math.inf:
            raise ImpossiblePoint(f"'{name}' {op} {value:g} has probability zero under the model")
        scaled = np.exp(logs - top if is_evidence else logs).reshape(-1)
        rows = np.stack([1.0 - scaled, scaled], axis=-1)
        sizes = tuple(model.variable(p).domain.size for p in variable.parents)
        mechanism = TableMechanism(tuple(variable.parents), sizes, rows, variable.span)
        nodes[name] = replace(variable, domain=BOOL, mechanism=mechanism)

    def change(ref: rx.VarRef) -> rx.Expr:
        return rx.Const(values[ref.name], ref.span) if ref.name in values else ref

    variables = []
    for variable in model.variables:
        if variable.name in nodes:
            variables.append(nodes[variable.name])
        elif variable.mechanism is not None and values.keys() & set(variable.parents):
            variables.append(replace(variable, mechanism=map_mechanism_refs(variable.mechanism, change,
                                                                            lambda parent: parent)))
        else:
            variables.append(variable)
    return model.with_variables(variables)


__all__ = ["ImpossiblePoint", "InfiniteDensity", "likelihood_model"]
