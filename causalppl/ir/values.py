"""The one value validator: a raw value for a variable → its IR value, or why it does not fit.

Every way of giving a variable a value goes through :func:`ir_value`:
``Model.do(X=...)``, ``Model.counterfactual(...)``, ``--do``, and the values
written in query text (``P(Y = 1 | do(X = high))``), so the same bad value
gets the same words everywhere.  A raw value is a Python object (a level
name as a ``str``, a ``bool``, a number, a one-element numpy or torch value);
query text gives its literals as such objects.

The IR value of a finite variable is its level *position* (one rule for
integers: a matching integer label first, then a position; see
:meth:`causalppl.ir.types.Domain.accepts_number`); of an int or real
variable, the number itself.

>>> from causalppl.ir.types import BOOL, Domain
>>> ir_value("Dose", Domain("levels", ("1", "2", "3")), 2)
1.0
>>> ir_value("Smoker", BOOL, 2).message
"2 is not a value of 'Smoker' (bool)"
>>> print(ir_value("Dose", Domain("levels", ("low", "high")), "hgih").message)
'hgih' is not a level of 'Dose' (did you mean 'high'?)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from causalppl.diagnostics import CausalPPLError, Diagnostic, Span, did_you_mean
from causalppl.ir.constants import LARGEST_TEXT, LARGEST_VALUE, OUT_OF_RANGE
from causalppl.ir.model import CausalModel
from causalppl.ir.types import Domain



@dataclass(frozen=True)
class BadValue:
    """Why a value does not fit a variable: the message and its hint (``wrong_type``: not a value at all)."""

    message: str
    hint: str | None = None
    wrong_type: bool = False

    def at(self, span: Span) -> Diagnostic:
        """The diagnostic of this problem at ``span`` (a value in source text)."""
        return Diagnostic(span, self.message, "error", self.hint)

    def error(self, span: Span) -> Exception:
        """The exception of this problem for a value given in Python: a ``TypeError`` for a wrong type."""
        if self.wrong_type:
            return TypeError(self.message)
        return CausalPPLError([self.at(span)])


def ir_value(name: str, domain: Domain, value: Any) -> float | BadValue:
    """The IR value of ``value`` for the variable ``name`` of ``domain``, or a :class:`BadValue`."""
    value = _unwrapped(value)
    if isinstance(value, str):
        return _label(name, domain, value)
    if not isinstance(value, numbers.Real):
        return wrong_type(name, value)
    try:
        number = float(value)
    except OverflowError:  # an int beyond the floats (10 ** 400)
        number = math.inf if value > 0 else -math.inf
    if not math.isfinite(number):
        return not_finite(name, number)
    if domain.is_finite:
        position = domain.accepts_number(number)
        return not_a_value(name, domain, number_text(number)) if position is None else float(position)
    if domain.kind == "int" and not number.is_integer():
        return not_a_value(name, domain, number_text(number))
    if abs(number) > LARGEST_VALUE:
        return too_large(name, number)
    return number


def variable_value(model: CausalModel, name: str, value: Any) -> float | BadValue:
    """:func:`ir_value` for the model variable ``name`` of ``model`` (an unknown name or a parameter: a BadValue)."""
    if name not in model:
        return unknown_variable(name, [variable.name for variable in model.model_variables])
    variable = model.variable(name)
    if variable.is_parameter:
        return not_a_variable(name)
    return ir_value(name, variable.domain, value)


def _unwrapped(value: Any) -> Any:
    """A numpy or torch scalar (or one-element array) as the Python number it holds."""
    if value is None or isinstance(value, (str, numbers.Number)):
        return value
    numel = getattr(value, "numel", None)
    count = numel() if callable(numel) else getattr(value, "size", None)
    return value.item() if count == 1 and callable(getattr(value, "item", None)) else value


def _label(name: str, domain: Domain, label: str) -> float | BadValue:
    position = domain.position(label if domain.kind == "levels" else label.lower())
    if position is not None:
        return float(position)
    if domain.kind == "levels":
        return not_a_level(name, domain, label)
    return not_a_value(name, domain, f"'{label}'")


# ------------------------------------------------------------- messages ----


def unknown_variable(name: str, variables: list[str]) -> BadValue:
    """A name that is no model variable, where one is required."""
    return BadValue(f"unknown variable '{name}'" + did_you_mean(name, variables))


def not_a_variable(name: str) -> BadValue:
    """A parameter where a model variable is required."""
    return BadValue(f"'{name}' is a parameter; a model variable is required here")


def wrong_type(name: str, value: Any) -> BadValue:
    """Something that is not a value at all (None, a list, ...)."""
    what = "None" if value is None else type(value).__name__
    return BadValue(f"the value of '{name}' must be a number or a level name, not {what}", wrong_type=True)


def too_large(name: str, number: float) -> BadValue:
    """A number beyond what the generated programs' 32-bit floats hold."""
    return BadValue(f"the value of '{name}' ({number:g}) is beyond the largest number the model's "
                    f"programs hold (about {LARGEST_TEXT}: {OUT_OF_RANGE})",
                    "give the value in other units (thousands, millions), so that it is smaller")


def not_finite(name: str, number: float) -> BadValue:
    """nan or ±inf."""
    return BadValue(f"the value of '{name}' must be finite, not {number_text(number)}",
                    "a value is a finite number or a level name")


def not_a_level(name: str, domain: Domain, label: str) -> BadValue:
    """A name that is none of a levels variable's levels."""
    return BadValue(f"'{label}' is not a level of '{name}'" + did_you_mean(label, domain.levels),
                    f"the levels of '{name}' are {domain.describe()}")


def not_a_value(name: str, domain: Domain, shown: str) -> BadValue:
    """A number (or a name) outside the variable's domain; ``shown`` is the value as the message prints it."""
    return BadValue(f"{shown} is not a value of '{name}' ({domain.describe()})", _domain_hint(domain))


def _domain_hint(domain: Domain) -> str:
    if domain.kind == "bool":
        return "a bool is true or false (or 1 or 0)"
    if domain.kind == "levels":
        return "a value is a level label, or a position counted from 0"
    if domain.kind == "int":
        return "an int is a whole number"
    return "a real is a finite number"


def number_text(number: float) -> str:
    """A number as messages print it: ``2`` for a whole number, else its ``repr`` (``1.5``, ``nan``)."""
    return str(int(number)) if math.isfinite(number) and float(number).is_integer() else repr(float(number))


__all__ = ["BadValue", "ir_value", "variable_value", "number_text"]
