"""The error a generated program's site checks raise (no torch: the planner catches it for every query).

:mod:`causalppl.backends.site_checks` raises it; the inference stage turns
it into a user error located at the mechanism's argument.

>>> str(InvalidSite("Y", "scale", "Normal", "positive", 2, 10, "-1.5"))
"site 'Y': scale of Normal must be positive (2 of 10, e.g. -1.5)"
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass
class InvalidSite(Exception):
    """A site got an invalid argument or value for some units."""

    site: str
    what: str  # the argument's name, or "value"
    family: str
    requirement: str  # what the constraint asks, in words ("positive", "between 0 and 1", ...)
    bad: int  # units (or elements) that broke it
    total: int
    example: str
    unit: int | None = None  # the first unit that broke it: a position in the units plate (a data row)
    observed: bool = False  # the value was given (data or evidence), not generated
    model: Any = None  # the CausalModel whose program ran (attached by checked_program)
    row: str | None = None  # "row R of FILE" for ``unit``, when the program ran over data rows in order

    def __post_init__(self) -> None:
        super().__init__(f"site '{self.site}': {self.what} of {self.family} must be {self.requirement} "
                         f"({self.bad} of {self.total}, e.g. {self.example})")

    def __reduce__(self) -> tuple:
        """Pickled by its fields (a worker process raises it to its parent), less the model: the parent
        attaches its own."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields["model"] = None
        return _rebuilt, (type(self), fields)


def _rebuilt(cls: type, fields: dict) -> InvalidSite:
    return cls(**fields)


__all__ = ["InvalidSite"]
