"""Checks on data that would otherwise be accepted silently, or fail deep inside a sampler.

Each check names the file (or ``<DataFrame>``), the column and the 1-based
row, at the ``data`` line, and echoes at most a short, escaped cell value:

- **columns**: a name given twice, a column for a latent variable or a
  parameter (never observed) are errors; a column the model does not use is
  a warning (:class:`~causalppl.diagnostics.CausalPPLWarning`), since a typo
  in a column name would otherwise go unnoticed;
- **counts**: the ``count`` column holds finite numbers ≥ 0;
- **experiments**: in ``data ... under do(A = 1)`` a row whose ``A`` column
  says something else contradicts the data line;
- **support**: a value the variable's distribution cannot produce (a
  negative count for ``Poisson``, ``-2`` for ``LogNormal``, ``5`` for
  ``Uniform(0, 1)``, ``inf``, ``1e400``) is an error here rather than an
  impossible likelihood later.

>>> import numpy as np
>>> first_bad(np.array([1.0, np.inf, 2.0]), np.isfinite)
1
"""

from __future__ import annotations

import warnings
from collections import Counter
from typing import Callable, Iterable, Sequence

from causalppl.lazy import numpy as np

from causalppl.data import messages
from causalppl.diagnostics import CausalPPLError, CausalPPLWarning, Diagnostic, Span, shown_value
from causalppl.ir.constants import fold
from causalppl.ir.mechanisms import Parametric
from causalppl.ir.model import CausalModel, Variable
from causalppl.ir.values import LARGEST_VALUE

COUNT_COLUMN = "count"


def first_bad(values: np.ndarray, ok: Callable[[np.ndarray], np.ndarray]) -> int | None:
    """The index of the first value for which ``ok`` is False, or None."""
    with np.errstate(invalid="ignore"):
        bad = ~np.asarray(ok(values), dtype=bool)
    return int(np.argmax(bad)) if bad.any() else None


# ----------------------------------------------------------------- columns ----


def check_columns(columns: Sequence[object], model: CausalModel, origin: str, span: Span) -> None:
    """Column names: no duplicates, none for latents or parameters; a warning for columns the model ignores."""
    names = [str(name).strip() for name in columns]
    repeated = [name for name, times in Counter(names).items() if times > 1]
    if repeated:
        raise messages.column_twice(span, origin, shown_name(repeated[0]))
    for name in names:
        if name not in model or name == COUNT_COLUMN:
            continue
        variable = model.variable(name)
        if variable.kind == "latent":
            raise messages.column_for_latent(span, origin, name)
        if variable.is_parameter:
            raise messages.column_for_parameter(span, origin, name)
    unused = [name for name in names if name not in model and name != COUNT_COLUMN]
    if unused:
        warn(messages.unused_columns(span, origin, [shown_name(name) for name in unused[:5]], len(unused) > 5))


def shown_name(name: str) -> str:
    return shown_value(name)[1:-1] if len(name) <= 38 else shown_value(name)


def warn(diagnostic: Diagnostic) -> None:
    """A warning about data (Python's warnings; the command line prints it as ``file: warning: ...``)."""
    warnings.warn(CausalPPLWarning(diagnostic), stacklevel=3)


# ------------------------------------------------------------------ counts ----


def check_counts(counts: np.ndarray, origin: str, span: Span, first_row: int = 1) -> None:
    """The ``count`` column: finite numbers, not negative."""
    row = first_bad(counts, lambda c: np.isfinite(c) & (c >= 0))
    if row is not None:
        raise messages.bad_count(span, messages.cell(origin, row + first_row, COUNT_COLUMN), counts[row])
    with np.errstate(over="ignore"):
        if len(counts) and not np.isfinite(counts.sum(dtype=np.float64)):
            row = int(np.argmax(~np.isfinite(np.cumsum(counts, dtype=np.float64))))
            raise messages.counts_overflow(span, messages.cell(origin, row + first_row, COUNT_COLUMN))


# ------------------------------------------------------------- experiments ----


def check_fixed_column(values: np.ndarray, name: str, fixed: float, label: str, origin: str, span: Span,
                       first_row: int = 1) -> None:
    """Rows of ``under do(name = fixed)`` whose own column says another value."""
    row = first_bad(values, lambda v: np.isclose(v, fixed))
    if row is not None:
        raise messages.contradicts_data_line(span, messages.cell(origin, row + first_row, name), name, label)


# ----------------------------------------------------------------- support ----


def check_support(values: np.ndarray, variable: Variable, origin: str, span: Span, first_row: int = 1,
                  skip: np.ndarray | None = None) -> None:
    """Values of a real or int column that the variable's mechanism cannot produce (``skip``: missing cells)."""
    if variable.domain.is_finite:
        return
    if skip is not None:
        values = np.where(skip, np.nan, values)
    row = first_bad(values, np.isfinite if skip is None else lambda v: np.isfinite(v) | skip)
    if row is not None:
        raise messages.infinite_cell(span, messages.cell(origin, row + first_row, variable.name), variable.name,
                                     float(values[row]))
    in_range = lambda v: np.abs(v) <= LARGEST_VALUE  # noqa: E731  (the programs' 32-bit floats)
    row = first_bad(values, in_range if skip is None else lambda v: in_range(v) | skip)
    if row is not None:
        raise messages.bad_cell(span, messages.cell(origin, row + first_row, variable.name), variable.name,
                                variable.domain, float(values[row]))
    rule = support_rule(variable)
    if rule is None:
        return
    test, words = rule
    row = first_bad(values, test if skip is None else lambda v: test(v) | skip)
    if row is not None:
        family = variable.mechanism.family
        raise messages.outside_support(span, messages.cell(origin, row + first_row, variable.name), variable.name,
                                       values[row], family, words)


def support_rule(variable: Variable) -> tuple[Callable[[np.ndarray], np.ndarray], str] | None:
    """The values a parametric mechanism produces, as a test on an array and in words (None: any real)."""
    mechanism = variable.mechanism
    if not isinstance(mechanism, Parametric):
        return None
    family = mechanism.family
    if family in ("LogNormal", "Gamma"):
        return (lambda v: v > 0), "positive numbers"
    if family in ("Exponential", "HalfNormal", "HalfCauchy"):
        return (lambda v: v >= 0), "numbers ≥ 0"
    if family == "Beta":
        return (lambda v: (v > 0) & (v < 1)), "numbers strictly between 0 and 1"
    if family == "Poisson":
        return (lambda v: v >= 0), "whole numbers ≥ 0"
    if family == "Binomial":
        total = _constant(mechanism, "total_count")
        if total is None:
            return (lambda v: v >= 0), "whole numbers ≥ 0"
        return (lambda v: (v >= 0) & (v <= total)), f"whole numbers from 0 to {total:g}"
    if family == "Uniform":
        low, high = _constant(mechanism, "low"), _constant(mechanism, "high")
        if low is None or high is None:
            return None
        return (lambda v: (v >= low) & (v <= high)), f"numbers from {low:g} to {high:g}"
    return None


def _constant(mechanism: Parametric, argument: str) -> float | None:
    expr = mechanism.argument(argument)
    return fold(expr).value if expr is not None else None


# -------------------------------------------------------------------- rows ----


def row_of(block_sizes: Iterable[tuple[str, int]], index: int) -> str | None:
    """``row R of FILE`` for a row of blocks stacked in order (``block_sizes``: origin and rows)."""
    start = 0
    for origin, rows in block_sizes:
        if index < start + rows:
            return f"row {index - start + 1} of {origin}"
        start += rows
    return None



def first_problem(problem: Callable[[int], CausalPPLError | None], rows: int) -> CausalPPLError | None:
    """The error of the first problem in ``rows`` rows, in the file's order, given ``problem(count)``: the error
    that checking the first ``count`` rows meets first (its columns left to right), or None.

    The shortest run of first rows with a problem ends at the first problem row; checking it meets that row's
    leftmost problem (the rows before it have none). A binary search: about log2(rows) checks, on the error path
    only.
    """
    low, high = 0, rows  # the first `low` rows have no problem; the first `high` rows have one
    found = problem(high)
    while found is not None and high - low > 1:
        middle = (low + high) // 2
        error = problem(middle)
        if error is None:
            low = middle
        else:
            high, found = middle, error
    return found

__all__ = ["check_columns", "check_counts", "check_fixed_column", "check_support", "support_rule", "row_of",
           "first_bad", "warn"]
