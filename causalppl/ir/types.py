"""Value domains of model variables: bool, finite levels, int and real.

Finite values are represented everywhere by their level *position*
(bool: 0 and 1; ``{low, mid, high}``: 0, 1, 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DomainKind = Literal["bool", "levels", "int", "real"]


@dataclass(frozen=True)
class Domain:
    """The values a variable takes: bool, a set of levels, int or real."""

    kind: DomainKind
    levels: tuple[str, ...] = ()

    @property
    def is_finite(self) -> bool:
        return self.kind in ("bool", "levels")

    @property
    def is_discrete(self) -> bool:
        return self.kind != "real"

    @property
    def size(self) -> int:
        if self.kind == "bool":
            return 2
        if self.kind == "levels":
            return len(self.levels)
        raise ValueError(f"a {self.kind} domain is not finite")

    @property
    def labels(self) -> tuple[str, ...]:
        """Names of the values, as printed in outputs (``"0"``/``"1"`` for bool)."""
        if self.kind == "bool":
            return ("0", "1")
        return self.levels

    def position(self, label: str) -> int | None:
        """Position of a level written by name (or, for bool, true/false/0/1)."""
        if self.kind == "bool":
            return {"0": 0, "1": 1, "false": 0, "true": 1}.get(label)
        if self.kind == "levels" and label in self.levels:
            return self.levels.index(label)
        return None

    def accepts_number(self, value: float) -> int | None:
        """The position a number denotes in a finite domain, or None.

        Integer-labelled levels match by label first (``{1, 2, 3}``: 2 is the
        second level); otherwise a whole number is a position.
        """
        if not float(value).is_integer():
            return None
        label_match = self.position(str(int(value))) if self.kind == "levels" else None
        if label_match is not None:
            return label_match
        position = int(value)
        return position if 0 <= position < self.size else None

    def describe(self) -> str:
        if self.kind == "levels":
            return "{" + ", ".join(self.levels) + "}"
        return self.kind


BOOL = Domain("bool")
INT = Domain("int")
REAL = Domain("real")


def levels(*names: str) -> Domain:
    return Domain("levels", tuple(names))
