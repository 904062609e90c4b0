"""Scoring on a Ray cluster: Ray Data ``map_batches`` with actors that hold the compiled model.

The rows become a Ray Dataset (``from_pandas`` for a DataFrame; for a file,
``read_csv``/``read_parquet``, which every node must be able to read: a
shared file system or object store).  Each actor is built once with the
model's IR, the checked queries and the options (fitted posteriors
included), and scores batches of ``chunk_size`` rows with the same code as
the local route (:func:`.frames.score_frame`); Ray schedules the actors
over the cluster, one CPU each.  Batches come back in order and are written
by the caller, so the output is one file, the same as on one machine.  A
few rows are first scored here, so that a mistake in the query or a missing
column is reported before the cluster starts.
"""

from __future__ import annotations

import inspect
import pickle
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from causalppl.data.rows import read_chunks
from causalppl.diagnostics import CausalPPLError
from causalppl.inference.options import Options
from causalppl.inference.scale.cluster import cluster_cpus, connect
from causalppl.inference.scale.frames import ScoreSummary, score_frame
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import QuerySpec

ROW_NUMBER = "__causalppl_row__"  # row numbers travel with DataFrame rows, for errors
ERROR = "__causalppl_error__"  # a user error found by an actor travels back as a one-cell batch
PROBE_ROWS = 16


class ScoreActor:
    """A Ray actor: the model, queries and options, built once; scores one pandas batch per call."""

    def __init__(self, model: CausalModel, specs: Sequence[QuerySpec], options: Options, origin: str) -> None:
        self.model, self.specs, self.options, self.origin = model, tuple(specs), options, origin
        self.constants: dict[str, dict] = {}

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        numbers = None
        if ROW_NUMBER in batch.columns:
            numbers = batch[ROW_NUMBER].to_numpy()
            batch = batch.drop(columns=[ROW_NUMBER])
        try:
            return score_frame(self.model, self.specs, batch, self.options, self.origin, None, None,
                               self.constants, numbers=numbers)
        except CausalPPLError as error:  # Ray would wrap it past recognition: send it back as data
            return pd.DataFrame({ERROR: [pickle.dumps(error)]})


def score_on_ray(model: CausalModel, specs: Sequence[QuerySpec], source: Path | pd.DataFrame, options: Options,
                 summary: ScoreSummary) -> Iterator[pd.DataFrame]:
    """Scored batches of ``source`` in order, computed by actors on the cluster at ``options.scale.ray_address``."""
    ray = connect(options.scale.ray_address)
    import ray.data  # noqa: F401 - Ray Data is part of the ray extra

    local = replace(options, quiet=True, scale=replace(options.scale, ray_address=None))
    origin = source.name if isinstance(source, Path) else "<DataFrame>"
    _probe(model, specs, source, local, origin, summary)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = not options.quiet
    actors, actor_cpus = actor_pool(cluster_cpus(ray), reading=not isinstance(source, pd.DataFrame))
    dataset = _dataset(ray, source)
    scored = dataset.map_batches(ScoreActor, fn_constructor_args=(model, tuple(specs), local, origin),
                                 batch_format="pandas", batch_size=options.scale.chunk_size,
                                 concurrency=actors, num_cpus=actor_cpus)
    try:
        for batch in scored.iter_batches(batch_format="pandas", batch_size=None):
            if ERROR in batch.columns:
                errors = batch[ERROR].dropna()
                if len(errors):
                    raise pickle.loads(errors.iloc[0])
                batch = batch.drop(columns=[ERROR])
            summary.rows += len(batch)
            yield _numpy_columns(batch)
    except Exception as error:  # a user error inside an actor comes back wrapped by Ray
        cause = _user_error(error)
        if cause is None:
            raise
        raise cause from None


READ_CPUS = 0.5  # what each file-reading task of Ray Data asks for


def actor_pool(cpus: int, reading: bool) -> tuple[int, float]:
    """How many scoring actors, and the CPUs each asks for, on a cluster of ``cpus`` CPUs.

    Actors hold their CPUs for the whole run. When the rows come from a file,
    Ray Data's reading tasks need CPUs beside them: an actor on every CPU left
    the reads unscheduled and the run waited forever. So one CPU is left to the
    reads (half of the only one, on a one-CPU cluster).

    >>> actor_pool(8, reading=False), actor_pool(8, reading=True), actor_pool(1, reading=True)
    ((8, 1), (7, 1), (1, 0.5))
    """
    if not reading:
        return cpus, 1
    return (cpus - 1, 1) if cpus >= 2 else (1, 1 - READ_CPUS)


def _numpy_columns(batch: pd.DataFrame) -> pd.DataFrame:
    """Columns as the local route gives them (numpy dtypes, not Arrow-backed ones)."""
    for name in batch.columns:
        dtype = batch[name].dtype
        if isinstance(dtype, pd.ArrowDtype):
            numpy_dtype = dtype.numpy_dtype
            batch[name] = batch[name].to_numpy(dtype=object if numpy_dtype.kind in "OSU" else numpy_dtype)
    return batch


def _dataset(ray: Any, source: Path | pd.DataFrame) -> Any:
    if isinstance(source, pd.DataFrame):
        numbered = source.assign(**{ROW_NUMBER: np.arange(1, len(source) + 1)})
        return ray.data.from_pandas(numbered)
    reader = ray.data.read_parquet if source.suffix.lower() in (".parquet", ".pq") else ray.data.read_csv
    # newer Ray names the reading tasks' resources directly (ray_remote_args is deprecated from 2.60)
    named = "num_cpus" in inspect.signature(reader).parameters
    read = {"num_cpus": READ_CPUS} if named else {"ray_remote_args": {"num_cpus": READ_CPUS}}
    return reader(str(source.resolve()), **read)


def _probe(model, specs, source, options: Options, origin: str, summary: ScoreSummary) -> None:
    """Score the first rows here: errors in the query or the columns appear before the cluster is busy."""
    if isinstance(source, pd.DataFrame):
        head = source.head(PROBE_ROWS)
    else:
        head = next(read_chunks(source, PROBE_ROWS), pd.DataFrame())
    probe = ScoreSummary()
    score_frame(model, specs, head, options, origin, 1, probe)
    summary.answered.update(probe.answered)


def _user_error(error: BaseException) -> CausalPPLError | None:
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, CausalPPLError):
            return error
        error = getattr(error, "cause", None) or error.__cause__
        seen += 1
    return None
