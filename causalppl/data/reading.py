"""Reading data files in chunks: CSV and Parquet, with bounded memory and a progress bar.

Only the model's columns (and ``count``) are parsed, ``CHUNK_ROWS`` rows at a
time; each chunk is validated into numeric columns and dropped before the
next is read, so memory grows with the numbers kept (8 bytes per cell), not
with the text of the file.  A progress bar on stderr shows the rows read
(unless ``quiet``; the command line is quiet when stderr is not a terminal).

CSV files up to :data:`~causalppl.data.text.SMALL_CSV_BYTES` are read whole
by Python's csv module with pandas' meaning of every cell
(:mod:`causalppl.data.text`), so a run on a small table never imports
pandas; larger ones by pandas' C reader, in chunks.
"""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from causalppl.data import messages
from causalppl.data.loading import Dataset, chunked_dataset, wanted_columns
from causalppl.data.text import SMALL_CSV_BYTES, read_text_csv, read_text_header, strict_rows
from causalppl.diagnostics import CausalPPLError, Span
from causalppl.files import require_regular_file
from causalppl.ir.model import CausalModel

if TYPE_CHECKING:
    import pandas as pd

CHUNK_ROWS = 200_000
PARQUET_SUFFIXES = (".parquet", ".pq")


def read_dataset(path: Path, model: CausalModel, under: tuple[tuple[str, float | None], ...], origin: str,
                 span: Span, missing: str = "model", quiet: bool = True) -> Dataset:
    """One validated block from a CSV or Parquet file (errors name the file, the column and the row)."""
    if not path.exists():
        raise messages.no_data_file(span, path)
    require_regular_file(path, "data file", span)
    wanted = wanted_columns(model)
    parquet = path.suffix.lower() in PARQUET_SUFFIXES
    try:
        size = path.stat().st_size
        header = _parquet_header(path) if parquet else read_text_header(path)
        if not parquet and size <= SMALL_CSV_BYTES:
            return chunked_dataset(iter((read_text_csv(path, wanted),)), header, model, under, origin, span, missing)
        chunks = _parquet_chunks(path, wanted) if parquet else _csv_chunks(path, wanted)
        with _progress(quiet, origin, size) as advance:
            return chunked_dataset(_counted(chunks, advance), header, model, under, origin, span, missing)
    except (OSError, ValueError, UnicodeDecodeError, csv.Error, ImportError) as error:  # malformed files
        # (pandas' ParserError is a ValueError)
        raise messages.unreadable_data_file(span, path, error) from None


def refuse_repeated_files(files: Iterable[tuple[Path, Span]]) -> None:
    """The same file given twice (by any name: ``rows.csv``, ``./rows.csv``, a link to it) is an error at the
    second naming the first: its rows would count twice. (A file that cannot be opened is left to its reading.)"""
    seen: dict[tuple[int, int], tuple[Path, Span]] = {}
    for path, span in files:
        try:
            status = path.stat()
        except (OSError, ValueError):
            continue
        key = (status.st_dev, status.st_ino)
        if key in seen:
            raise messages.data_file_twice(span, path, *seen[key])
        seen[key] = (path, span)


def read_table(path: Path, span: Span) -> pd.DataFrame:
    """The whole file as a DataFrame (small files; models read theirs with :func:`read_dataset`)."""
    if not path.exists():
        raise messages.no_data_file(span, path)
    require_regular_file(path, "data file", span)
    import pandas as pd

    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            return pd.read_parquet(path)
        with strict_rows(path, span):
            frame = pd.read_csv(path, skipinitialspace=True, encoding="utf-8-sig", index_col=False)
        frame.attrs["header"] = read_text_header(path)  # read_csv renames a repeated 'A' to 'A.1'
        return frame
    except CausalPPLError:
        raise
    except Exception as error:  # pandas raises many kinds for malformed files
        raise messages.unreadable_data_file(span, path, error) from None


# ------------------------------------------------------------------ CSV ----


def _csv_chunks(path: Path, wanted: set[str]) -> Iterator[tuple[pd.DataFrame, int]]:
    import pandas as pd

    with open(path, "rb") as handle:
        reader = pd.read_csv(handle, usecols=lambda c: str(c).strip() in wanted, chunksize=CHUNK_ROWS,
                             skipinitialspace=True, low_memory=True, encoding="utf-8-sig")
        with reader:
            for chunk in reader:
                yield chunk, handle.tell()


# -------------------------------------------------------------- Parquet ----


def _parquet_header(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return [str(name).strip() for name in pq.ParquetFile(path).schema_arrow.names]


def _parquet_chunks(path: Path, wanted: set[str]) -> Iterator[tuple[pd.DataFrame, int]]:
    import pyarrow.parquet as pq

    source = pq.ParquetFile(path)
    names = [name for name in source.schema_arrow.names if str(name).strip() in wanted]
    size, rows_total, read = path.stat().st_size, max(source.metadata.num_rows, 1), 0
    for batch in source.iter_batches(batch_size=CHUNK_ROWS, columns=names):
        read += batch.num_rows
        yield batch.to_pandas(), int(size * read / rows_total)


# ------------------------------------------------------------- progress ----


def _counted(chunks: Iterator[tuple[pd.DataFrame, int]], advance: Callable[[int, int], None]) -> Iterator[pd.DataFrame]:
    rows = 0
    for chunk, position in chunks:
        rows += len(chunk)
        yield chunk
        advance(rows, position)


@contextlib.contextmanager
def _progress(quiet: bool, origin: str, size: int) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar of bytes read, showing the rows read so far; a no-op when quiet."""
    if quiet:
        yield lambda rows, position: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(f"reading {origin}"), BarColumn(), TextColumn("{task.fields[rows]} rows"),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:  # rich, only for large files
        task = progress.add_task("read", total=max(size, 1), rows="0")
        yield lambda rows, position: progress.update(task, completed=min(position, size), rows=f"{rows:,}")
        progress.update(task, completed=max(size, 1))


__all__ = ["read_dataset", "read_table", "refuse_repeated_files", "CHUNK_ROWS"]
