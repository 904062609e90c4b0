"""Constants set by ``do`` on real (or unbounded integer) variables, written into their children: pure IR → IR.

``do(R = 0.5)`` makes ``R`` a constant; a finite child such as
``X ~ Bernoulli(if R > 0 then 0.8 else 0.3)`` then has a finite table, but
only once ``R``'s value is read into its mechanism (a real ``R`` has no
levels to tabulate over). :func:`inline_constants` does that for every such
constant: each child reads the number itself, the arrow from ``R`` is gone,
and ``R`` stays as a barren constant (a query that reads ``R`` reads its
value as before). Finite constants keep their arrows: their children's
tables are indexed by the level.

>>> import causalppl as cp
>>> from causalppl.transforms.do import do
>>> m = cp.loads("model N { R ~ Normal(0, 1)\\n X ~ Bernoulli(if R > 0 then 0.8 else 0.3) }").ir
>>> inlined = inline_constants(do(m, {"R": 0.5}))
>>> inlined.parents("X"), rx.to_text(inlined.variable("X").mechanism.argument("probs"))
((), '(if (0.5 > 0) then 0.8 else 0.3)')
"""

from __future__ import annotations

from dataclasses import replace

from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import ConstantMechanism
from causalppl.ir.model import CausalModel, Variable
from causalppl.transforms.rename import map_mechanism_refs


def inlined_constants(model: CausalModel) -> dict[str, float]:
    """The model's constants (set by ``do``) whose variables have no finite domain, by name."""
    return {v.name: v.mechanism.value for v in model.model_variables
            if isinstance(v.mechanism, ConstantMechanism) and not v.domain.is_finite}


def is_inlined(variable: Variable) -> bool:
    """Whether :func:`inline_constants` writes this variable's value into its children."""
    return isinstance(variable.mechanism, ConstantMechanism) and not variable.domain.is_finite


def inline_constants(model: CausalModel) -> CausalModel:
    """The model with every child of a non-finite constant reading its number (the model itself when no
    variable reads one)."""
    values = inlined_constants(model)
    readers = [v for v in model.model_variables if values.keys() & set(v.parents)]
    if not readers:
        return model

    def change(ref: rx.VarRef) -> rx.Expr:
        return rx.Const(values[ref.name], ref.span) if ref.name in values else ref

    changed = {v.name: replace(v, mechanism=map_mechanism_refs(v.mechanism, change, lambda parent: parent))
               for v in readers}
    return model.with_variables(tuple(changed.get(v.name, v) for v in model.variables))


__all__ = ["inline_constants", "inlined_constants", "is_inlined"]
