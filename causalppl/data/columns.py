"""One column of a data block → validated numbers, whole columns at a time (no loop over rows).

Finite variables accept level names or positions (``east`` or ``2``;
``true``/``false`` or ``1``/``0`` for ``bool``): each distinct value of the
column is looked up once and the lookup is broadcast back to the rows.
Numeric variables must hold numbers (whole numbers for ``int``).  A missing
cell (empty, ``NA``, ``NaN``) is reported as a mask, never as a value; the
value stored in its place is 0, which every site accepts.  Every error names
the file, the column and the row (rows count from 1, after the header).

>>> import pandas as pd
>>> from causalppl.ir.types import levels
>>> from causalppl.diagnostics import Span
>>> values, missing = finite_column(pd.Series(["b", "a", None, "1"]), levels("a", "b"), "G", "g.csv", Span.unknown(), 0)
>>> values.tolist(), missing.tolist()
([1, 0, 0, 1], [False, False, True, False])
"""

from __future__ import annotations

import math

from typing import Any

from typing import TYPE_CHECKING

from causalppl.lazy import numpy as np

from causalppl.data import messages
from causalppl.data.checks import check_counts, check_support
from causalppl.data.text import TextColumn
from causalppl.diagnostics import Span
from causalppl.ir.model import Variable
from causalppl.ir.types import Domain

if TYPE_CHECKING:
    import pandas as pd

COUNT_COLUMN = "count"


def convert_column(series: pd.Series, variable: Variable, origin: str, span: Span,
                   first_row: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Values (level positions as int64, else float64) and the mask of missing cells (None when complete).

    ``first_row`` is the number of data rows before this chunk, so errors name the row of the file.
    """
    if variable.domain.is_finite:
        return finite_column(series, variable.domain, variable.name, origin, span, first_row)
    return numeric_column(series, variable, origin, span, first_row)


def finite_column(series: pd.Series | TextColumn, domain: Domain, name: str, origin: str, span: Span,
                  first_row: int) -> tuple[np.ndarray, np.ndarray | None]:
    if isinstance(series, TextColumn):
        missing = series.missing
        codes, uniques = series.factorize()
    else:
        import pandas as pd

        missing = series.isna().to_numpy()
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        uniques = uniques.tolist()
    lookup = np.empty(len(uniques), dtype=np.int64)
    for index, value in enumerate(uniques):
        position = level_position(domain, value)
        if position is None:
            row = int(np.argmax(codes == index))
            raise messages.bad_cell(span, messages.cell(origin, first_row + row + 1, name), name, domain, value)
        lookup[index] = position
    values = np.where(codes >= 0, lookup[np.maximum(codes, 0)] if len(lookup) else 0, 0).astype(np.int64)
    return values, (missing if missing.any() else None)


def level_position(domain: Domain, value: Any) -> int | None:
    """The position a cell's value denotes in a finite domain (by name, else by position), or None."""
    if isinstance(value, (bool, np.bool_)):
        if domain.kind == "bool":
            return int(value)
        # a CSV reader reads the cells True/false/TRUE as booleans: a levels variable may have those labels
        return _label_ignoring_case(domain, str(bool(value))) if domain.kind == "levels" else None
    if isinstance(value, (complex, np.complexfloating)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            number = float(value)  # (an integer beyond 64 bits is a Python int: np.isfinite refuses it)
        except OverflowError:
            return None
        return domain.accepts_number(number) if math.isfinite(number) else None
    text = str(value).strip()
    position = domain.position(text) if domain.kind == "levels" else domain.position(text.lower())
    if position is None:
        try:
            number = float(text)
        except ValueError:
            return None
        return domain.accepts_number(number) if np.isfinite(number) else None
    return position


def _label_ignoring_case(domain: Domain, text: str) -> int | None:
    """The position of the one level spelled ``text`` up to case (None when none is, or several are)."""
    exact = domain.position(text)
    if exact is not None:
        return exact
    matches = [k for k, level in enumerate(domain.levels) if level.lower() == text.lower()]
    return matches[0] if len(matches) == 1 else None


def numeric_column(series: pd.Series | TextColumn, variable: Variable, origin: str, span: Span,
                   first_row: int) -> tuple[np.ndarray, np.ndarray | None]:
    if isinstance(series, TextColumn):
        missing, values, shown = series.missing, series.numbers(), series.shown
    else:
        missing, values = _pandas_numbers(series, variable, origin, span)
        shown = lambda row: series.iloc[row]  # noqa: E731
    bad = np.isnan(values) & ~missing  # infinite values are refused with the support, below
    if bad.any():
        row = int(np.argmax(bad))
        raise messages.bad_cell(span, messages.cell(origin, first_row + row + 1, variable.name), variable.name,
                                variable.domain, shown(row))
    values[missing] = 0.0
    check_support(values, variable, origin, span, first_row + 1, skip=missing if missing.any() else None)
    if variable.domain.kind == "int":
        fractional = ~np.isclose(values, np.round(values))
        if fractional.any():
            row = int(np.argmax(fractional))
            raise messages.bad_cell(span, messages.cell(origin, first_row + row + 1, variable.name), variable.name,
                                    variable.domain, float(values[row]))
    return values, (missing if missing.any() else None)


def _pandas_numbers(series: pd.Series, variable: Variable, origin: str, span: Span) -> tuple[np.ndarray, np.ndarray]:
    """The missing mask and the column as float64 (nan where missing or not a number) of a pandas column."""
    import pandas as pd

    if pd.api.types.is_complex_dtype(series.dtype):
        raise messages.complex_column(span, origin, variable.name)
    missing = series.isna().to_numpy()
    numbers = series if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype) \
        else pd.to_numeric(series, errors="coerce")
    return missing, np.array(numbers.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64, copy=True)


def weight_column(series: pd.Series | TextColumn, origin: str, span: Span, first_row: int) -> np.ndarray:
    """The ``count`` column: finite numbers, not negative, never missing."""
    if isinstance(series, TextColumn):
        counts = series.numbers()
    else:
        import pandas as pd

        counts = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    check_counts(counts, origin, span, first_row + 1)
    return counts


__all__ = ["convert_column", "finite_column", "numeric_column", "weight_column", "level_position", "COUNT_COLUMN"]
