"""Worker processes on one machine: fresh (spawned) processes that never run the user's script again.

Every stage that spreads work over local processes (parallel NUTS chains, bounds of posterior draws) goes
through :func:`process_map`::

    >>> from causalppl.processes import process_map
    >>> process_map(abs, [-1, 2, -3], workers=1)
    [1, 2, 3]
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Job = TypeVar("Job")
Answer = TypeVar("Answer")


def process_map(function: Callable[[Job], Answer], jobs: Iterable[Job], workers: int) -> list[Answer]:
    """``[function(job) for job in jobs]`` in ``workers`` spawned processes (in this one when ``workers`` <= 1).

    ``function`` must be importable (a module-level function of this package); an exception raised in a
    worker is raised here.
    """
    jobs = list(jobs)
    if workers <= 1 or len(jobs) <= 1:
        return [function(job) for job in jobs]
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=spawn_context()) as pool:
        with user_script_hidden():  # (the workers start as the jobs are submitted, all of them here)
            answers = pool.map(function, jobs)
        return list(answers)


def spawn_context() -> multiprocessing.context.BaseContext:
    """Fresh worker processes: a fork of a process holding torch's thread pools can deadlock."""
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def user_script_hidden() -> Iterator[None]:
    """Worker processes started meanwhile do not run the user's script again.

    A spawned process first runs the parent's ``__main__`` module (as ``__mp_main__``) so that functions
    defined there can be unpickled. Our workers need nothing from it: they run functions of this package on
    source text and arrays. A script without an ``if __name__ == "__main__":`` guard would otherwise run
    again in every worker (printing twice, or starting workers of its own, which Python refuses). So the main
    module's file and spec are hidden while the workers start.
    """
    main = sys.modules.get("__main__")
    hidden = ("__file__", "__spec__")
    if main is None or not all(name in main.__dict__ for name in hidden):
        yield
        return
    saved = {name: main.__dict__[name] for name in hidden}
    del main.__file__
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.update(saved)


__all__ = ["process_map", "spawn_context", "user_script_hidden"]
