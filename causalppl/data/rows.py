"""Rows of a per-row query: the evidence columns of each unit, read and written in chunks.

A scored query (``causalppl score``) takes the values of its per-row
evidence from a table: :func:`row_batch` validates the named columns of a
DataFrame into a :class:`RowBatch` (level positions for finite variables,
float64 otherwise) without a Python loop over rows; :func:`read_chunks`
streams a CSV or Parquet file in chunks of rows, and :class:`RowWriter`
appends scored chunks to a CSV or Parquet file, so files larger than memory
are scored in constant memory.  Errors name the file, the column and the
row (counted from 1 in the whole file).

>>> import pandas as pd
>>> from causalppl.ir.types import levels, REAL
>>> batch = row_batch(pd.DataFrame({"T": ["b", "a"], "Y": [0.5, 2]}),
...                   {"T": levels("a", "b"), "Y": REAL}, "rows.csv")
>>> batch.columns["T"].tolist(), batch.columns["Y"].tolist(), batch.n_rows
([1, 0], [0.5, 2.0], 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Iterator, Mapping

import numpy as np
import pandas as pd

from causalppl.data import messages
from causalppl.data.checks import first_problem
from causalppl.data.columns import level_position as _level_position
from causalppl.data.text import NA_STRINGS, read_text_header, strict_rows
from causalppl.diagnostics import CausalPPLError, Span
from causalppl.ir.types import Domain

PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class RowBatch:
    """The per-row evidence of a chunk of units: one array per variable, and where the rows came from.

    A finite variable's column holds level positions in ``0..levels-1`` (:func:`row_batch` checks them; the
    engines rely on it and do not check them again).
    """

    columns: Mapping[str, np.ndarray]  # int64 level positions (finite) or float64 values, shape (n,)
    n_rows: int
    origin: str  # the file (or "<DataFrame>") the rows come from
    first_row: int | None = 1  # the number of this chunk's first row in its file (None: not known)

    def where(self, index: int) -> str:
        """``rows.csv, row 17``: the row ``index`` of this batch, as a user counts it."""
        if self.first_row is None:
            return f"{self.origin}, a row"
        return f"{self.origin}, row {self.first_row + int(index)}"


def row_batch(frame: pd.DataFrame, domains: Mapping[str, Domain], origin: str, first_row: int | None = 1,
              span: Span | None = None) -> RowBatch:
    """Validated evidence columns for the variables in ``domains`` (a user error names file, column, row)."""
    span = span or Span.unknown(origin)
    if isinstance(frame.columns, pd.MultiIndex):
        raise messages.multiindex_columns(span, origin)
    if not all(isinstance(c, str) and c == c.strip() for c in frame.columns):
        frame = frame.rename(columns=lambda c: str(c).strip())
    # a DataFrame may repeat a name; a CSV file's header as written is in attrs (its reader renames repeats)
    header = frame.attrs.get("header") or list(frame.columns)
    if len(set(header)) < len(header):
        seen: set = set()
        repeated = [name for name in header if name in seen or seen.add(name)]
        read = [name for name in repeated if str(name).strip() in domains]
        if read:  # (other repeated columns are only carried to the output)
            raise messages.column_twice(span, origin, str(read[0]).strip())
    for name in domains:
        if name not in frame.columns:
            raise messages.no_column_for_evidence(span, origin, name)
    try:
        columns = _columns(frame, domains, origin, first_row, span)
    except CausalPPLError as error:
        def problem(count: int) -> CausalPPLError | None:
            try:
                _columns(frame.iloc[:count], domains, origin, first_row, span)
            except CausalPPLError as found:
                return found
            return None

        raise first_problem(problem, len(frame)) or error from None
    return RowBatch(columns, len(frame), origin, first_row)


def _columns(frame: pd.DataFrame, domains: Mapping[str, Domain], origin: str, first_row: int | None,
             span: Span) -> dict[str, np.ndarray]:
    """The evidence columns, checked one by one in the file's order (a missing cell, a cell that is not a value);
    :func:`row_batch` narrows an error to the first problem row by row."""
    columns: dict[str, np.ndarray] = {}
    for name in frame.columns:
        domain = domains.get(name)
        if domain is None:
            continue
        series, where = frame[name], _Where(origin, name, first_row, span)
        missing = series.isna().to_numpy()
        if missing.any():
            raise messages.missing_value(span, where.cell(int(np.argmax(missing))), scoring=True)
        columns[name] = _finite(series, domain, where) if domain.is_finite else _numeric(series, domain, where)
    return columns


@dataclass(frozen=True)
class _Where:
    origin: str
    column: str
    first_row: int | None
    span: Span

    def cell(self, index: int) -> str:
        """Where the cell of row ``index`` of this batch is, as a user counts it."""
        return f"{RowBatch({}, 0, self.origin, self.first_row).where(index)}, column '{self.column}'"


def _finite(series: pd.Series, domain: Domain, where: _Where) -> np.ndarray:
    """Level positions of a column: each distinct value is read once, then every row by one lookup.

    A categorical column already holds codes and its categories; a column of
    integers spanning a small range is looked up in a table of that range (a
    column already holding positions is returned as it is); anything else is
    factorised.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = np.asarray(series.array.codes)
        uniques = series.cat.categories.tolist()
    else:
        values = series.to_numpy()
        looked_up = _integer_positions(values, domain, where)
        if looked_up is not None:
            return looked_up
        try:
            codes, found = pd.factorize(series, use_na_sentinel=True)
        except TypeError:  # unhashable cells (lists, dicts: a Parquet file's nested columns) are no levels
            row = next(k for k, value in enumerate(values) if not isinstance(value, (str, int, float, bool)))
            raise messages.bad_cell(where.span, where.cell(row), where.column, domain, values[row]) from None
        uniques = found.tolist()
    if codes.size and int(codes.min()) < 0:
        raise messages.missing_value(where.span, where.cell(int(np.argmax(codes < 0))), scoring=True)
    positions = np.array([_position_or_missing(domain, value) for value in uniques], dtype=np.int64)
    return _looked_up(positions, codes, lambda row: uniques[int(codes[row])], domain, where)


#: An integer column whose values span at most this many numbers is looked up in a table of the span.
INTEGER_TABLE_SPAN = 4096


def _integer_positions(values: np.ndarray, domain: Domain, where: _Where) -> np.ndarray | None:
    """The positions of an integer column spanning few numbers, or None (then the column is factorised)."""
    if values.dtype.kind not in "iu" or not values.size:
        return None
    span = min(INTEGER_TABLE_SPAN, 2 * values.size + 64)
    # one pass first: the largest value read unsigned (a negative one reads as huge), so every value is in 0..top
    top = int((values.view(values.dtype.str.replace("i", "u")) if values.dtype.kind == "i" else values).max())
    if top < domain.size:
        positions = np.array([_position_or_missing(domain, number) for number in range(top + 1)], dtype=np.int64)
        if np.array_equal(positions, np.arange(top + 1)):
            return values.astype(np.int64, copy=False)  # the column holds level positions already
    # with no negative value, ``top`` (read unsigned) is the maximum; else a second pass finds it
    low = int(values.min())
    high = top if low >= 0 else int(values.max())
    if high - low >= span:
        return None
    # (a column holding positions already was returned above: it has 0 <= values < levels)
    positions = np.array([_position_or_missing(domain, number) for number in range(low, high + 1)], dtype=np.int64)
    shifted = np.subtract(values, low, dtype=np.int64) if low else values  # (int8 - low would wrap)
    return _looked_up(positions, shifted, lambda row: values[row].item(), domain, where)


def _position_or_missing(domain: Domain, value) -> int:
    position = _level_position(domain, value)
    return -1 if position is None else position


def _looked_up(positions: np.ndarray, codes: np.ndarray, value_at, domain: Domain, where: _Where) -> np.ndarray:
    """``positions[codes]``; a code whose value is no level of the domain is a user error naming its row."""
    result = positions.take(codes)
    if int(positions.min(initial=0)) < 0 and int(result.min(initial=0)) < 0:
        row = int(np.argmax(result < 0))
        raise messages.bad_cell(where.span, where.cell(row), where.column, domain, value_at(row))
    return result


def _numeric(series: pd.Series, domain: Domain, where: _Where) -> np.ndarray:
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(numbers)
    if bad.any():
        row = int(np.argmax(bad))
        raise messages.bad_cell(where.span, where.cell(row), where.column, domain, series.iloc[row])
    if domain.kind == "int" and not np.array_equal(numbers, np.round(numbers)):
        row = int(np.argmax(numbers != np.round(numbers)))
        raise messages.bad_cell(where.span, where.cell(row), where.column, domain, float(numbers[row]))
    return numbers


# ------------------------------------------------------------------ files ----


def read_chunks(path: Path, chunk_size: int, span: Span | None = None,
                parsed: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
    """The rows of a CSV or Parquet file, ``chunk_size`` at a time (never the whole file at once).

    With ``parsed`` (the model's variable names), a CSV column not named
    there is read as text exactly as written: a pass-through column written
    back as CSV keeps its cells (``007``, ``NA``, ``TRUE``), where pandas
    would read them as ``7``, a missing value and ``True``. Without it, every
    column's type is inferred (what a Parquet output stores).
    """
    span = span or Span.unknown(str(path))
    if not path.exists():
        raise messages.no_data_file(span, path, in_data_line=False)
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            import pyarrow.parquet as pq

            source = pq.ParquetFile(path)
            if source.metadata.num_rows == 0:  # no rows: one empty chunk, so the output still has its header
                yield source.schema_arrow.empty_table().to_pandas()
                return
            for batch in source.iter_batches(batch_size=chunk_size):
                yield batch.to_pandas()
            return
        header = read_text_header(path)  # as written: the reader renames a repeated 'A' to 'A.1'
        with pd.read_csv(path, skipinitialspace=True, chunksize=chunk_size, index_col=False,
                         **_as_text_except(header, parsed)) as reader:
            while True:
                with strict_rows(path, span):
                    chunk = next(reader, None)
                if chunk is None:
                    return
                chunk.attrs["header"] = header
                yield chunk
    except CausalPPLError:
        raise
    except Exception as error:  # pandas and pyarrow raise many kinds for malformed files
        raise messages.unreadable_data_file(span, path, error) from None


def _as_text_except(header: list[str], parsed: Collection[str] | None) -> dict:
    """``read_csv`` options reading every column not in ``parsed`` as text, missing-value strings included."""
    if parsed is None:
        return {}
    names = set(parsed)
    text = [name for name in header if name.strip() not in names]
    if not text:
        return {}
    return {"dtype": dict.fromkeys(text, str), "keep_default_na": False,
            "na_values": {name: sorted(NA_STRINGS) for name in header if name.strip() in names}}


def count_rows(path: Path) -> int | None:
    """Rows in a file, cheaply where the format says (Parquet metadata; a line count for CSV)."""
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        with path.open("rb") as handle:
            lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
        return max(lines - 1, 0)
    except Exception:  # (a file that is no Parquet file: reading it says so, with the file's name)
        return None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class RowWriter:
    """Appends scored chunks to one CSV or Parquet file (``.parquet``/``.pq``), header written once."""

    def __init__(self, path: Path, span: Span | None = None) -> None:
        self.path = path
        self.span = span or Span.unknown(str(path))
        self.parquet = path.suffix.lower() in PARQUET_SUFFIXES
        self._writer = None
        self._started = False

    def write(self, frame: pd.DataFrame) -> None:
        try:
            if self.parquet:
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = pa.Table.from_pandas(frame, preserve_index=False)
                if self._writer is None:
                    self._writer = pq.ParquetWriter(self.path, table.schema)
                self._writer.write_table(table.cast(self._writer.schema))
            else:
                frame.to_csv(self.path, mode="a" if self._started else "w", header=not self._started, index=False)
        except OSError as error:
            raise messages.cannot_write(self.span, self.path, error.strerror or error) from None
        except (ValueError, TypeError, OverflowError) as error:  # pyarrow's: a column Parquet cannot hold as typed
            raise messages.cannot_write(self.span, self.path, f"{_first_line(error)} (a Parquet column holds one "
                                        "type in every chunk: write CSV, or give the column one type)") from None
        self._started = True

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> "RowWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
