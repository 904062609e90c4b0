"""The messages of the transforms: one function per kind of error, so a mistake has the same words everywhere.

Each function returns the text of the error; the transform raises it in its
own exception type (``InterventionError``, ``NoiseError``), and the engines
that call the transforms attach the query's place.  An intervention's target
is worded by the one value validator (:mod:`causalppl.ir.values`), as in
query text, ``Model.do`` and ``Model.counterfactual``.

>>> unknown_confounder("X", "Y")
"'X <-> Y' is an unknown confounder: counterfactuals need every mechanism known; write the common cause explicitly (latent U ~ ...) or ask for 'bounds'"
"""

from __future__ import annotations

from causalppl.ir.model import CausalModel
from causalppl.ir.values import not_a_variable, unknown_variable


def unknown_target(model: CausalModel, name: str) -> str:
    """``do`` names something that is not in the model."""
    return unknown_variable(name, [v.name for v in model.variables]).message


def parameter_target(name: str) -> str:
    """``do`` names a parameter: only model variables are set by an intervention."""
    return not_a_variable(name).message


def unknown_confounder(a: str, b: str) -> str:
    """A counterfactual needs explicit noise, and a ``<->`` arc leaves the common cause unknown."""
    return (f"'{a} <-> {b}' is an unknown confounder: counterfactuals need every mechanism known; write the common "
            "cause explicitly (latent U ~ ...) or ask for 'bounds'")


def unknown_mechanism(name: str) -> str:
    """A counterfactual needs explicit noise, and a variable's mechanism is nonparametric (unknown)."""
    return (f"'{name}' has an unknown mechanism: counterfactuals need every mechanism known (a distribution or a "
            "table); ask for 'bounds' instead")


def no_noise_coupling(name: str) -> str:
    """A mechanism whose family has no counterfactual noise coupling."""
    return f"'{name}' has no counterfactual noise coupling"


def varying_degrees_of_freedom(name: str) -> str:
    """A Student-t mechanism whose degrees of freedom read other variables: no standardized noise law."""
    return (f"the degrees of freedom of '{name}' depend on other variables; counterfactuals need a standardized "
            "noise law, so write df as a constant or a parameter")
