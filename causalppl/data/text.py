"""Small CSV files read by Python's csv module: a run on a table of counts never imports pandas.

pandas takes about 0.4 s to import, most of the time of ``causalppl run`` on
a file of a few hundred rows.  Files up to :data:`SMALL_CSV_BYTES` are read
here instead, with pandas' meaning of every cell, so a file reads the same
whatever its size (a test reads random files both ways and compares):

- missing cells are pandas' default NA strings (empty, ``NA``, ``NaN``,
  ``null``, ...), quoted or not;
- a column whose cells are all whole numbers is read as integers, all
  numbers as floats (``inf`` and ``Infinity`` included, ``1_000`` and
  ``0x10`` not), all ``true``/``false`` in any case as booleans, and
  anything else as text -- the types that decide what a cell may mean and
  how an error shows it;
- leading spaces after a comma are skipped, blank lines are skipped, a
  UTF-8 byte-order mark is ignored.

A row with more cells than the header is an error naming its line (pandas
would silently take the first cell as a row label and shift the rest).

>>> chunk = read_text_csv_lines(["A, B", "1, east", "NA, west"], {"A", "B"})
>>> codes, uniques = chunk.columns["A"].factorize()
>>> chunk.rows, codes.tolist(), uniques, chunk.columns["B"].kind  # whole numbers with a gap: floats
(2, [0, -1], [1.0], 'text')
"""

from __future__ import annotations

import contextlib
import csv
import functools
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from causalppl.data import messages
from causalppl.diagnostics import Span
from causalppl.lazy import numpy as np

SMALL_CSV_BYTES = 1 << 20

#: pandas' default missing-value strings (``pandas._libs.parsers.STR_NA_VALUES``; a test keeps them equal).
NA_STRINGS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})

_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_FLOAT = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity)", re.ASCII | re.IGNORECASE)
_BOOL = {"true": True, "false": False}


@dataclass(frozen=True)
class TextColumn:
    """One column's cells as read (leading spaces skipped) and the mask of missing ones."""

    cells: np.ndarray  # str
    missing: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.cells)

    @functools.cached_property
    def kind(self) -> str:
        """What pandas would read the column as: ``int``, ``float``, ``bool`` or ``text`` (all missing: float)."""
        present = set(self.cells[~self.missing].tolist())
        stripped = {cell.strip() for cell in present}
        if all(_INT.fullmatch(cell) for cell in stripped):
            return "int" if not self.missing.any() or not present else "float"
        if all(_FLOAT.fullmatch(cell) for cell in stripped):
            return "float"
        if all(cell.lower() in _BOOL for cell in stripped):
            return "bool"
        return "text"

    def factorize(self) -> tuple[np.ndarray, list[Any]]:
        """Codes per cell (int64, -1 where missing) and the distinct values, typed as pandas types them."""
        uniques, inverse = np.unique(self.cells, return_inverse=True)
        kind = self.kind
        codes = np.where(self.missing, -1, inverse.reshape(-1))
        kept = codes >= 0
        present, first = np.unique(codes[kept], return_index=True)  # distinct values some present cell holds
        present = present[np.argsort(first, kind="stable")]  # in order of first appearance, as pandas numbers them
        renumber = np.full(len(uniques) + 1, -1, dtype=np.int64)  # renumber[-1] stays -1: missing
        renumber[present] = np.arange(len(present))
        return renumber[codes], [_typed(cell, kind) for cell in uniques[present].tolist()]

    def numbers(self) -> np.ndarray:
        """Every cell as pandas' ``to_numeric(errors="coerce")`` reads it: float64, nan where missing or not a
        number (booleans count 1 and 0 only when the whole column is boolean, as pandas reads it)."""
        kind = self.kind
        uniques, inverse = np.unique(self.cells, return_inverse=True)
        values = np.array([_number(cell, kind) for cell in uniques.tolist()], dtype=np.float64)
        out = values[inverse.reshape(-1)] if len(uniques) else np.zeros(0)
        out[self.missing] = np.nan
        return out

    def shown(self, row: int) -> Any:
        """The cell of ``row`` as an error shows it (typed as pandas types it)."""
        return _typed(self.cells[row], self.kind)


@dataclass(frozen=True)
class TextChunk:
    """The wanted columns of a CSV file (names stripped of spaces) and its number of rows."""

    columns: dict[str, TextColumn]
    rows: int


def read_text_csv(path: Path, wanted: Iterable[str]) -> TextChunk:
    """The wanted columns of a small CSV file (see the module's docstring)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return read_text_csv_lines(handle, wanted)


def read_text_csv_lines(lines: Iterable[str], wanted: Iterable[str]) -> TextChunk:
    rows = (row for row in csv.reader(lines, skipinitialspace=True) if row)  # blank lines are skipped
    header = [name.strip() for name in next(rows, [])]
    wanted = set(wanted)
    keep = [(position, name) for position, name in enumerate(header) if name in wanted]
    cells: dict[str, list[str]] = {name: [] for _, name in keep}
    width = len(header)
    count = 0
    for line, row in enumerate(rows, start=2):
        if len(row) > width:
            raise ValueError(f"line {line} has {len(row)} cells and the header {width}; a row may have at most "
                             "as many cells as the header")
        count += 1
        for position, name in keep:
            cells[name].append(row[position] if position < len(row) else "")
    columns = {}
    for name, values in cells.items():
        array = np.array(values, dtype=str) if values else np.zeros(0, dtype=str)
        missing = np.isin(array, list(NA_STRINGS)) if len(array) else np.zeros(0, dtype=bool)
        columns[name] = TextColumn(array, missing)
    return TextChunk(columns, count)


@contextlib.contextmanager
def strict_rows(path: Path, span: Span) -> Iterator[None]:
    """While pandas reads CSV rows, a row with more cells than the header is an error (the reader would drop the
    extra cells, or take the first column as the index and shift every other column)."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            yield
        except pd.errors.ParserWarning:
            raise messages.more_cells_than_header(span, path) from None


def read_text_header(path: Path) -> list[str]:
    """The first non-blank row's names as written (a repeated name is kept, to be refused by the checks)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for row in csv.reader(handle, skipinitialspace=True):
            if row:
                return [name.strip() for name in row]
    return []


def _typed(cell: str, kind: str) -> Any:
    text = cell.strip()
    if kind == "int" and _INT.fullmatch(text):
        return int(text)
    if kind in ("int", "float") and _FLOAT.fullmatch(text):
        return float(text)
    if kind == "bool" and text.lower() in _BOOL:
        return _BOOL[text.lower()]
    return cell


def _number(cell: str, kind: str) -> float:
    text = cell.strip()
    if kind == "bool":
        return float(_BOOL.get(text.lower(), np.nan))
    if _FLOAT.fullmatch(text):
        return float(text)
    return np.nan


__all__ = ["SMALL_CSV_BYTES", "NA_STRINGS", "TextColumn", "TextChunk", "read_text_csv", "read_text_csv_lines",
           "read_text_header"]
