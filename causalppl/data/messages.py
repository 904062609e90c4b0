"""The messages of the data stage: one function per kind of mistake in a data file or DataFrame.

Each error names where it is (the file or ``<DataFrame>``, the column, the
row counted from 1) and returns a
:class:`~causalppl.diagnostics.CausalPPLError` at the ``data`` line for the
caller to raise; the one warning returns its
:class:`~causalppl.diagnostics.Diagnostic`.  A cell that does not fit its
variable gets the words of the one value validator
(:mod:`causalppl.ir.values`), as a value in query text or ``Model.do`` does.

>>> from causalppl.diagnostics import Span
>>> from causalppl.ir.types import BOOL
>>> print(bad_cell(Span.unknown("m.scm"), cell("rows.csv", 3, "X"), "X", BOOL, 2))
m.scm: error: rows.csv, row 3, column 'X': 2 is not a value of 'X' (bool)
    hint: a bool is true or false (or 1 or 0)
"""

from __future__ import annotations

from typing import Any, Sequence

from causalppl.diagnostics import CausalPPLError, Diagnostic, Span, shown_value, spell_option
from causalppl.ir.types import Domain
from causalppl.ir.values import BadValue, ir_value, not_a_value, not_finite, wrong_type


def error(span: Span, message: str, hint: str | None = None) -> CausalPPLError:
    """An error at ``span`` (the functions below build theirs with it)."""
    return CausalPPLError([Diagnostic(span, message, "error", hint)])


def cell(origin: str, row: int | str, column: str) -> str:
    """Where a cell is: ``rows.csv, row 3, column 'X'`` (``row``: a number, or a text such as "a row")."""
    return f"{origin}, row {row}, column '{column}'" if isinstance(row, int) else f"{origin}, {row}, column '{column}'"


def _number(value: float) -> str:
    return f"{float(value):g}"


# ------------------------------------------------------------------ files ----


def no_data_file(span: Span, path: Any, in_data_line: bool = True) -> CausalPPLError:
    """A data file that does not exist (``in_data_line``: named by a ``data`` line of the model)."""
    return error(span, f"data file '{path}' does not exist",
                 "paths in a data line are relative to the .scm file" if in_data_line else None)


def unreadable_data_file(span: Span, path: Any, reason: object) -> CausalPPLError:
    return error(span, f"cannot read data file '{path}': {reason}", "use CSV with a header row, or Parquet")


def cannot_write(span: Span, path: Any, reason: object) -> CausalPPLError:
    return error(span, f"cannot write '{path}': {reason}")


def data_file_twice(span: Span, path: Any, first_path: Any, first_span: Span) -> CausalPPLError:
    """The same data file given a second time (at ``span``), first given at ``first_span``: its rows would count
    twice."""
    first = f"by the data line at {first_span}" if first_span.is_known else "earlier"
    named = "" if str(first_path) == str(path) else f" (as '{first_path}')"
    if span.is_known:
        hint = "remove one of the two data lines"
    elif first_span.is_known:
        hint = "give each data file once: the model's data lines are read already"
    else:
        hint = "give each data file once"
    return error(span, f"data file '{path}' is already read {first}{named}: reading it again would count its rows "
                       "twice", hint)


def more_cells_than_header(span: Span, path: Any) -> CausalPPLError:
    return error(span, f"'{path}': a row has more cells than the header has names (its cells would shift or be "
                       "dropped)", "give every row one cell per column of the header (a trailing comma is a cell)")


def output_is_input(span: Span, path: Any) -> CausalPPLError:
    return error(span, f"the output '{path}' is the file the rows are read from: writing it would destroy them "
                       "while they are read", "write the scored rows to another file (-o)")


# ---------------------------------------------------------------- columns ----


def multiindex_columns(span: Span, origin: str) -> CausalPPLError:
    return error(span, f"{origin}: the columns are a MultiIndex; name each column after one model variable",
                 "flatten them first, e.g. frame.columns = ['_'.join(map(str, c)) for c in frame.columns]")


def data_frame_twice(position: int, first: int) -> CausalPPLError:
    """The same DataFrame object given twice in one list of data (positions counted from 1): its rows would
    count twice."""
    return error(Span.unknown("<DataFrame>"), f"the DataFrame at position {position} of the data is the one at "
                 f"position {first}: reading it again would count its rows twice", "give each DataFrame once")


def column_twice(span: Span, origin: str, shown: str) -> CausalPPLError:
    return error(span, f"{origin}: the column '{shown}' appears more than once",
                 "give each column one name; which of the copies is meant cannot be told")


def column_for_latent(span: Span, origin: str, name: str) -> CausalPPLError:
    return error(span, f"{origin}: column '{name}' is for the latent variable '{name}', which is never observed",
                 f"drop the column, or remove 'latent' from '{name}' if it is measured")


def column_for_parameter(span: Span, origin: str, name: str) -> CausalPPLError:
    return error(span, f"{origin}: column '{name}' is for the parameter '{name}', which is shared by all units and "
                       "has no column", "drop the column; the data teach the parameter")


def unused_columns(span: Span, origin: str, shown: Sequence[str], more: bool) -> Diagnostic:
    """A warning: columns that name no model variable (``shown``: at most five; ``more``: there are others)."""
    listed = ", ".join(f"'{name}'" for name in shown) + (", ..." if more else "")
    plural = len(shown) > 1
    what = "are not model variables" if plural else "is not a model variable"
    return Diagnostic(span, f"{origin}: column{'s' * plural} {listed} {what} and will be ignored", "warning",
                      "check the spelling of column names")


def no_column_for_variable(span: Span, origin: str, name: str) -> CausalPPLError:
    return error(span, f"{origin}: no column '{name}' for the observed variable '{name}'",
                 f"add the column, or declare it 'latent {name} ...' if it is never measured")


def no_column_for_evidence(span: Span, origin: str, name: str) -> CausalPPLError:
    return error(span, f"{origin}: no column '{name}' for the per-row evidence '| {name}'",
                 f"add the column, or give the evidence a value in the query ('{name} = ...')")


def complex_column(span: Span, origin: str, name: str) -> CausalPPLError:
    return error(span, f"{origin}, column '{name}': {wrong_type(name, 1j).message}")


# ------------------------------------------------------------------ cells ----


def bad_cell(span: Span, where: str, name: str, domain: Domain, value: Any) -> CausalPPLError:
    """A cell that does not fit its variable, in the value validator's words (``where``: :func:`cell`)."""
    if isinstance(value, str) and len(value) > 40:
        value = shown_value(value)[1:-1]  # a long cell is shown cut short (it fits no variable either way)
    problem = ir_value(name, domain, value)
    if not isinstance(problem, BadValue):  # accepted by the validator, refused by the reader (e.g. True for levels)
        problem = not_a_value(name, domain, shown_value(value))
    return error(span, f"{where}: {problem.message}", problem.hint)


def infinite_cell(span: Span, where: str, name: str, value: float) -> CausalPPLError:
    """A number too large for a float, read as infinite."""
    return error(span, f"{where}: {not_finite(name, value).message}",
                 "a value above about 1.8e308 is read as infinite; rescale the column")


def missing_value(span: Span, where: str, scoring: bool = False) -> CausalPPLError:
    """A missing cell where none may be (``scoring``: in the rows a per-row query scores)."""
    hint = "remove incomplete rows" if scoring else (f"use {spell_option('missing', 'model')} (the likelihood handles "
                                                     f"missing values) or {spell_option('missing', 'drop')} "
                                                     "(complete rows only)")
    return error(span, f"{where}: missing value", hint)


def bad_count(span: Span, where: str, value: float) -> CausalPPLError:
    return error(span, f"{where}: counts must be finite numbers ≥ 0 (got {_number(value)})",
                 "a count says how many units the row stands for")


def counts_overflow(span: Span, where: str) -> CausalPPLError:
    return error(span, f"{where}: the counts up to this row add up to more than a number can hold (about 1.8e308)",
                 "a count says how many units the row stands for: scale the counts down")


def count_not_whole(where: str, value: float) -> ValueError:
    """A fractional count where discrete latent variables need whole units."""
    return ValueError(f"{where}: {value!r} is not a whole number; models with discrete latent variables need "
                      "whole-number counts")


def contradicts_data_line(span: Span, where: str, name: str, label: str) -> CausalPPLError:
    return error(span, f"{where}: the data line says do({name} = {label}), but this row has another value",
                 f"drop the '{name}' column, or use 'under do({name})' if the experiment set it row by row")


def outside_support(span: Span, where: str, name: str, value: float, family: str, words: str) -> CausalPPLError:
    return error(span, f"{where}: {_number(value)} is outside the support of {family} ({words})",
                 f"check the data, or give '{name}' a distribution whose values include it")


__all__ = ["cell", "bad_cell"]
