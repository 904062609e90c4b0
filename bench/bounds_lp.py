"""Timings of the bounds backend (a script, not a test).

Run ``python -m bench.bounds_lp`` from the repository root. It prints, for
each problem, the number of LP columns (merged response types) and rows and
the time to build and solve both bounds; then the time to bound 1,000
Dirichlet posterior draws of the Vitamin A data, through the dual vertices
and through one linear program per draw.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

from causalppl.backends.bounds import (
    CfAtom,
    DiscreteGraph,
    LinearQuery,
    bounds_for_draws,
    sharp_bounds,
)
from causalppl.backends.bounds.formulation import (
    LinearSystem,
    Regime,
    Skeleton,
    build_skeleton,
    data_regimes,
    linear_system,
)
from causalppl.backends.bounds.solve import bound_query

VITAMIN_A_COUNTS = np.array([74, 11514, 0, 0, 34, 2385, 12, 9663], dtype=float).reshape(2, 2, 2)


def ace(treatment: str, outcome: str) -> LinearQuery:
    def under(level: int) -> CfAtom:
        return CfAtom(outcome, ((treatment, level),), 1)

    return LinearQuery(((1.0, (under(1),)), (-1.0, (under(0),))))


def instrument_graph(levels: int) -> DiscreteGraph:
    return DiscreteGraph(
        {"Z": levels, "X": 2, "Y": 2}, {"X": ("Z",), "Y": ("X",)}, frozenset({frozenset({"X", "Y"})})
    )


def confounded_chain(length: int) -> DiscreteGraph:
    """Z -> X1 -> ... -> X{length}, consecutive X's confounded: one c-component of ``length`` binaries."""
    names = [f"X{i}" for i in range(1, length + 1)]
    cards = {"Z": 2, **{name: 2 for name in names}}
    parents = {name: (previous,) for previous, name in zip(["Z"] + names, names)}
    arcs = frozenset(frozenset(pair) for pair in zip(names, names[1:]))
    return DiscreteGraph(cards, parents, arcs)


def random_distribution(graph: DiscreteGraph, rng: np.random.Generator) -> np.ndarray:
    """A distribution compatible with ``graph``: deterministic responses mixed over a shared latent."""
    shape = graph.shape()
    joint = np.zeros(shape)
    for _ in range(50):
        tables = {
            name: rng.integers(0, graph.cards[name], size=graph.shape(graph.parents[name]) or (1,))
            for name in graph.variables
        }
        for z in range(shape[0]):
            values = {graph.variables[0]: z}
            for name in graph.variables[1:]:
                values[name] = int(tables[name][tuple(values[p] for p in graph.parents[name])])
            joint[tuple(values[name] for name in graph.variables)] += 1.0 / shape[0]
    return joint / joint.sum()


def timed(action: Callable[[], object], repeats: int = 3) -> tuple[object, float]:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return result, best


def report_program(label: str, graph: DiscreteGraph, query: LinearQuery, joint: np.ndarray) -> None:
    def build() -> tuple[Skeleton, tuple[Regime, ...], LinearSystem]:
        regimes = data_regimes(graph, joint, ())
        skeleton = build_skeleton(graph, query, [regime.interventions for regime in regimes])
        return skeleton, regimes, linear_system(skeleton, regimes)

    (skeleton, regimes, system), build_seconds = timed(build)
    solved, solve_seconds = timed(lambda: bound_query(skeleton, regimes, query, system, 1e-6))
    print(
        f"{label:<28} columns {skeleton.n_columns:>6} (of {skeleton.space.n_joint_types:>6} types)  "
        f"rows {system.n_rows:>4}  build {build_seconds * 1e3:6.1f} ms  solve {solve_seconds * 1e3:6.1f} ms  "
        f"bounds [{solved.lower:+.4f}, {solved.upper:+.4f}]"
    )


def report_draws(
    label: str, graph: DiscreteGraph, query: LinearQuery, draws: np.ndarray, **options: int
) -> None:
    result, seconds = timed(lambda: bounds_for_draws(graph, query, draws, **options), repeats=1)
    print(
        f"{label:<28} {len(draws)} draws  {result.method:<16} vertices {result.n_vertices:>5}  "
        f"LPs {result.n_programs:>5}  infeasible {result.n_infeasible:>4}  {seconds:7.3f} s"
    )


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, {os.cpu_count()} CPUs")
    print("== single programs (ACE; best of 3; solve = min and max programs) ==")
    report_program("binary IV (Vitamin A)", instrument_graph(2), ace("X", "Y"), VITAMIN_A_COUNTS)
    for levels in range(3, 7):
        graph = instrument_graph(levels)
        report_program(f"{levels}-valued instrument", graph, ace("X", "Y"), random_distribution(graph, rng))
    for length in range(2, 8):
        graph = confounded_chain(length)
        joint = random_distribution(graph, rng)
        report_program(f"confounded chain, {length} vars", graph, ace("X1", f"X{length}"), joint)

    print("== posterior draws ==")
    draws = rng.dirichlet(VITAMIN_A_COUNTS.ravel() + 1, size=1000).reshape(1000, 2, 2, 2)
    report_draws("Vitamin A ACE", instrument_graph(2), ace("X", "Y"), draws)
    report_draws("Vitamin A ACE (no vertices)", instrument_graph(2), ace("X", "Y"), draws, max_rays=0)
    _, seconds = timed(lambda: [sharp_bounds(instrument_graph(2), ace("X", "Y"), draw) for draw in draws], 1)
    label = "Vitamin A ACE, sharp_bounds"
    print(f"{label:<28} {len(draws)} draws  one sharp_bounds call per draw {'':>25}{seconds:7.3f} s")
    for levels in (3, 4, 5):
        graph = instrument_graph(levels)
        joint = random_distribution(graph, rng)
        many = rng.dirichlet(joint.ravel() * 5000 + 1, size=1000).reshape((1000,) + joint.shape)
        report_draws(f"{levels}-valued instrument ACE", graph, ace("X", "Y"), many)
    for length in (3, 4, 5):
        graph = confounded_chain(length)
        joint = random_distribution(graph, rng)
        many = rng.dirichlet(joint.ravel() * 5000 + 1, size=1000).reshape((1000,) + joint.shape)
        report_draws(f"confounded chain, {length} vars", graph, ace("X1", f"X{length}"), many)


if __name__ == "__main__":
    main()
