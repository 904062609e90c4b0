"""``do(X = x)`` as graph surgery on the IR: a pure IR → IR function.

X's mechanism becomes the constant x, so every arrow into X disappears, and
every ``<->`` arc touching X is dropped.  The input model is never mutated.

>>> import causalppl as cp
>>> m = cp.loads("model M { Z ~ Bernoulli(0.5)\\n X ~ Bernoulli(if Z then 0.8 else 0.1)\\n Y := X\\n X <-> Y }")
>>> m.ir.parents("X"), len(m.ir.confounders)
(('Z',), 1)
>>> d = do(m.ir, {"X": 1})
>>> d.parents("X"), d.confounders, d.interventions
((), (), (('X', 1.0),))
"""

from __future__ import annotations

from typing import Mapping

from causalppl.diagnostics import Span
from causalppl.ir.model import CausalModel, constant_variable
from causalppl.transforms import messages


class InterventionError(ValueError):
    """An intervention names something that cannot be intervened on."""


def do(model: CausalModel, interventions: Mapping[str, float], span: Span | None = None) -> CausalModel:
    """The model with each named variable set to its value (level position for finite variables)."""
    for name in interventions:
        _check_target(model, name)
    where = span or Span.unknown()
    variables = tuple(
        constant_variable(v, float(interventions[v.name]), where) if v.name in interventions else v
        for v in model.variables
    )
    confounders = tuple(c for c in model.confounders if not c.touches(interventions))
    applied = dict(model.interventions)
    applied.update({name: float(value) for name, value in interventions.items()})
    return model.with_variables(variables, confounders, tuple(applied.items()), surgery_of=model)


def _check_target(model: CausalModel, name: str) -> None:
    if name not in model:
        raise InterventionError(messages.unknown_target(model, name))
    if model.variable(name).is_parameter:
        raise InterventionError(messages.parameter_target(name))
