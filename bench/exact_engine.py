"""Benchmark the exact engine against pgmpy's VariableElimination on bnlearn ``alarm``.

Run ``python -m bench.exact_engine`` from the repository root (``--help``
lists the options). It times, in one process and on the same queries:

* ``marginal`` per query: first call (plans the contraction) and repeated
  calls (plan cached), for each planning strategy, against
  ``VariableElimination.query``;
* ``batched_marginal`` on evidence rows simulated from the network, against
  a loop of ``VariableElimination.query`` over the same rows.

Engine answers are checked against pgmpy's (to 1e-9) as they are timed. The
CPDs are renormalised first (see ``normalized_alarm``). On a busy machine,
``--threads 1`` gives steadier figures.
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from bench.common import best_time
from causalppl.backends.exact import (
    Factor,
    batched_marginal,
    clear_plan_cache,
    marginal,
)
from causalppl.backends.exact.planning import Strategy

warnings.filterwarnings("ignore", category=FutureWarning)

from pgmpy.inference import VariableElimination  # noqa: E402
from pgmpy.utils import get_example_model  # noqa: E402  (reads a file bundled with pgmpy)

STRATEGIES: tuple[Strategy, ...] = ("min_fill", "min_weight", "greedy")
BATCH_TARGET = "LVFAILURE"
FEW_OBSERVED = ("HRBP", "BP", "SAO2", "EXPCO2", "HISTORY", "CVP")
MANY_OBSERVED = (*FEW_OBSERVED, "PCWP", "HREKG", "HRSAT", "MINVOL", "PRESS", "PAP", "FIO2", "CO")


@dataclass(frozen=True)
class Query:
    """One marginal query: a target variable and evidence as level indices."""

    target: str
    evidence: dict[str, int]


def normalized_alarm():
    """bnlearn alarm with every CPD renormalised.

    Two of its CPDs (HREKG, HRSAT) sum to 1 +- 1e-7; pgmpy drops them when
    barren, so exact answers would differ from pgmpy's by ~1e-9 otherwise.
    """
    model = get_example_model("alarm")
    for cpd in model.get_cpds():
        cpd.normalize(inplace=True)
    return model


def factors_of(model) -> list[Factor]:
    """One factor per CPD, axes (variable, *parents) in the CPD's own order."""
    return [
        Factor(tuple(cpd.variables), torch.as_tensor(np.asarray(cpd.values, dtype=np.float64)))
        for cpd in model.get_cpds()
    ]


def random_queries(model, count: int, seed: int) -> list[Query]:
    """Queries with one target and 1-4 observed variables at sampled levels."""
    rng = random.Random(seed)
    samples = model.simulate(n_samples=count, seed=seed, show_progress=False)
    names = sorted(model.nodes())
    queries = []
    for row in range(count):
        chosen = rng.sample(names, rng.randint(2, 5))
        target, observed = chosen[0], chosen[1:]
        evidence = {v: _level(model, v, samples.iloc[row][v]) for v in observed}
        queries.append(Query(target, evidence))
    return queries


def _level(model, variable: str, state) -> int:
    return model.get_cpds(variable).state_names[variable].index(state)


def _state(model, variable: str, level: int):
    return model.get_cpds(variable).state_names[variable][level]


def pgmpy_answer(engine: VariableElimination, model, query: Query) -> np.ndarray:
    evidence = {v: _state(model, v, k) for v, k in query.evidence.items()}
    result = engine.query([query.target], evidence=evidence, show_progress=False)
    return np.asarray(result.values)


def engine_answer(factors: list[Factor], query: Query, strategy: Strategy) -> np.ndarray:
    table = marginal(factors, [query.target], query.evidence, strategy=strategy)
    return (table / table.sum()).numpy()


def first_call_time(factors: list[Factor], query: Query, strategy: Strategy, repeats: int) -> float:
    """Fastest first call (plan cache emptied before each) of one query."""
    best = float("inf")
    for _ in range(repeats):
        clear_plan_cache()
        start = time.perf_counter()
        engine_answer(factors, query, strategy)
        best = min(best, time.perf_counter() - start)
    return best


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def check_agreement(model, factors: list[Factor], queries: Sequence[Query]) -> float:
    engine = VariableElimination(model)
    worst = 0.0
    for query in queries:
        expected = pgmpy_answer(engine, model, query)
        for strategy in STRATEGIES:
            difference = np.abs(engine_answer(factors, query, strategy) - expected).max()
            worst = max(worst, float(difference))
    return worst


def bench_single(model, factors: list[Factor], queries: Sequence[Query], repeats: int) -> None:
    engine = VariableElimination(model)
    pgmpy_time = mean(
        [best_time(lambda q=q: pgmpy_answer(engine, model, q), repeats) for q in queries]
    )
    print(
        f"\nmarginal, {len(queries)} queries (1 target, 1-4 observed), "
        f"mean of per-query best of {repeats}:"
    )
    print(f"  pgmpy VariableElimination.query           {pgmpy_time * 1e3:8.3f} ms")
    for strategy in STRATEGIES:
        cold = mean([first_call_time(factors, q, strategy, repeats) for q in queries])
        warm = mean(
            [best_time(lambda q=q: engine_answer(factors, q, strategy), repeats) for q in queries]
        )
        print(
            f"  engine {strategy:<10} first call {cold * 1e3:7.3f} ms ({pgmpy_time / cold:5.1f}x)"
            f"   plan cached {warm * 1e3:7.3f} ms ({pgmpy_time / warm:5.1f}x)"
        )


def simulated_rows(model, observed: Sequence[str], rows: int, seed: int) -> dict[str, torch.Tensor]:
    samples = model.simulate(n_samples=rows, seed=seed, show_progress=False)
    return {
        v: torch.tensor([_level(model, v, s) for s in samples[v]], dtype=torch.long)
        for v in observed
    }


def bench_batched(
    model, factors: list[Factor], observed: Sequence[str], rows: int, pgmpy_rows: int, seed: int
) -> None:
    evidence = simulated_rows(model, observed, rows, seed)
    distinct = torch.unique(torch.stack(list(evidence.values()), 1), dim=0).shape[0]
    clear_plan_cache()
    start = time.perf_counter()
    ours = batched_marginal(factors, [BATCH_TARGET], evidence)
    first = time.perf_counter() - start
    cached = best_time(lambda: batched_marginal(factors, [BATCH_TARGET], evidence), 5)

    engine = VariableElimination(model)
    looped = min(pgmpy_rows, rows)
    start = time.perf_counter()
    for row in range(looped):
        query = Query(BATCH_TARGET, {v: int(column[row]) for v, column in evidence.items()})
        expected = pgmpy_answer(engine, model, query)
        got = (ours[row] / ours[row].sum()).numpy()
        assert np.abs(got - expected).max() < 1e-9, (row, got, expected)
    pgmpy_time = (time.perf_counter() - start) * rows / looped

    scaled = "" if looped == rows else f" (timed {looped} rows, scaled)"
    print(
        f"\nbatched_marginal, {rows} evidence rows ({distinct} distinct) on "
        f"{len(observed)} observed variables, target {BATCH_TARGET}:"
    )
    print(f"  pgmpy, loop of queries                  {pgmpy_time * 1e3:9.1f} ms{scaled}")
    for label, seconds in (("first call (plans)", first), ("plan cached (best of 5)", cached)):
        print(f"  engine, {label:<31} {seconds * 1e3:9.1f} ms ({pgmpy_time / seconds:7.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=50, help="single queries to time")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per query")
    parser.add_argument("--rows", type=int, default=1000, help="evidence rows for the batch")
    parser.add_argument("--pgmpy-rows", type=int, default=1000, help="rows pgmpy loops over")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    model = normalized_alarm()
    factors = factors_of(model)
    queries = random_queries(model, args.queries, args.seed)
    threads = torch.get_num_threads()
    print(f"alarm: {len(factors)} factors; torch {torch.__version__}, {threads} threads")
    worst = check_agreement(model, factors, queries)
    print(f"largest |engine - pgmpy| over all strategies: {worst:.2e}")
    bench_single(model, factors, queries, args.repeats)
    for observed in (FEW_OBSERVED, MANY_OBSERVED):
        bench_batched(model, factors, observed, args.rows, args.pgmpy_rows, args.seed + 1)


if __name__ == "__main__":
    main()
