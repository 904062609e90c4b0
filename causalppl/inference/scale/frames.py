"""Scoring one frame of rows: every query answered for the whole frame, one column (or a few) per query.

The output keeps the input's columns and adds, per query, ``NAME`` (the
query's name, else ``q1``, ``q2``, ... by its position), and ``NAME_lo`` and
``NAME_hi`` where the method gives intervals (``NAME[level]`` for a
distribution ``P(Y | ...)``).  A query without per-row evidence is the
same for every row and is answered once.  Unknowns learned from data are
fitted once (:func:`prepare`), before the first frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import pandas as pd

from causalppl.data.rows import RowBatch, row_batch
from causalppl.diagnostics import CausalPPLError, Span
from causalppl.inference.options import Options
from causalppl.inference.plan import answer, fit_posterior, plan_query
from causalppl.inference.results import Result
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import QuerySpec, per_row_evidence


@dataclass
class ScoreSummary:
    """What was scored: rows, and for each query the engine and method that answered (from the first chunk)."""

    rows: int = 0
    answered: dict[str, Result] = field(default_factory=dict)
    output: str | None = None


def column_names(specs: Sequence[QuerySpec]) -> list[str]:
    """The output column of each query: its name, else ``q1``, ``q2``, ... by its position.

    >>> from causalppl.diagnostics import Span
    >>> from causalppl.ir.queries import NumberSpec
    >>> one = NumberSpec(1.0, Span.unknown())
    >>> column_names([QuerySpec("pn", "estimate", one, "1", Span.unknown()),
    ...               QuerySpec(None, "estimate", one, "1", Span.unknown())])
    ['pn', 'q2']
    """
    return [spec.name or f"q{index}" for index, spec in enumerate(specs, start=1)]


def _refuse_collisions(specs: Sequence[QuerySpec], names: list[str], frame: pd.DataFrame) -> None:
    seen: set[str] = set()
    for spec, name in zip(specs, names):
        if name in frame.columns:
            raise CausalPPLError.at(spec.span, f"the score column '{name}' would overwrite a column of the data",
                                    "name the query differently (query NAME = ...)")
        if name in seen:
            raise CausalPPLError.at(spec.span, f"two queries are named '{name}': their score columns would clash",
                                    "give each query its own name (query NAME = ...)")
        seen.add(name)


def _refuse_column_clashes(spec: QuerySpec, labels: list[str], taken: set) -> None:
    """A query's output columns (``NAME[level]``, ``NAME_lo``, ...) must be new: not a data column, not another
    query's."""
    for label in labels:
        if label in taken:
            raise CausalPPLError.at(spec.span, f"the score column '{label}' would overwrite a column of the data "
                                               "or of another query", "name the query differently (query NAME = ...)")
        taken.add(label)


def prepare(model: CausalModel, specs: Sequence[QuerySpec], options: Options) -> Options:
    """Fit the unknowns once when a per-row query needs a posterior (every chunk then reuses it)."""
    if options.fitted is not None:
        return options
    probe = RowBatch({}, 0, "<plan>")
    for spec in specs:
        if per_row_evidence(spec.term) and plan_query(model, spec, options.with_context(
                data=options.data, rows=probe)).engine == "rows-learned":
            return options.with_context(data=options.data, fitted=fit_posterior(model, options))
    return options


def score_frame(model: CausalModel, specs: Sequence[QuerySpec], frame: pd.DataFrame, options: Options,
                origin: str = "<DataFrame>", first_row: int | None = 1,
                summary: ScoreSummary | None = None, constants: dict[str, dict] | None = None) -> pd.DataFrame:
    """``frame`` with one column (or a few) per query, every row answered in one batch per query.

    Rows are numbered from ``first_row`` in errors (not at all when it is None).
    """
    domains = {name: model.variable(name).domain for spec in specs for name in per_row_evidence(spec.term)}
    rows = row_batch(frame, domains, origin, first_row)
    options = _chunk_seed(options, first_row)
    parts: list[pd.DataFrame] = []
    constants = {} if constants is None else constants
    names = column_names(specs)
    _refuse_collisions(specs, names, frame)
    taken = set(frame.columns)
    for spec, name in zip(specs, names):
        if not per_row_evidence(spec.term):
            if name not in constants:
                result = answer(model, spec, options.with_context(data=options.data, fitted=options.fitted))
                constants[name] = _constant_columns(name, result)
                _remember(summary, name, result)
            labels = list(constants[name])
            _refuse_column_clashes(spec, labels, taken)
            block = np.empty((len(labels), len(frame)))
            block[...] = np.asarray(list(constants[name].values()), dtype=np.float64)[:, None]
            parts.append(_part(labels, block, frame.index))
            continue
        result = answer(model, spec, options.with_context(data=options.data, fitted=options.fitted, rows=rows))
        _remember(summary, name, result)
        labels, block = result.rows.block(name)
        _refuse_column_clashes(spec, labels, taken)
        parts.append(_part(labels, block, frame.index))
    # one concatenation, not a column inserted at a time; neither the input's columns nor the answers' blocks
    # are copied (copy-on-write)
    scored = pd.concat([frame, *parts], axis=1) if parts else frame.copy()
    if summary is not None:
        summary.rows += len(frame)
    return scored


def _part(labels: list[str], block: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """A query's output columns from its ``(columns, rows)`` block in C order, without copying it (the frame's
    block is the transpose of the array it is given); each column stays contiguous."""
    return pd.DataFrame(block.T, columns=labels, index=index, copy=False)


def _chunk_seed(options: Options, first_row: int | None) -> Options:
    """Each chunk its own random stream, fixed by the seed and its first row (the same on Ray and locally)."""
    if options.seed is None:
        return options
    return replace(options, seed=(options.seed + (first_row or 1) - 1) % (2**32))


def _constant_columns(name: str, result: Result) -> dict:
    if result.distribution is not None:
        return {f"{name}[{label}]": value for label, value in result.distribution.items()}
    if result.estimate is None:
        raise CausalPPLError.at(Span.unknown(name), f"'{name}' has no single value to put in a column",
                                "score estimates: probabilities and expectations")
    columns = {name: result.estimate}
    if result.interval is not None:
        columns[f"{name}_lo"], columns[f"{name}_hi"] = result.interval
    return columns


def _remember(summary: ScoreSummary | None, name: str, result: Result) -> None:
    if summary is not None and name not in summary.answered:
        summary.answered[name] = result
