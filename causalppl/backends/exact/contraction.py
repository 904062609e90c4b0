"""Exact marginals of a product of discrete factors, by tensor contraction.

``marginal`` answers one query; ``batched_marginal`` answers many evidence
rows in one vectorised pass, the rows sharing a batch axis through the
contraction. Both drop barren factors, plan a pairwise contraction path by
variable elimination (min-fill), refuse plans whose largest intermediate
table would exceed ``max_bytes``, and cache everything that depends only on
the query's structure (factor scopes and cardinalities, kept and observed
variables), so repeated queries on one model only slice and contract.

Results are *unnormalised*: the sum over the non-evidence variables of the
product of all factors, with the evidence variables fixed.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from causalppl.lazy import torch

from causalppl.backends.exact.elimination import Intermediate
from causalppl.backends.exact.errors import EnumerationTooLarge
from causalppl.backends.exact.factor import Factor, fix_levels
from causalppl.backends.exact.planning import (
    BATCH,
    DEFAULT_STRATEGY,
    QueryPlan,
    Strategy,
    batch_bucket,
    plan_query,
)

DEFAULT_MAX_BYTES = 2**31

_NO_EVIDENCE: Mapping[str, int] = MappingProxyType({})


def marginal(
    factors: Sequence[Factor],
    keep: Sequence[str],
    evidence: Mapping[str, int] = _NO_EVIDENCE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    strategy: Strategy = DEFAULT_STRATEGY,
) -> torch.Tensor:
    """Unnormalised marginal over ``keep`` (axes in that order) given evidence.

    Each evidence variable is fixed at the given level index; every variable
    neither kept nor observed is summed out. With ``keep`` empty the result
    is a 0-d tensor: the total mass of the evidence.

    Raises:
        EnumerationTooLarge: the contraction would build a table of more than
            ``max_bytes`` bytes (raised before allocating it).
        ValueError: unknown, repeated or observed-and-kept variables, or an
            evidence level out of range.
    """
    plan = plan_query(factors, tuple(keep), tuple(sorted(evidence)), (), None, strategy)
    _check_budget(plan.peak, max_bytes)
    levels = _checked_levels(evidence, plan.cardinalities)
    tables = [_fixed(factors[i], levels)[1] for i in plan.factor_indices]
    return plan.program.run(tables) if tables else torch.ones((), dtype=torch.float64)


def batched_marginal(
    factors: Sequence[Factor],
    keep: Sequence[str],
    evidence: Mapping[str, torch.Tensor | int],
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    strategy: Strategy = DEFAULT_STRATEGY,
) -> torch.Tensor:
    """Unnormalised marginals over ``keep`` for a batch of evidence rows.

    ``evidence`` maps variables to integer tensors of shape ``(B,)`` (row
    ``b`` observes level ``evidence[v][b]``) or to plain ints observed in
    every row. The result has shape ``(B, *cardinalities of keep)`` and row
    ``b`` equals ``marginal(factors, keep, row b of the evidence)``.

    Repeated rows are computed once. When the whole batch would exceed
    ``max_bytes``, it is processed in chunks; ``EnumerationTooLarge`` is
    raised only when a single row does not fit.
    """
    columns = {name: value for name, value in evidence.items() if _is_column(value)}
    if not columns:
        raise ValueError("batched_marginal needs at least one evidence tensor of shape (B,)")
    rows, row_names = _row_table(columns)
    distinct, inverse = _distinct_rows(rows)
    fixed_names = tuple(sorted(name for name in evidence if name not in columns))
    bucket = batch_bucket(len(distinct))
    plan = plan_query(factors, tuple(keep), fixed_names, row_names, bucket, strategy)
    _check_columns(rows, row_names, plan.cardinalities)
    fixed = _checked_levels({name: evidence[name] for name in fixed_names}, plan.cardinalities)
    if len(distinct) == 0:
        keep_shape = tuple(plan.cardinalities[v] for v in keep)
        return torch.empty((0, *keep_shape), dtype=torch.float64, device=rows.device)
    sliced = [_fixed(factors[i], fixed) for i in plan.factor_indices]
    distinct = distinct.to(_device_of(factors))
    results = [
        plan.program.run([_gather_rows(operand, row_names, part) for operand in sliced])
        for part in torch.split(distinct, _chunk_size(plan, len(distinct), max_bytes))
    ]
    return torch.cat(results)[inverse.to(results[0].device)]


def _fixed(factor: Factor, levels: Mapping[str, int]) -> tuple[tuple[str, ...], torch.Tensor]:
    return fix_levels(factor.variables, factor.table, levels)


# --------------------------------------------------------------------------
# Evidence


def _checked_levels(
    evidence: Mapping[str, object], cardinalities: Mapping[str, int]
) -> dict[str, int]:
    return {name: _checked_level(name, level, cardinalities) for name, level in evidence.items()}


def _checked_level(name: str, level: object, cardinalities: Mapping[str, int]) -> int:
    try:
        index = operator.index(level)  # type: ignore[call-overload]
    except (TypeError, ValueError, RuntimeError) as error:
        message = f"evidence for {name!r} must be an integer level, got {level!r}"
        raise ValueError(message) from error
    if not 0 <= index < cardinalities[name]:
        raise ValueError(
            f"evidence level {index} for {name!r} is out of range 0..{cardinalities[name] - 1}"
        )
    return index


def _is_column(value: object) -> bool:
    return isinstance(value, torch.Tensor) and value.dim() == 1


def _row_table(columns: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, tuple[str, ...]]:
    """Evidence columns as one ``(B, E)`` long tensor, columns in sorted name order."""
    names = tuple(sorted(columns))
    for name in names:
        dtype = columns[name].dtype
        if dtype.is_floating_point or dtype.is_complex or dtype == torch.bool:
            raise ValueError(f"evidence for {name!r} must be an integer tensor, got {dtype}")
    lengths = {columns[name].shape[0] for name in names}
    if len(lengths) != 1:
        raise ValueError(f"evidence tensors differ in length: {sorted(lengths)}")
    return torch.stack([columns[name].long() for name in names], dim=1), names


def _check_columns(
    rows: torch.Tensor, names: Sequence[str], cardinalities: Mapping[str, int]
) -> None:
    if rows.numel() == 0:
        return
    lowest, highest = rows.min(dim=0).values.tolist(), rows.max(dim=0).values.tolist()
    for name, low, high in zip(names, lowest, highest):
        if low < 0 or high >= cardinalities[name]:
            raise ValueError(
                f"evidence levels for {name!r} must lie in 0..{cardinalities[name] - 1}"
            )


def _distinct_rows(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The distinct rows of ``rows`` and, for each row, the index of its copy.

    Rows are numbered by one int64 when the levels' upper bounds allow
    (much faster than ``torch.unique(dim=0)``); out-of-range levels are
    rejected later, against the factors' cardinalities.
    """
    if rows.numel() == 0:
        return rows, torch.zeros(0, dtype=torch.long, device=rows.device)
    radix = (rows.max(dim=0).values + 1).clamp(min=1).tolist()
    strides, total = [], 1
    for size in reversed(radix):
        strides.append(total)
        total *= size
    if total >= 2**62 or bool((rows < 0).any()):
        return torch.unique(rows, dim=0, return_inverse=True)
    strides_tensor = rows.new_tensor(strides[::-1])
    codes, inverse = torch.unique((rows * strides_tensor).sum(dim=1), return_inverse=True)
    return codes[:, None] // strides_tensor % rows.new_tensor(radix), inverse


# --------------------------------------------------------------------------
# Batches


def _gather_rows(
    operand: tuple[tuple[str, ...], torch.Tensor], row_names: Sequence[str], rows: torch.Tensor
) -> torch.Tensor:
    """Index a table at every row's levels; its observed axes become one leading batch axis.

    The scope of the result is ``planning.batched_scope`` of the operand's scope.
    """
    scope, table = operand
    observed = [k for k, name in enumerate(scope) if name in row_names]
    if not observed:
        return table
    others = [k for k in range(len(scope)) if k not in observed]
    moved = table.permute(*observed, *others)
    return moved[tuple(rows[:, row_names.index(scope[k])] for k in observed)]


def _chunk_size(plan: QueryPlan, rows: int, max_bytes: int) -> int:
    """The most rows per pass that keep the largest table within ``max_bytes``."""
    size = rows
    while True:
        peak = plan.peak_for(size)
        if peak.bytes <= max_bytes:
            return size
        if size == 1:
            raise _too_large(peak, max_bytes)
        size = max(1, min(size // 2, size * max_bytes // peak.bytes))


def _device_of(factors: Sequence[Factor]) -> torch.device:
    return factors[0].table.device if factors else torch.device("cpu")


# --------------------------------------------------------------------------
# Budget


def _check_budget(peak: Intermediate, max_bytes: int) -> None:
    if peak.bytes > max_bytes:
        raise _too_large(peak, max_bytes)


def _too_large(peak: Intermediate, max_bytes: int) -> EnumerationTooLarge:
    """The error for ``peak``; the batch axis is not one of the model's variables."""
    variables = tuple(v for v in peak.variables if v != BATCH)
    return EnumerationTooLarge(peak.bytes, variables, max_bytes)
