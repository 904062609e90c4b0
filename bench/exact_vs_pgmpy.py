"""Exact do/evidence queries on bnlearn ``alarm``: causalppl against pgmpy's CausalInference.

Run ``python -m bench.exact_vs_pgmpy`` from the repository root (``--help``
lists the options).  In one process and on the same queries it times:

* single queries ``P(Y | do(X = x), E = e)`` answered through the language
  (``Model.query``, query text to answer, method exact) against
  ``CausalInference.query`` -- per-query times and their ratio (target: 2x);
* one batch of evidence rows for a fixed intervention, answered by the
  exact engine's ``batched_marginal`` on the do-transformed model's factors,
  against a loop of ``CausalInference.query`` over the rows (target: 50x).

Every answer is checked against pgmpy's before timings are printed.
Evidence is placed on parents of the intervened variable, where pgmpy's
adjustment formula is exact.  Both sides use the network with its table
rows normalised exactly (alarm's rows sum to 1 +- 1e-7).
"""

from __future__ import annotations

import argparse
import logging
import random
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import torch

warnings.filterwarnings("ignore", category=FutureWarning)
logging.getLogger("pgmpy").setLevel(logging.ERROR)

import pgmpy  # noqa: E402
from pgmpy.inference import CausalInference  # noqa: E402
from pgmpy.utils import get_example_model  # noqa: E402  (reads a file bundled with pgmpy)

import causalppl as cp  # noqa: E402
from bench.common import best_time
from causalppl.backends.exact import batched_marginal  # noqa: E402
from causalppl.backends.factors import model_factors  # noqa: E402
from causalppl.interop import bif  # noqa: E402
from causalppl.transforms import do  # noqa: E402

EXAMPLES = Path(pgmpy.__file__).parent / "utils" / "example_models"


@dataclass(frozen=True)
class Query:
    target: str
    intervened: str
    setting: str
    evidence: dict[str, str]


class Alarm:
    def __init__(self, network: str) -> None:
        self.pgmpy = get_example_model(network)
        for cpd in self.pgmpy.get_cpds():
            cpd.normalize()
        original = bif.SUM_TOLERANCE
        bif.SUM_TOLERANCE = 0.0
        try:
            conversion = bif.convert_bif(bif.read_bif_text(EXAMPLES / f"{network}.bif.gz"), network.capitalize())
        finally:
            bif.SUM_TOLERANCE = original
        self.model = cp.loads(conversion.source)
        self.names, self.levels = conversion.variable_names, conversion.level_names
        self.graph = nx.DiGraph(self.pgmpy.edges())
        self.inference = CausalInference(self.pgmpy)

    def states(self, variable: str) -> list[str]:
        return list(self.pgmpy.get_cpds(variable).state_names[variable])

    def text(self, query: Query) -> str:
        conditions = [f"do({self.names[query.intervened]} = {self.levels[query.intervened][query.setting]})"]
        conditions += [f"{self.names[v]} = {self.levels[v][s]}" for v, s in query.evidence.items()]
        return f"P({self.names[query.target]} | {', '.join(conditions)})"

    def ours(self, query: Query) -> np.ndarray:
        result = self.model.query(self.text(query), method="exact")
        return np.array([result.distribution[self.levels[query.target][s]] for s in self.states(query.target)])

    def theirs(self, query: Query) -> np.ndarray:
        factor = self.inference.query([query.target], do={query.intervened: query.setting},
                                      evidence=query.evidence or None, show_progress=False)
        order = [factor.state_names[query.target].index(s) for s in self.states(query.target)]
        return np.asarray(factor.values, dtype=np.float64)[order]

    def random_queries(self, count: int, seed: int) -> list[Query]:
        rng = random.Random(seed)
        candidates = sorted(n for n in self.graph if self.graph.in_degree(n) and self.graph.out_degree(n))
        queries = []
        for _ in range(count):
            intervened = rng.choice(candidates)
            target = rng.choice(sorted(nx.descendants(self.graph, intervened)))
            parent = rng.choice(sorted(self.graph.predecessors(intervened)))
            evidence = {parent: rng.choice(self.states(parent))}
            queries.append(Query(target, intervened, rng.choice(self.states(intervened)), evidence))
        return queries


def bench_single(alarm: Alarm, queries: list[Query], repeats: int) -> None:
    worst = max(float(np.abs(alarm.ours(q) - alarm.theirs(q)).max()) for q in queries)
    ours = [best_time(lambda q=q: alarm.ours(q), repeats) for q in queries]
    theirs = [best_time(lambda q=q: alarm.theirs(q), repeats) for q in queries]
    print(f"\nsingle queries P(Y | do(X = x), parent of X = e): {len(queries)} queries, best of {repeats} each; "
          f"largest difference from pgmpy {worst:.1e}")
    print(f"  {'query':<58} {'causalppl':>10} {'pgmpy':>10} {'ratio':>7}")
    for query, mine, other in zip(queries, ours, theirs):
        print(f"  {alarm.text(query)[:58]:<58} {mine * 1e3:8.2f}ms {other * 1e3:8.2f}ms {other / mine:6.1f}x")
    print(f"  {'mean':<58} {np.mean(ours) * 1e3:8.2f}ms {np.mean(theirs) * 1e3:8.2f}ms "
          f"{np.mean(theirs) / np.mean(ours):6.1f}x")


def bench_batch(alarm: Alarm, rows: int, looped: int, seed: int) -> None:
    query = alarm.random_queries(1, seed)[0]
    parents = sorted(alarm.graph.predecessors(query.intervened))
    samples = alarm.pgmpy.simulate(n_samples=rows, seed=seed, show_progress=False)
    intervened = do(alarm.model.ir, {alarm.names[query.intervened]:
                                     alarm.states(query.intervened).index(query.setting)})
    start = time.perf_counter()
    graph = model_factors(intervened)
    evidence = {alarm.names[p]: torch.tensor([alarm.states(p).index(s) for s in samples[p]]) for p in parents}
    table = batched_marginal(graph.factors, [alarm.names[query.target]], evidence)
    ours = (table / table.sum(-1, keepdim=True)).numpy()
    mine = time.perf_counter() - start
    looped = min(looped, rows)
    start = time.perf_counter()
    for row in range(looped):
        row_query = Query(query.target, query.intervened, query.setting, {p: samples[p].iloc[row] for p in parents})
        expected = alarm.theirs(row_query)
        assert np.abs(ours[row] - expected).max() < 1e-9, (row, ours[row], expected)
    theirs = (time.perf_counter() - start) * rows / looped
    scaled = "" if looped == rows else f" (timed {looped} rows, scaled to {rows})"
    print(f"\nbatch: P({query.target} | do({query.intervened} = {query.setting}), {', '.join(parents)} = row) "
          f"for {rows} evidence rows")
    print(f"  pgmpy CausalInference.query loop   {theirs * 1e3:10.1f} ms{scaled}")
    print(f"  causalppl batched_marginal         {mine * 1e3:10.1f} ms  ({theirs / mine:.0f}x faster; "
          "includes tabulating the do-transformed model)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default="alarm", help="a network bundled with pgmpy (default alarm)")
    parser.add_argument("--queries", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1000, help="evidence rows in the batch")
    parser.add_argument("--pgmpy-rows", type=int, default=200, help="rows pgmpy is timed on (then scaled)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    alarm = Alarm(args.network)
    print(f"network {args.network}: {len(alarm.graph)} variables; pgmpy {pgmpy.__version__}, torch {torch.__version__}")
    bench_single(alarm, alarm.random_queries(args.queries, args.seed), args.repeats)
    bench_batch(alarm, args.rows, args.pgmpy_rows, args.seed + 1)


if __name__ == "__main__":
    main()
