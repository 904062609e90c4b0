"""Exact marginals of a product of discrete factors, by tensor contraction.

``marginal`` answers one query; ``batched_marginal`` answers many evidence
rows in one vectorised pass, the rows sharing a batch axis through the
contraction. Both plan a pairwise contraction path (by variable elimination
with the min-fill heuristic), refuse plans whose largest intermediate table
would exceed ``max_bytes``, and cache plans by problem structure so repeated
queries on one model do not plan again.

Results are *unnormalised*: the sum over the non-evidence variables of the
product of all factors, with the evidence variables fixed.
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import opt_einsum
import torch

from causalppl.backends.exact.elimination import (
    Intermediate,
    Path,
    Scope,
    peak_intermediate,
    plan_elimination,
)
from causalppl.backends.exact.errors import EnumerationTooLarge
from causalppl.backends.exact.factor import FACTOR_DTYPE, Factor, cardinalities_of, fix_levels

DEFAULT_MAX_BYTES = 2**31
PLAN_CACHE_SIZE = 256
Strategy = Literal["min_fill", "min_weight", "greedy", "dp"]
DEFAULT_STRATEGY: Strategy = "min_fill"

_BATCH = "\x00batch"
_NO_EVIDENCE: Mapping[str, int] = MappingProxyType({})

Operand = tuple[Scope, torch.Tensor]


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
    keep = tuple(keep)
    cardinalities = cardinalities_of(factors)
    _check_query(cardinalities, keep, evidence)
    levels = {name: _checked_level(name, level, cardinalities) for name, level in evidence.items()}
    operands = [fix_levels(f.variables, f.table, levels) for f in factors]
    return _contract(operands, keep, max_bytes, strategy)


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
    keep = tuple(keep)
    cardinalities = cardinalities_of(factors)
    _check_query(cardinalities, keep, evidence)
    fixed, rows, row_names = _split_evidence(evidence, cardinalities)
    device = factors[0].table.device if factors else torch.device("cpu")
    rows = rows.to(device)
    keep_shape = tuple(cardinalities[v] for v in keep)
    if rows.shape[0] == 0:
        return torch.empty((0, *keep_shape), dtype=FACTOR_DTYPE, device=device)
    unique_rows, inverse = torch.unique(rows, dim=0, return_inverse=True)
    operands = [fix_levels(f.variables, f.table, fixed) for f in factors]
    chunks = [
        _contract_rows(operands, row_names, chunk, keep, max_bytes, strategy)
        for chunk in _row_chunks(operands, row_names, unique_rows, keep, max_bytes, strategy)
    ]
    return torch.cat(chunks)[inverse]


def clear_plan_cache() -> None:
    """Forget all cached contraction plans."""
    with _cache_lock:
        _plan_cache.clear()


def plan_cache_size() -> int:
    """Number of contraction plans currently cached."""
    return len(_plan_cache)


# --------------------------------------------------------------------------
# Query checks


def _check_query(
    cardinalities: Mapping[str, int], keep: Scope, evidence: Mapping[str, object]
) -> None:
    if len(set(keep)) != len(keep):
        raise ValueError(f"keep lists a variable twice: {keep}")
    for name in (*keep, *evidence):
        if name not in cardinalities:
            raise ValueError(f"no factor mentions variable {name!r}")
    both = set(keep) & set(evidence)
    if both:
        raise ValueError(f"variables both kept and observed: {sorted(both)}")
    if _BATCH in cardinalities:
        raise ValueError(f"variable name {_BATCH!r} is reserved")


def _checked_level(name: str, level: object, cardinalities: Mapping[str, int]) -> int:
    try:
        index = operator.index(level)  # type: ignore[call-overload]
    except (TypeError, ValueError, RuntimeError) as error:
        raise ValueError(f"evidence for {name!r} must be an integer level, got {level!r}") from error
    if not 0 <= index < cardinalities[name]:
        raise ValueError(
            f"evidence level {index} for {name!r} is out of range 0..{cardinalities[name] - 1}"
        )
    return index


def _split_evidence(
    evidence: Mapping[str, torch.Tensor | int], cardinalities: Mapping[str, int]
) -> tuple[dict[str, int], torch.Tensor, Scope]:
    """Split evidence into levels fixed for all rows and a ``(B, E)`` row table."""
    fixed: dict[str, int] = {}
    columns: dict[str, torch.Tensor] = {}
    for name, value in evidence.items():
        if isinstance(value, torch.Tensor) and value.dim() == 1:
            columns[name] = _checked_column(name, value, cardinalities)
        else:
            fixed[name] = _checked_level(name, value, cardinalities)
    if not columns:
        raise ValueError("batched_marginal needs at least one evidence tensor of shape (B,)")
    lengths = {column.shape[0] for column in columns.values()}
    if len(lengths) != 1:
        raise ValueError(f"evidence tensors differ in length: {sorted(lengths)}")
    return fixed, torch.stack(list(columns.values()), dim=1), tuple(columns)


def _checked_column(
    name: str, column: torch.Tensor, cardinalities: Mapping[str, int]
) -> torch.Tensor:
    if column.dtype.is_floating_point or column.dtype.is_complex or column.dtype == torch.bool:
        raise ValueError(f"evidence for {name!r} must be an integer tensor, got {column.dtype}")
    column = column.long()
    if column.numel() and (column.min() < 0 or column.max() >= cardinalities[name]):
        raise ValueError(
            f"evidence levels for {name!r} must lie in 0..{cardinalities[name] - 1}"
        )
    return column


# --------------------------------------------------------------------------
# Batches


def _gather_rows(operand: Operand, row_names: Scope, rows: torch.Tensor) -> Operand:
    """Index ``operand`` at every row's levels; observed axes become one batch axis."""
    scope, table = operand
    observed = [k for k, name in enumerate(scope) if name in row_names]
    if not observed:
        return operand
    others = [k for k in range(len(scope)) if k not in observed]
    moved = table.permute(*observed, *others)
    index = tuple(rows[:, row_names.index(scope[k])] for k in observed)
    return (_BATCH, *(scope[k] for k in others)), moved[index]


def _batch_operands(operands: list[Operand], row_names: Scope, rows: torch.Tensor) -> list[Operand]:
    return [_gather_rows(operand, row_names, rows) for operand in operands]


def _contract_rows(
    operands: list[Operand],
    row_names: Scope,
    rows: torch.Tensor,
    keep: Scope,
    max_bytes: int,
    strategy: Strategy,
) -> torch.Tensor:
    return _contract(_batch_operands(operands, row_names, rows), (_BATCH, *keep), max_bytes, strategy)


def _row_chunks(
    operands: list[Operand],
    row_names: Scope,
    rows: torch.Tensor,
    keep: Scope,
    max_bytes: int,
    strategy: Strategy,
) -> list[torch.Tensor]:
    """Split ``rows`` into chunks whose contraction fits in ``max_bytes``."""
    chunk_size = rows.shape[0]
    while True:
        peak = _batched_peak(operands, row_names, rows[:chunk_size], keep, strategy)
        if peak.bytes <= max_bytes:
            return list(torch.split(rows, chunk_size))
        if chunk_size == 1:
            raise _too_large(peak, max_bytes)
        chunk_size = max(1, min(chunk_size // 2, chunk_size * max_bytes // peak.bytes))


def _batched_peak(
    operands: list[Operand],
    row_names: Scope,
    rows: torch.Tensor,
    keep: Scope,
    strategy: Strategy,
) -> Intermediate:
    scoped = _batch_shapes(operands, row_names, rows.shape[0])
    return _plan(scoped, (_BATCH, *keep), strategy).peak


def _batch_shapes(
    operands: list[Operand], row_names: Scope, batch_size: int
) -> list[tuple[Scope, tuple[int, ...]]]:
    """Scopes and shapes the batched operands will have, without gathering."""
    shaped = []
    for scope, table in operands:
        others = [k for k, name in enumerate(scope) if name not in row_names]
        if len(others) == len(scope):
            shaped.append((scope, tuple(table.shape)))
        else:
            batched_scope = (_BATCH, *(scope[k] for k in others))
            shaped.append((batched_scope, (batch_size, *(table.shape[k] for k in others))))
    return shaped


# --------------------------------------------------------------------------
# Contraction and plans


@dataclass(frozen=True)
class _Plan:
    """A contraction ready to run, with the largest table it builds."""

    expression: opt_einsum.contract.ContractExpression
    path: Path
    peak: Intermediate


_plan_cache: OrderedDict[Hashable, _Plan] = OrderedDict()
_cache_lock = threading.Lock()


def _contract(
    operands: list[Operand], output: Scope, max_bytes: int, strategy: Strategy
) -> torch.Tensor:
    if not operands:
        return torch.ones((), dtype=FACTOR_DTYPE)
    shaped = [(scope, tuple(table.shape)) for scope, table in operands]
    plan = _plan(shaped, output, strategy)
    if plan.peak.bytes > max_bytes:
        raise _too_large(plan.peak, max_bytes)
    return plan.expression(*(table for _, table in operands), backend="torch")


def _too_large(peak: Intermediate, max_bytes: int) -> EnumerationTooLarge:
    variables = tuple(v for v in peak.variables if v != _BATCH)
    return EnumerationTooLarge(peak.bytes, variables, max_bytes)


def _plan(
    shaped: list[tuple[Scope, tuple[int, ...]]], output: Scope, strategy: Strategy
) -> _Plan:
    key = (strategy, output, tuple(shaped))
    with _cache_lock:
        plan = _plan_cache.get(key)
        if plan is not None:
            _plan_cache.move_to_end(key)
            return plan
    plan = _build_plan(shaped, output, strategy)
    with _cache_lock:
        _plan_cache[key] = plan
        while len(_plan_cache) > PLAN_CACHE_SIZE:
            _plan_cache.popitem(last=False)
    return plan


def _build_plan(
    shaped: list[tuple[Scope, tuple[int, ...]]], output: Scope, strategy: Strategy
) -> _Plan:
    scopes = [scope for scope, _ in shaped]
    shapes = [shape for _, shape in shaped]
    cardinalities = {v: n for scope, shape in shaped for v, n in zip(scope, shape)}
    equation = _equation(scopes, output)
    if strategy in ("min_fill", "min_weight"):
        path = plan_elimination(scopes, cardinalities, output, strategy).path
    else:
        found, _ = opt_einsum.contract_path(equation, *shapes, shapes=True, optimize=strategy)
        path = tuple(tuple(step) for step in found)
    peak = peak_intermediate(scopes, cardinalities, path, output)
    expression = opt_einsum.contract_expression(equation, *shapes, optimize=list(path))
    return _Plan(expression, path, peak)


def _equation(scopes: Sequence[Scope], output: Scope) -> str:
    """An einsum equation naming each variable by one symbol."""
    symbols: dict[str, str] = {}
    for scope in (*scopes, output):
        for name in scope:
            if name not in symbols:
                symbols[name] = opt_einsum.get_symbol(len(symbols))
    terms = ("".join(symbols[name] for name in scope) for scope in scopes)
    return ",".join(terms) + "->" + "".join(symbols[name] for name in output)
