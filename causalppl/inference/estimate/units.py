"""The data's observational rows as typed tensors, and a query leaf's value on each row.

Estimators that work unit by unit (regression adjustment, AIPW, plug-in and
mediation formulas) read the observed variables of every observational
block, stacked: finite variables as level positions (``long``), others as
``float64``; the ``count`` column as frequency weights.  A leaf's *outcome*
on a row is ``g(row)`` -- the expression of ``E[g]`` or the indicator of
``P(events)`` -- and its *evidence mask* says whether the row satisfies the
leaf's evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from causalppl.backends.tensor_eval import evaluate
from causalppl.data import DataCollection
from causalppl.ir import expressions as rx
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import COMPARISONS, EventSpec, ExpectationSpec, ProbabilitySpec

Leaf = ProbabilitySpec | ExpectationSpec


@dataclass(frozen=True, eq=False)
class Units:
    """Observational rows: one tensor per observed variable, frequency weights, and each variable's levels."""

    columns: dict[str, torch.Tensor]
    weights: torch.Tensor  # (n,) float64
    levels: dict[str, int | None]  # number of levels; None for int and real variables

    @property
    def n(self) -> int:
        return int(self.weights.shape[0])

    @staticmethod
    def of(model: CausalModel, data: DataCollection, names: tuple[str, ...] | None = None) -> "Units":
        blocks = data.observational
        wanted = names if names is not None else tuple(v.name for v in model.observables)
        columns, levels = {}, {}
        for name in wanted:
            domain = model.variable(name).domain
            values = np.concatenate([np.asarray(block.columns[name]) for block in blocks])
            if domain.is_finite:
                columns[name] = torch.as_tensor(values.astype(np.int64))
                levels[name] = domain.size
            else:
                columns[name] = torch.as_tensor(values.astype(np.float64))
                levels[name] = None
        weights = torch.as_tensor(np.concatenate([block.weights for block in blocks]).astype(np.float64))
        return Units(columns, weights, levels)

    def with_values(self, values: dict[str, float]) -> dict[str, torch.Tensor]:
        """The columns with some variables set to one value on every row (``do`` on the data)."""
        columns = dict(self.columns)
        for name, value in values.items():
            dtype = torch.long if self.levels.get(name) is not None else torch.float64
            columns[name] = torch.full((self.n,), value, dtype=dtype)
        return columns


def leaf_outcome(leaf: Leaf, columns: dict[str, torch.Tensor]) -> torch.Tensor:
    """``g`` on every row: the expectation's expression, or the indicator of the probability's events."""
    if isinstance(leaf, ExpectationSpec):
        env = {name: value.to(torch.float64) for name, value in columns.items()}
        value = evaluate(leaf.expr, env)
        return torch.broadcast_to(torch.as_tensor(value, dtype=torch.float64), (_rows(columns),)).clone()
    return events_hold(leaf.events, columns)


def events_hold(events: tuple[EventSpec, ...], columns: dict[str, torch.Tensor]) -> torch.Tensor:
    """1.0 on the rows where every event holds, else 0.0."""
    mask = torch.ones(_rows(columns), dtype=torch.float64)
    for event in events:
        value = columns[event.outcome.variable].to(torch.float64)
        mask = mask * COMPARISONS[event.op](value, float(event.value)).to(torch.float64)
    return mask


def outcome_names(leaf: Leaf) -> tuple[str, ...]:
    """The variables the leaf's outcome reads (not its evidence or interventions)."""
    if isinstance(leaf, ExpectationSpec):
        return rx.variables_in(leaf.expr)
    return tuple(dict.fromkeys(event.outcome.variable for event in leaf.events))


def is_binary(leaf: Leaf, levels: dict[str, int | None]) -> bool:
    """Whether the outcome only takes the values 0 and 1 (an event, or E[bool variable])."""
    if isinstance(leaf, ProbabilitySpec):
        return True
    expr = leaf.expr
    return isinstance(expr, rx.VarRef) and levels.get(expr.name) == 2


def _rows(columns: dict[str, torch.Tensor]) -> int:
    return int(next(iter(columns.values())).shape[0])


__all__ = ["Units", "leaf_outcome", "events_hold", "outcome_names", "is_binary"]
