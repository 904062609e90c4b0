"""Scoring on a Ray cluster: a pool of Ray actors that hold the compiled model, fed chunks of rows in order.

The chunks are the local route's own (:func:`.score.file_chunks` reads a
file with :func:`causalppl.data.rows.read_chunks`, so a column the model
does not name keeps its text exactly as on one machine; a DataFrame is cut
into slices), each with the number of its first row.  Each actor is built
once with the model's IR, the checked queries and the options (fitted
posteriors included), and scores a chunk with the same code as the local
route (:func:`.frames.score_frame`), seeded by the chunk's first row as
there: the scores, and the rows errors name, are those of one machine.  Ray
places the actors over the cluster, one CPU each.  At most
:data:`CHUNKS_PER_ACTOR` chunks per actor are in flight, so memory does not
grow with the file; scored chunks come back in order and are written by the
caller, so the output is one file.  The rows are read by this process (the
cluster's nodes need not see the file).  A few rows are first scored here,
so that a mistake in the query or a missing column is reported before the
cluster starts.
"""

from __future__ import annotations

import itertools
import pickle
from dataclasses import replace
from typing import Iterable, Iterator, Sequence

import pandas as pd

from causalppl.diagnostics import CausalPPLError
from causalppl.inference.options import Options
from causalppl.inference.scale.cluster import cluster_cpus, connect
from causalppl.inference.scale.frames import ScoreSummary, score_frame
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import QuerySpec

PROBE_ROWS = 16
CHUNKS_PER_ACTOR = 2  # chunks in flight per actor: one scored while the next waits beside it


class ScoreActor:
    """A Ray actor: the model, queries and options, built once; scores one chunk of rows per call."""

    def __init__(self, model: CausalModel, specs: Sequence[QuerySpec], options: Options, origin: str) -> None:
        self.model, self.specs, self.options, self.origin = model, tuple(specs), options, origin
        self.constants: dict[str, dict] = {}

    def score(self, frame: pd.DataFrame, first_row: int) -> tuple[pd.DataFrame | None, bytes | None]:
        """The scored chunk, or the user error it raised (Ray would wrap the error past recognition: it travels
        back pickled, as data)."""
        try:
            return score_frame(self.model, self.specs, frame, self.options, self.origin, first_row, None,
                               self.constants), None
        except CausalPPLError as error:
            return None, pickle.dumps(error)


def score_on_ray(model: CausalModel, specs: Sequence[QuerySpec], chunks: Iterable[tuple[pd.DataFrame, int]],
                 options: Options, summary: ScoreSummary, origin: str) -> Iterator[pd.DataFrame]:
    """The scored ``chunks`` (each a frame and the number of its first row) in order, computed by actors on the
    cluster at ``options.scale.ray_address``."""
    ray = connect(options.scale.ray_address)
    from ray.util import ActorPool

    local = replace(options, quiet=True, scale=replace(options.scale, ray_address=None))
    chunks = iter(chunks)
    first = next(chunks, None)
    if first is None:
        return
    _probe(model, specs, first[0], local, origin, summary)
    arguments = [ray.put(value) for value in (model, tuple(specs), local, origin)]  # shipped once, not per actor
    actor_class = ray.remote(num_cpus=1)(ScoreActor)
    actors = [actor_class.remote(*arguments) for _ in range(cluster_cpus(ray))]
    pool = ActorPool(actors)
    in_flight = 0
    try:
        for frame, first_row in itertools.chain([first], chunks):
            pool.submit(lambda actor, job: actor.score.remote(*job), (frame, first_row))
            in_flight += 1
            if in_flight >= CHUNKS_PER_ACTOR * len(actors):
                yield _scored(pool.get_next(), summary)
                in_flight -= 1
        while pool.has_next():
            yield _scored(pool.get_next(), summary)
    except Exception as error:  # a user error inside an actor that came back wrapped by Ray
        cause = _user_error(error)
        if cause is None:
            raise
        raise cause from None
    finally:
        for actor in actors:  # (their CPUs are free for the next run on the cluster)
            ray.kill(actor)


def _scored(answer: tuple[pd.DataFrame | None, bytes | None], summary: ScoreSummary) -> pd.DataFrame:
    frame, error = answer
    if error is not None:
        raise pickle.loads(error)
    summary.rows += len(frame)
    return frame


def _probe(model, specs, frame: pd.DataFrame, options: Options, origin: str, summary: ScoreSummary) -> None:
    """Score the first rows here: errors in the query or the columns appear before the cluster is busy."""
    probe = ScoreSummary()
    score_frame(model, specs, frame.head(PROBE_ROWS), options, origin, 1, probe)
    summary.answered.update(probe.answered)


def _user_error(error: BaseException) -> CausalPPLError | None:
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, CausalPPLError):
            return error
        error = getattr(error, "cause", None) or error.__cause__
        seen += 1
    return None
