"""``causalppl score``: per-row queries over a DataFrame or a file streamed in chunks.

Each chunk of rows is scored by :func:`.frames.score_frame` (every query
answered for the whole chunk by the engine the planner chooses, see
:mod:`causalppl.inference.rows`).  Files are read and written chunk by
chunk, so a file larger than memory is scored in constant memory; a
progress bar counts the rows.  With ``ray_address`` the same chunks, read
by the same reader (:func:`file_chunks`, :func:`frame_chunks`), are scored
on a Ray cluster instead (:mod:`.ray_score`).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Callable, Iterator, Sequence

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from causalppl.data import messages as data_messages
from causalppl.data.rows import PARQUET_SUFFIXES, RowWriter, count_rows, read_chunks
from causalppl.diagnostics import Span
from causalppl.files import require_regular_file
from causalppl.inference.options import Options
from causalppl.inference.scale.frames import ScoreSummary, prepare, score_frame
from causalppl.inference.scale.ray_score import score_on_ray
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import QuerySpec


def score_path(model: CausalModel, specs: Sequence[QuerySpec], path: Path, output: Path | None, options: Options,
               span: Span | None = None) -> ScoreSummary:
    """Score a CSV or Parquet file chunk by chunk into ``output`` (CSV on stdout when None)."""
    if output is not None and _same_file(path, output):
        raise data_messages.output_is_input(span or Span.unknown(str(output)), output)
    require_regular_file(path, "data file", span)  # (a pipe or a device would block or never end)
    options = prepare(model, specs, options)
    summary = ScoreSummary(output=str(output) if output is not None else None)
    total = count_rows(path)
    with _writer(output, span) as write, _progress(options.quiet, total) as advance:
        # pass-through columns written back as CSV keep their text; Parquet stores the inferred types
        text = output is None or output.suffix.lower() not in PARQUET_SUFFIXES
        for frame in _chunks(model, specs, path, options, summary, span, text):
            write(frame)
            advance(len(frame))
    return summary


def _same_file(path: Path, output: Path) -> bool:
    """Whether writing ``output`` would overwrite ``path`` (the same file, by any name)."""
    try:
        return output.resolve() == path.resolve() or (output.exists() and output.samefile(path))
    except OSError:
        return False


def score_dataframe(model: CausalModel, specs: Sequence[QuerySpec], frame: pd.DataFrame,
                    options: Options, origin: str = "<DataFrame>") -> tuple[pd.DataFrame, ScoreSummary]:
    """Score a DataFrame in chunks of ``chunk_size`` rows (locally, or on Ray); errors name rows of ``origin``."""
    options = prepare(model, specs, options)
    summary = ScoreSummary()
    chunks = frame_chunks(frame, options.scale.chunk_size)
    if options.scale.ray_address is not None:
        parts = list(score_on_ray(model, specs, chunks, options, summary, origin))
    else:
        constants: dict[str, dict] = {}
        with _progress(options.quiet or len(frame) <= options.scale.chunk_size, len(frame)) as advance:
            parts = []
            for chunk, first_row in chunks:
                part = score_frame(model, specs, chunk, options, origin, first_row, summary, constants)
                parts.append(part)
                advance(len(part))
    scored = pd.concat(parts) if len(parts) > 1 else parts[0]  # (a DataFrame always gives one chunk at least)
    return scored, summary


def frame_chunks(frame: pd.DataFrame, size: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """Slices of ``size`` rows of a DataFrame, each with the number of its first row (one, empty, for no rows)."""
    for start in range(0, max(len(frame), 1), size):
        yield frame.iloc[start:start + size], start + 1


def file_chunks(model: CausalModel, path: Path, size: int, span: Span | None = None,
                text: bool = False) -> Iterator[tuple[pd.DataFrame, int]]:
    """The rows of a CSV or Parquet file, ``size`` at a time, each chunk with the number of its first row: what
    both routes score, on this machine or on Ray.  ``text``: a CSV column the model does not name is read as
    text exactly as written (``007``, ``NA``), for a CSV output that keeps it; else every type is inferred."""
    first_row = 1
    parsed = model.topological_names() if text else None  # (None: every column's type inferred)
    for frame in read_chunks(path, size, span, parsed):
        yield frame, first_row
        first_row += len(frame)


def _chunks(model, specs, path: Path, options: Options, summary: ScoreSummary, span,
            text: bool = False) -> Iterator[pd.DataFrame]:
    chunks = file_chunks(model, path, options.scale.chunk_size, span, text)
    if options.scale.ray_address is not None:
        yield from score_on_ray(model, specs, chunks, options, summary, path.name)
        return
    constants: dict[str, dict] = {}
    for frame, first_row in chunks:
        yield score_frame(model, specs, frame, options, path.name, first_row, summary, constants)


@contextlib.contextmanager
def _writer(output: Path | None, span: Span | None) -> Iterator[Callable[[pd.DataFrame], None]]:
    if output is None:
        header = [True]

        def to_stdout(frame: pd.DataFrame) -> None:
            frame.to_csv(sys.stdout, header=header[0], index=False)
            header[0] = False

        yield to_stdout
        return
    with RowWriter(output, span) as writer:
        yield writer.write


@contextlib.contextmanager
def _progress(quiet: bool, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar of rows scored, on stderr; a no-op when quiet."""
    if quiet:
        yield lambda rows: None
        return
    columns = (TextColumn("score"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task("score", total=total)
        yield lambda rows: progress.advance(task, rows)
