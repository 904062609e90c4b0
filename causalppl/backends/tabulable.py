"""Whether a model has finite tables for exact enumeration, read from its structure alone (no torch).

The planner asks this of every model; :mod:`causalppl.backends.factors`
builds the tables themselves, by the same rules.

>>> import causalppl as cp
>>> untabulable_reason(cp.loads("model C { X ~ Bernoulli(0.3)\\n Y := not X }").ir) is None
True
>>> untabulable_reason(cp.loads("model N { X ~ Normal(0, 1) }").ir)
"'X' is real"
"""

from __future__ import annotations

from causalppl.ir.mechanisms import NonparametricMechanism, Parametric
from causalppl.ir.model import CausalModel

TABULATED_FAMILIES = ("Bernoulli", "Categorical")


class NotTabulable(ValueError):
    """The model (or one variable) has no finite table; the message says why."""


def untabulable_reason(model: CausalModel) -> str | None:
    """Why the model has no finite tables for exact enumeration, read from its structure alone (None: it has).

    The same rules :func:`causalppl.backends.factors.model_factors` applies, without building a table.
    """
    if model.confounders:
        arc = model.confounders[0]
        return f"'{arc.a} <-> {arc.b}' is an unknown confounder"
    for parameter in model.parameters:
        if parameter.mechanism is not None:
            return f"parameter '{parameter.name}' has a prior"
    for variable in model.model_variables:
        mechanism = variable.mechanism
        if not variable.domain.is_finite:
            return f"'{variable.name}' is {variable.domain.describe()}"
        if isinstance(mechanism, NonparametricMechanism) or mechanism is None:
            return f"'{variable.name}' has an unknown mechanism"
        if isinstance(mechanism, Parametric) and mechanism.family not in TABULATED_FAMILIES:
            return f"'{variable.name}' ~ {mechanism.family} has no finite table"
    return None


__all__ = ["TABULATED_FAMILIES", "NotTabulable", "untabulable_reason"]
