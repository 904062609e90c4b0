"""Data for a model: rows from a DataFrame or a file → one validated block of columns.

Columns are named after model variables; a ``count`` column weights its
row.  Finite variables accept level names or positions; every problem (a
missing file or column, an unknown level, a wrong type) is an error naming
the file, column and row.  Files are read in chunks (see
:mod:`causalppl.data.reading`), so only the model's columns, as numbers,
are ever held in memory.

Missing cells (empty, ``NA``, ``NaN``) are handled by the ``missing`` setting:

- ``model`` (default): kept, with a mask per column; the likelihood handles
  them (see docs/inference.md).  Rows whose *covariate* is missing (a root
  ``X : real`` with no mechanism, whose distribution is not modelled) and
  rows of an experiment whose intervened variable is missing are left out,
  and the block says how many and why;
- ``drop``: every row with a missing cell in an observed variable's column
  is left out (complete cases);
- ``error``: a missing cell is an error naming its file, column and row.

Whatever the problem, the one named is the first in the file's order: row by
row, left to right in a row (the file's column order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator

from causalppl.lazy import numpy as np

from causalppl.data.checks import check_columns, check_fixed_column, first_problem
from causalppl.data import messages
from causalppl.data.columns import COUNT_COLUMN, convert_column, weight_column
from causalppl.data.text import TextChunk, TextColumn
from causalppl.diagnostics import CausalPPLError, Span
from causalppl.ir.mechanisms import Covariate
from causalppl.ir.model import CausalModel, Variable

if TYPE_CHECKING:  # pandas is imported where rows are read: checking a model without data never loads it
    import pandas as pd

MISSING_MODES = ("model", "drop", "error")


@dataclass(frozen=True)
class Dataset:
    """One block of rows: observational (``under`` empty) or from an experiment."""

    columns: dict[str, np.ndarray]  # level positions (int64) for finite variables, float64 otherwise; 0 where missing
    weights: np.ndarray  # per-row weight (the count column, else ones)
    under: tuple[tuple[str, float | None], ...]
    origin: str
    missing: dict[str, np.ndarray] = field(default_factory=dict)  # column → mask of missing cells (only if any)
    missing_cells: dict[str, int] = field(default_factory=dict)  # column → missing cells as read (before leaving out)
    left_out: tuple[tuple[int, str], ...] = ()  # (rows, why) left out while loading

    @property
    def n_rows(self) -> int:
        return len(self.weights)

    @property
    def total_weight(self) -> float:
        return float(self.weights.sum())

    @property
    def intervened(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.under)

    def complete(self, names: Iterable[str]) -> np.ndarray | None:
        """Mask of the rows with every named column observed (None when they all are)."""
        masks = [self.missing[name] for name in names if name in self.missing]
        if not masks:
            return None
        return ~np.logical_or.reduce(masks)

    def rows(self, keep: np.ndarray) -> "Dataset":
        """The block cut to the rows where ``keep`` is True (the left-out count is not changed)."""
        columns = {name: values[keep] for name, values in self.columns.items()}
        missing = {name: mask[keep] for name, mask in self.missing.items() if mask[keep].any()}
        return Dataset(columns, self.weights[keep], self.under, self.origin, missing, self.missing_cells,
                       self.left_out)


@dataclass(frozen=True)
class DataCollection:
    """Every block of rows a model is given: the data file's, ``--data``'s and experiments' (``under do``)."""

    blocks: tuple[Dataset, ...]
    missing_mode: str = "model"

    @property
    def observational(self) -> tuple[Dataset, ...]:
        return tuple(block for block in self.blocks if not block.under)

    @property
    def experimental(self) -> tuple[Dataset, ...]:
        return tuple(block for block in self.blocks if block.under)

    @property
    def n_rows(self) -> int:
        return sum(block.n_rows for block in self.blocks)

    @property
    def missing_cells(self) -> dict[str, int]:
        """Missing cells per column over all blocks, as read (columns with none are left out)."""
        counts: dict[str, int] = {}
        for block in self.blocks:
            for name, count in block.missing_cells.items():
                counts[name] = counts.get(name, 0) + count
        return {name: count for name, count in counts.items() if count}

    @property
    def has_missing(self) -> bool:
        """Some kept row has a missing cell."""
        return any(block.missing for block in self.blocks)

    @property
    def left_out(self) -> tuple[str, ...]:
        """What loading left out, one sentence per block and reason."""
        return tuple(f"{block.origin}: {rows} row{'s' * (rows != 1)} left out ({why})"
                     for block in self.blocks for rows, why in block.left_out if rows)


def to_dataset(frame: pd.DataFrame, model: CausalModel, under: tuple[tuple[str, float | None], ...],
               origin: str, span: Span, missing: str = "model") -> Dataset:
    """A DataFrame as one block of rows."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame or a file path, not {type(frame).__name__}")
    if isinstance(frame.columns, pd.MultiIndex):
        raise messages.multiindex_columns(span, origin)
    check_columns(frame.attrs.get("header") or list(frame.columns), model, origin, span)
    builder = BlockBuilder(model, under, origin, span, missing)
    builder.require_columns([str(c).strip() for c in frame.columns])
    builder.add(frame)
    return builder.finish()


def chunked_dataset(chunks: Iterator[pd.DataFrame | TextChunk], header: list[str], model: CausalModel,
                    under: tuple[tuple[str, float | None], ...], origin: str, span: Span,
                    missing: str = "model") -> Dataset:
    """One block from chunks (DataFrames or text columns) read one after another (only the model's columns are kept)."""
    check_columns(header, model, origin, span)
    builder = BlockBuilder(model, under, origin, span, missing)
    builder.require_columns([str(c).strip() for c in header])
    for chunk in chunks:
        builder.add(chunk)
    return builder.finish()


def wanted_columns(model: CausalModel) -> set[str]:
    """The columns a data file is read for: the observed variables and ``count``."""
    return {v.name for v in model.observables} | {COUNT_COLUMN}


def covariate_names(model: CausalModel) -> tuple[str, ...]:
    """The model's covariates (root variables read from the rows, never generated), in model order."""
    return tuple(v.name for v in model.model_variables if isinstance(v.mechanism, Covariate))


class BlockBuilder:
    """Validates chunks of rows into numeric columns and applies the ``missing`` setting at the end."""

    def __init__(self, model: CausalModel, under: tuple[tuple[str, float | None], ...], origin: str, span: Span,
                 missing: str) -> None:
        if missing not in MISSING_MODES:
            raise ValueError(f"missing must be one of {', '.join(MISSING_MODES)}")
        self.model, self.under, self.origin, self.span, self.mode = model, under, origin, span, missing
        self.fixed = {name: value for name, value in under if value is not None}
        self.read = [v for v in model.observables if v.name not in self.fixed]
        self.parts: dict[str, list[np.ndarray]] = {v.name: [] for v in self.read}
        self.missing_parts: dict[str, list[np.ndarray]] = {v.name: [] for v in self.read}
        self.weight_parts: list[np.ndarray] = []
        self.rows = 0
        self.weighted = False

    def require_columns(self, header: list[str]) -> None:
        present = set(header)
        for variable in self.read:
            if variable.name not in present:
                raise messages.no_column_for_variable(self.span, self.origin, variable.name)
        self.weighted = COUNT_COLUMN in present

    def add(self, frame: pd.DataFrame | TextChunk) -> None:
        """Validate one chunk of rows: a DataFrame, or the text columns of a small CSV file.

        A chunk with a problem (a cell that is not a value, a missing cell under ``missing=error``, a bad count, a
        cell contradicting the data line) is an error naming the first problem in the file's order, whatever its
        kind: row by row, left to right in a row."""
        if isinstance(frame, TextChunk):
            columns, rows = frame.columns, frame.rows
        else:
            columns, rows = {str(c).strip(): frame[c] for c in frame.columns}, len(frame)
        try:
            values, missing, weights = self._convert(columns)
        except CausalPPLError as error:
            raise self._first_problem(columns, rows) or error from None
        for name in values:
            self.parts[name].append(values[name])
            self.missing_parts[name].append(missing[name] if missing[name] is not None else np.zeros(rows, bool))
        if weights is not None:
            self.weight_parts.append(weights)
        self.rows += rows

    def _convert(self, columns: dict) -> tuple[dict, dict, np.ndarray | None]:
        """Values, missing masks and counts of a chunk's columns, checked column by column in the file's order."""
        values: dict[str, np.ndarray] = {}
        missing: dict[str, np.ndarray | None] = {}
        weights = None
        read = {variable.name: variable for variable in self.read}
        for name, column in columns.items():
            if name in self.fixed:  # the file also records it: it must agree with the data line
                variable, value = self.model.variable(name), self.fixed[name]
                recorded, absent = convert_column(column, variable, self.origin, self.span, self.rows)
                if absent is not None:
                    recorded = np.where(absent, value, recorded)
                check_fixed_column(recorded, name, value, _label(variable, value), self.origin, self.span,
                                   self.rows + 1)
            elif name in read:
                values[name], missing[name] = convert_column(column, read[name], self.origin, self.span, self.rows)
                if missing[name] is not None and self.mode == "error":
                    row = self.rows + int(np.argmax(missing[name])) + 1
                    raise messages.missing_value(self.span, messages.cell(self.origin, row, name))
            elif name == COUNT_COLUMN and self.weighted:
                weights = weight_column(column, self.origin, self.span, self.rows)
        return values, missing, weights

    def _first_problem(self, columns: dict, rows: int) -> CausalPPLError | None:
        """The error for the first problem of a chunk that has one, in the file's order (the columns are checked
        in the file's order)."""
        def problem(count: int) -> CausalPPLError | None:
            try:
                self._convert({name: _head(column, count) for name, column in columns.items()})
            except CausalPPLError as error:
                return error
            return None

        return first_problem(problem, rows)

    def finish(self) -> Dataset:
        columns = {name: _joined(parts, np.int64 if self.model.variable(name).domain.is_finite else np.float64)
                   for name, parts in self.parts.items()}
        for name, value in self.fixed.items():  # level positions are integers
            columns[name] = np.full(self.rows, value, np.int64 if self.model.variable(name).domain.is_finite else np.float64)
        missing = {name: _joined(parts, bool) for name, parts in self.missing_parts.items()}
        missing = {name: mask for name, mask in missing.items() if mask.any()}
        weights = _joined(self.weight_parts, np.float64) if self.weighted else np.ones(self.rows)
        counts = {name: int(mask.sum()) for name, mask in missing.items()}
        block = Dataset(columns, weights, self.under, self.origin, missing, counts)
        if not weights.all():  # a row whose count is 0 stands for no unit: no engine reads it
            block = block.rows(weights != 0)
        return self._leave_out(block)

    def _leave_out(self, block: Dataset) -> Dataset:
        reasons: list[tuple[int, str]] = []
        if self.mode == "drop":
            keep = block.complete(block.missing)
            if keep is not None:
                reasons.append((int((~keep).sum()), "a missing value; missing=drop keeps complete rows only"))
                block = block.rows(keep)
        covariates = covariate_names(self.model)
        keep = block.complete(covariates)
        if keep is not None:
            names = ", ".join(f"'{n}'" for n in covariates if n in block.missing)
            reasons.append((int((~keep).sum()), f"the covariate {names} is missing: a covariate's distribution is "
                                                "not modelled, so its missing values cannot be imputed; give it a "
                                                "distribution (e.g. ~ Normal(m, s)) to impute them"))
            block = block.rows(keep)
        keep = block.complete(block.intervened)
        if keep is not None:
            reasons.append((int((~keep).sum()), "the value the experiment set is missing"))
            block = block.rows(keep)
        return Dataset(block.columns, block.weights, block.under, block.origin, block.missing, block.missing_cells,
                       tuple(reasons))


def _head(column: pd.Series | TextColumn, count: int) -> pd.Series | TextColumn:
    """The first ``count`` cells of a column."""
    if isinstance(column, TextColumn):
        return TextColumn(column.cells[:count], column.missing[:count])
    return column.iloc[:count]


def _label(variable: Variable, value: float) -> str:
    if variable.domain.is_finite:
        return variable.domain.labels[int(value)]
    return f"{value:g}"


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    if not parts:
        return np.zeros(0, dtype=dtype)
    if len(parts) == 1:
        return np.asarray(parts[0], dtype=dtype)
    return np.concatenate(parts).astype(dtype, copy=False)


__all__ = ["Dataset", "DataCollection", "BlockBuilder", "covariate_names", "to_dataset", "chunked_dataset", "wanted_columns",
           "MISSING_MODES", "COUNT_COLUMN"]
