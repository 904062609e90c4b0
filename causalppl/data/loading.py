"""Reading data for a model: CSV/Parquet or a DataFrame → validated columns.

Columns are named after model variables; a ``count`` column weights its
row.  Finite variables accept level names or positions; every problem (a
missing file or column, an unknown level, a wrong type, a missing value) is
an error naming the file, column and row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from causalppl.data.checks import check_columns, check_counts, check_fixed_column, check_support
from causalppl.diagnostics import CausalPPLError, Diagnostic, Span, shown_value
from causalppl.files import require_regular_file
from causalppl.ir.model import CausalModel, Variable
from causalppl.ir.types import Domain

if TYPE_CHECKING:  # pandas is imported where rows are read: checking a model without data never loads it
    import pandas as pd

COUNT_COLUMN = "count"


@dataclass(frozen=True)
class Dataset:
    """One block of rows: observational (``under`` empty) or from an experiment."""

    columns: dict[str, np.ndarray]  # level positions (int64) for finite variables, float64 otherwise
    weights: np.ndarray  # per-row weight (the count column, else ones)
    under: tuple[tuple[str, float | None], ...]
    origin: str

    @property
    def n_rows(self) -> int:
        return len(self.weights)

    @property
    def total_weight(self) -> float:
        return float(self.weights.sum())

    @property
    def intervened(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.under)


@dataclass(frozen=True)
class DataCollection:
    blocks: tuple[Dataset, ...]

    @property
    def observational(self) -> tuple[Dataset, ...]:
        return tuple(block for block in self.blocks if not block.under)

    @property
    def experimental(self) -> tuple[Dataset, ...]:
        return tuple(block for block in self.blocks if block.under)

    @property
    def n_rows(self) -> int:
        return sum(block.n_rows for block in self.blocks)


def read_table(path: Path, span: Span) -> pd.DataFrame:
    import pandas as pd

    if not path.exists():
        raise _error(span, f"data file '{path}' does not exist", "paths in a data line are relative to the .scm file")
    require_regular_file(path, "data file", span)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        frame = pd.read_csv(path, skipinitialspace=True, encoding="utf-8-sig")
        # read_csv renames a repeated column 'A' to 'A.1': check the names as written
        frame.attrs["header"] = pd.read_csv(path, nrows=1, header=None, dtype=str, encoding="utf-8-sig",
                                            skipinitialspace=True, keep_default_na=False).iloc[0].tolist()
        return frame
    except Exception as error:  # pandas raises many kinds for malformed files
        raise _error(span, f"cannot read data file '{path}': {first_line(error)}",
                     "use CSV with a header row, or Parquet") from None


def to_dataset(frame: pd.DataFrame, model: CausalModel, under: tuple[tuple[str, float | None], ...],
               origin: str, span: Span) -> Dataset:
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame or a file path, not {type(frame).__name__}")
    if isinstance(frame.columns, pd.MultiIndex):
        raise _error(span, f"{origin}: the columns are a MultiIndex; name each column after one model variable",
                     "flatten them first, e.g. frame.columns = ['_'.join(map(str, c)) for c in frame.columns]")
    check_columns(frame.attrs.get("header") or list(frame.columns), model, origin, span)
    frame = frame.rename(columns=lambda c: str(c).strip())
    fixed = {name: value for name, value in under if value is not None}
    columns: dict[str, np.ndarray] = {}
    for variable in model.observables:
        if variable.name in fixed:
            if variable.name in frame.columns:  # the file also records it: it must agree with the data line
                recorded = _column(frame[variable.name], variable, origin, span)
                check_fixed_column(recorded, variable.name, fixed[variable.name],
                                   _label(variable, fixed[variable.name]), origin, span)
            dtype = np.int64 if variable.domain.is_finite else np.float64  # level positions are integers
            columns[variable.name] = np.full(len(frame), fixed[variable.name], dtype=dtype)
            continue
        if variable.name not in frame.columns:
            raise _error(span, f"{origin}: no column '{variable.name}' for the observed variable '{variable.name}'",
                         f"add the column, or declare it 'latent {variable.name} ...' if it is never measured")
        columns[variable.name] = _column(frame[variable.name], variable, origin, span)
    weights = _weights(frame, origin, span)
    return Dataset(columns, weights, under, origin)


def _label(variable: Variable, value: float) -> str:
    if variable.domain.is_finite:
        return variable.domain.labels[int(value)]
    return f"{value:g}"


def _column(series: pd.Series, variable: Variable, origin: str, span: Span) -> np.ndarray:
    import pandas as pd

    if pd.api.types.is_complex_dtype(series.dtype):
        raise _error(span, f"{origin}, column '{variable.name}': complex numbers are not values of "
                           f"'{variable.name}' ({variable.domain.describe()})")
    missing = series.isna().to_numpy()
    if missing.any():
        row = int(np.argmax(missing)) + 1
        raise _error(span, f"{origin}, row {row}, column '{variable.name}': missing value",
                     "remove incomplete rows or declare the variable latent")
    if variable.domain.is_finite:
        return _finite_column(series, variable.domain, variable.name, origin, span)
    return _numeric_column(series, variable, origin, span)


def _finite_column(series: pd.Series, domain: Domain, name: str, origin: str, span: Span) -> np.ndarray:
    import pandas as pd

    positions = np.empty(len(series), dtype=np.int64)
    for row, value in enumerate(series.tolist()):
        position = _level_position(domain, value)
        if position is None:
            raise _error(span, f"{origin}, row {row + 1}, column '{name}': {shown_value(value)} is not a value of "
                               f"'{name}' ({domain.describe()})",
                         "levels may be written by name or by position (0, 1, ...)")
        positions[row] = position
    return positions


def _level_position(domain: Domain, value: Any) -> int | None:
    if isinstance(value, (bool, np.bool_)):
        return int(value) if domain.kind == "bool" else None
    if isinstance(value, (complex, np.complexfloating)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return domain.accepts_number(float(value)) if np.isfinite(value) else None
    text = str(value).strip()
    position = domain.position(text) if domain.kind == "levels" else domain.position(text.lower())
    if position is None:
        try:
            number = float(text)
        except ValueError:
            return None
        return domain.accepts_number(number) if np.isfinite(number) else None
    return position


def _numeric_column(series: pd.Series, variable: Variable, origin: str, span: Span) -> np.ndarray:
    import pandas as pd

    numbers = pd.to_numeric(series, errors="coerce")
    bad = numbers.isna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise _error(span, f"{origin}, row {row + 1}, column '{variable.name}': {shown_value(series.iloc[row])} is "
                           f"not a number ('{variable.name}' is {variable.domain.describe()})")
    values = numbers.to_numpy(dtype=np.float64)
    check_support(values, variable, origin, span)
    if variable.domain.kind == "int" and not np.all(np.isclose(values, np.round(values))):
        row = int(np.argmax(~np.isclose(values, np.round(values))))
        raise _error(span, f"{origin}, row {row + 1}, column '{variable.name}': {values[row]!r} is not a whole "
                           f"number ('{variable.name}' is int)")
    return values


def _weights(frame: pd.DataFrame, origin: str, span: Span) -> np.ndarray:
    import pandas as pd

    if COUNT_COLUMN not in frame.columns:
        return np.ones(len(frame))
    counts = pd.to_numeric(frame[COUNT_COLUMN], errors="coerce").to_numpy(dtype=np.float64)
    check_counts(counts, origin, span)
    return counts


def first_line(error: Exception) -> str:
    return shown_value(next(iter(str(error).splitlines()), ""), 200)[1:-1]


def _error(span: Span, message: str, hint: str | None = None) -> CausalPPLError:
    return CausalPPLError([Diagnostic(span, message, "error", hint)])
