"""Discrete factors: a float64 table with one named axis per variable.

A :class:`Factor` is the unit of work of the exact engine. Its axes are the
variables in ``variables`` (in that order); the size of each axis is that
variable's cardinality, and an index along an axis is a level of the variable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from causalppl.lazy import torch

NORMALIZATION_TOLERANCE = 1e-12


@dataclass(frozen=True, eq=False)
class Factor:
    """A non-normalised function of finitely many discrete variables.

    Attributes:
        variables: distinct variable names, one per axis of ``table``.
        table: a float64 tensor; ``table.shape[i]`` is the cardinality of
            ``variables[i]``. Entries must be finite (they may be negative,
            e.g. to take expectations of signed functions). The engine caches
            facts about the table, so do not modify it in place.
    """

    variables: tuple[str, ...]
    table: torch.Tensor

    def __post_init__(self) -> None:
        object.__setattr__(self, "variables", tuple(self.variables))
        _check_variables(self.variables)
        _check_table(self.table, self.variables)

    @property
    def cardinalities(self) -> dict[str, int]:
        """Each variable's number of levels."""
        return dict(zip(self.variables, self.table.shape))

    @cached_property
    def normalized_over(self) -> frozenset[str]:
        """Variables the table sums to one over, for every setting of the others.

        A conditional probability table is normalised over its head variable.
        Sums within ``NORMALIZATION_TOLERANCE`` of one count. Computed once.
        """
        return frozenset(
            variable
            for axis, variable in enumerate(self.variables)
            if _sums_to_one(self.table.sum(dim=axis))
        )

    def fix(self, evidence: Mapping[str, int]) -> Factor:
        """The factor with each evidence variable it mentions fixed at its level.

        Fixed variables disappear from the result; other entries of
        ``evidence`` are ignored.
        """
        variables, table = fix_levels(self.variables, self.table, evidence)
        return Factor(variables, table)


def fix_levels(
    variables: tuple[str, ...], table: torch.Tensor, evidence: Mapping[str, int]
) -> tuple[tuple[str, ...], torch.Tensor]:
    """Slice ``table`` at the evidence levels of the variables it mentions (a view)."""
    kept: list[str] = []
    index: list[int | slice] = []
    for variable in variables:
        level = evidence.get(variable)
        if level is None:
            kept.append(variable)
            index.append(slice(None))
        else:
            index.append(level)
    if len(kept) == len(variables):
        return variables, table
    return tuple(kept), table[tuple(index)]


def cardinalities_of(factors: Iterable[Factor]) -> dict[str, int]:
    """Every variable's cardinality, checking that the factors agree on it."""
    cardinalities: dict[str, int] = {}
    for factor in factors:
        for variable, size in zip(factor.variables, factor.table.shape):
            known = cardinalities.setdefault(variable, size)
            if known != size:
                raise ValueError(
                    f"variable {variable!r} has {known} levels in one factor "
                    f"and {size} in another"
                )
    return cardinalities


def _sums_to_one(sums: torch.Tensor) -> bool:
    return bool(((sums - 1.0).abs() <= NORMALIZATION_TOLERANCE).all())


def _check_variables(variables: tuple[str, ...]) -> None:
    for variable in variables:
        if not isinstance(variable, str) or not variable:
            raise TypeError(f"factor variables must be non-empty strings, got {variable!r}")
    if len(set(variables)) != len(variables):
        raise ValueError(f"factor variables must be distinct, got {variables}")


def _check_table(table: torch.Tensor, variables: tuple[str, ...]) -> None:
    if not isinstance(table, torch.Tensor):
        raise TypeError(f"factor table must be a torch.Tensor, got {type(table).__name__}")
    if table.dtype != torch.float64:
        raise TypeError(f"factor table must be float64, got {table.dtype}")
    if table.dim() != len(variables):
        raise ValueError(
            f"factor table has {table.dim()} axes but {len(variables)} variables {variables}"
        )
    if any(size < 1 for size in table.shape):
        raise ValueError(f"every variable needs at least one level, got shape {tuple(table.shape)}")
    if not bool(torch.isfinite(table).all()):
        raise ValueError("factor table entries must be finite")
