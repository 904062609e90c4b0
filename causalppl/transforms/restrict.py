"""The sub-model on an ancestrally closed set of variables: a pure IR → IR function.

Every other variable is dropped; it has no arrow into the kept ones, so the
kept variables' joint distribution is the same in both models (the dropped
ones are barren: they sum out). Parameters are all kept, ``<->`` arcs and
interventions only where they touch kept variables alone.

>>> import causalppl as cp
>>> m = cp.loads("model N { X ~ Bernoulli(0.3)\\n Y ~ Bernoulli(if X then 0.9 else 0.2)\\n W ~ Normal(Y, 1) }")
>>> restrict(m.ir, {"X", "Y"}).topological_names()
('X', 'Y')
"""

from __future__ import annotations

from collections.abc import Collection

from causalppl.ir.model import CausalModel


def restrict(model: CausalModel, names: Collection[str]) -> CausalModel:
    """``model`` less every variable not in ``names`` (a set holding each of its variables' parents)."""
    kept = set(names)
    for name in kept:
        missing = [parent for parent in model.variable(name).parents if parent not in kept]
        if missing:
            raise ValueError(f"'{name}' is kept without its parent '{missing[0]}': the set is not ancestrally closed")
    variables = tuple(v for v in model.variables if v.is_parameter or v.name in kept)
    confounders = tuple(c for c in model.confounders if c.a in kept and c.b in kept)
    interventions = tuple((name, value) for name, value in model.interventions if name in kept)
    return model.with_variables(variables, confounders, interventions)


__all__ = ["restrict"]
