"""Posterior draws of bounds in blocks: one ``bounds_for_draws`` call per block, Ray tasks on a cluster.

``bounds_for_draws(graph, query, draws, experiments)`` solves a batch of
Dirichlet draws of the observed distribution.  On a cluster the draws are
cut into blocks of about the same size, one Ray task per block, and the
per-draw lower and upper bounds put back together in order; anything else
the engine reports is taken from the first block (counts are summed).  Only
the call and the ``lowers``/``uppers`` of its result are relied on, so the
bounds engine may change underneath.  Without a cluster there is one block.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import numpy as np

from causalppl.inference.scale.cluster import cluster_cpus, connect

SUMMED = ("n_infeasible", "n_programs")  # counts that add up over blocks


def bounds_in_blocks(solve: Callable[..., Any], graph: Any, query: Any, draws: np.ndarray,
                     experiments: Sequence[Any], ray_address: str | None = None,
                     blocks: int | None = None) -> Any:
    """``solve(graph, query, draws, experiments)`` over blocks of draws (Ray tasks when ``ray_address``)."""
    if ray_address is None and not blocks:
        return solve(graph, query, draws, experiments)
    pieces = _blocks(len(draws), blocks, ray_address)
    if ray_address is not None:
        ray = connect(ray_address)
        task = ray.remote(num_cpus=1)(solve_block)  # a function: Ray takes no partial or other callable
        shared = (ray.put(solve), ray.put(graph), ray.put(query), ray.put(list(experiments)))
        results = ray.get([task.remote(shared[0], shared[1], shared[2], draws[piece], shared[3])
                           for piece in pieces])
    else:
        results = [solve(graph, query, draws[piece], experiments) for piece in pieces]
    return merge_blocks(results)


def solve_block(solve: Callable[..., Any], graph: Any, query: Any, draws: np.ndarray,
                experiments: Sequence[Any]) -> Any:
    """One block, in a Ray task: ``solve`` may be any picklable callable (a ``functools.partial``)."""
    return solve(graph, query, draws, experiments)


def merge_blocks(results: list[Any]) -> Any:
    """One result from per-block results: ``lowers``/``uppers`` concatenated in order, counts summed."""
    first = results[0]
    if len(results) == 1:
        return first
    changes: dict[str, Any] = {
        "lowers": np.concatenate([r.lowers for r in results]),
        "uppers": np.concatenate([r.uppers for r in results]),
    }
    names = {f.name for f in dataclasses.fields(first)} if dataclasses.is_dataclass(first) else set()
    changes.update({name: sum(getattr(r, name) for r in results) for name in SUMMED if name in names})
    return dataclasses.replace(first, **changes)


def _blocks(total: int, blocks: int | None, ray_address: str | None) -> list[slice]:
    count = blocks or (2 * cluster_cpus(connect(ray_address)) if ray_address is not None else 1)
    count = max(1, min(count, total))
    edges = np.linspace(0, total, count + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]
