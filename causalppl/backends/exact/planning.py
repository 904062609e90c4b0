"""Query plans: everything about a query that depends only on its structure.

A query's structure is the factors' scopes, cardinalities and normalisation,
the kept variables, the observed variables and (for batches) how many
distinct evidence rows there are, rounded up to a power of two. From it a
:class:`QueryPlan` fixes which factors survive barren pruning, the scope of
each operand, the contraction path and its compiled program, and the peak
intermediate table. Plans are cached (least recently used first out), so a
model queried repeatedly is planned once per query shape.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import opt_einsum

from causalppl.backends.exact.elimination import (
    Intermediate,
    Path,
    Scope,
    peak_intermediate,
    plan_elimination,
)
from causalppl.backends.exact.execution import Program, compile_path
from causalppl.backends.exact.factor import Factor, cardinalities_of
from causalppl.backends.exact.pruning import barren_free

Strategy = Literal["min_fill", "min_weight", "greedy"]
DEFAULT_STRATEGY: Strategy = "min_fill"
PLAN_CACHE_SIZE = 256

BATCH = "\x00batch"
"""Name of the batch axis that evidence rows share (reserved)."""


@dataclass(frozen=True)
class QueryPlan:
    """How to answer every query of one structure.

    Attributes:
        factor_indices: the factors (positions in the caller's list) that
            survive barren pruning, in the order the program takes them.
        scopes: each operand's variables once evidence is applied.
        output: the result's axes (``BATCH`` first for batches).
        cardinalities: every variable's levels; ``BATCH`` has the planned size.
        path: the pairwise contraction path.
        program: the path compiled to einsum calls.
        peak: the largest intermediate table at the planned batch size.
    """

    factor_indices: tuple[int, ...]
    scopes: tuple[Scope, ...]
    output: Scope
    cardinalities: Mapping[str, int]
    path: Path
    program: Program
    peak: Intermediate

    def peak_for(self, batch_size: int | None) -> Intermediate:
        """The largest intermediate table when the batch has ``batch_size`` rows."""
        if batch_size is None or batch_size == self.cardinalities.get(BATCH):
            return self.peak
        sizes = {**self.cardinalities, BATCH: batch_size}
        return peak_intermediate(self.scopes, sizes, self.path, self.output)


def plan_query(
    factors: Sequence[Factor],
    keep: Scope,
    fixed: Scope,
    rows: Scope,
    batch_size: int | None,
    strategy: Strategy = DEFAULT_STRATEGY,
) -> QueryPlan:
    """The (cached) plan for keeping ``keep`` given evidence on ``fixed`` and ``rows``.

    ``fixed`` variables are observed at one level; ``rows`` variables at a
    level per row of a batch of ``batch_size`` rows (empty, ``None`` when
    not batched).
    """
    key = (_structure_key(factors), keep, fixed, rows, batch_size, strategy)
    with _cache_lock:
        plan = _plan_cache.get(key)
        if plan is not None:
            _plan_cache.move_to_end(key)
            return plan
    plan = _build_plan(factors, keep, fixed, rows, batch_size, strategy)
    with _cache_lock:
        _plan_cache[key] = plan
        while len(_plan_cache) > PLAN_CACHE_SIZE:
            _plan_cache.popitem(last=False)
    return plan


def batched_scope(scope: Scope, rows: Sequence[str]) -> Scope:
    """An operand's scope once its row-observed axes merge into one leading ``BATCH`` axis."""
    others = tuple(v for v in scope if v not in rows)
    return scope if len(others) == len(scope) else (BATCH, *others)


def batch_bucket(rows: int) -> int:
    """The batch size plans are made for: ``rows`` rounded up to a power of two."""
    return 1 << max(0, rows - 1).bit_length()


def clear_plan_cache() -> None:
    """Forget all cached query plans."""
    with _cache_lock:
        _plan_cache.clear()


def plan_cache_size() -> int:
    """Number of query plans currently cached."""
    return len(_plan_cache)


_plan_cache: OrderedDict[Hashable, QueryPlan] = OrderedDict()
_cache_lock = threading.Lock()


def _structure_key(factors: Sequence[Factor]) -> tuple[Hashable, ...]:
    return tuple((f.variables, tuple(f.table.shape), f.normalized_over) for f in factors)


def _build_plan(
    factors: Sequence[Factor],
    keep: Scope,
    fixed: Scope,
    rows: Scope,
    batch_size: int | None,
    strategy: Strategy,
) -> QueryPlan:
    cardinalities = cardinalities_of(factors)
    _check_query(cardinalities, keep, (*fixed, *rows))
    sliced = [tuple(v for v in f.variables if v not in fixed) for f in factors]
    normalized = [f.normalized_over for f in factors]
    kept = tuple(barren_free(sliced, normalized, {*keep, *rows}))
    scopes = tuple(batched_scope(sliced[i], rows) for i in kept)
    output = (BATCH, *keep) if rows else keep
    if rows:
        cardinalities[BATCH] = batch_size or 1
    path, peak = _find_path(scopes, cardinalities, output, strategy)
    program = compile_path(scopes, path, output)
    return QueryPlan(kept, scopes, output, cardinalities, path, program, peak)


def _check_query(cardinalities: Mapping[str, int], keep: Scope, observed: Scope) -> None:
    if len(set(keep)) != len(keep):
        raise ValueError(f"keep lists a variable twice: {keep}")
    for name in (*keep, *observed):
        if name not in cardinalities:
            raise ValueError(f"no factor mentions variable {name!r}")
    both = set(keep) & set(observed)
    if both:
        raise ValueError(f"variables both kept and observed: {sorted(both)}")
    if BATCH in cardinalities:
        raise ValueError(f"variable name {BATCH!r} is reserved")


def _find_path(
    scopes: Sequence[Scope],
    cardinalities: Mapping[str, int],
    output: Scope,
    strategy: Strategy,
) -> tuple[Path, Intermediate]:
    if not scopes:
        return (), Intermediate((), 1)
    if strategy in ("min_fill", "min_weight"):
        plan = plan_elimination(scopes, cardinalities, output, strategy)
        return plan.path, plan.peak
    if strategy == "greedy":
        path = _opt_einsum_path(scopes, cardinalities, output, strategy)
        return path, peak_intermediate(scopes, cardinalities, path, output)
    raise ValueError(f"unknown contraction strategy {strategy!r}")


def _opt_einsum_path(
    scopes: Sequence[Scope], cardinalities: Mapping[str, int], output: Scope, optimize: str
) -> Path:
    symbols: dict[str, str] = {}
    for scope in (*scopes, output):
        for name in scope:
            symbols.setdefault(name, opt_einsum.get_symbol(len(symbols)))
    terms = ",".join("".join(symbols[v] for v in scope) for scope in scopes)
    equation = terms + "->" + "".join(symbols[v] for v in output)
    shapes = [tuple(cardinalities[v] for v in scope) for scope in scopes]
    path, _ = opt_einsum.contract_path(equation, *shapes, shapes=True, optimize=optimize)
    return tuple(tuple(step) for step in path)
