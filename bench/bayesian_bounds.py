"""Timings of the Bayesian partial-identification mode (a script, not a test).

Run ``python -m bench.bayesian_bounds`` from the repository root. For each
Vitamin A query it prints the time to draw 2,000 posterior draws of the
query (4 chains, 500 warm-up sweeps each, exact Gibbs with fiber moves), the
posterior mean and 95% interval beside the sharp bounds, R-hat and the bulk
effective sample size; then the same for a 3-valued instrument, whose larger
fiber (22 dimensions against 10) mixes more slowly. ``--nuts`` adds the
Vitamin A ACE by Pyro's NUTS for comparison (minutes: with 23,682 units the
posterior is a thin ridge, and the steps are small).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from bench.bounds_lp import VITAMIN_A_COUNTS, ace, instrument_graph, random_distribution
from causalppl.backends.bounds import CfAtom, DiscreteGraph, LinearQuery, sharp_bounds
from causalppl.backends.bounds.bayesian import posterior_query_draws

DRAWS = 2000


def survival(x: int) -> LinearQuery:
    return LinearQuery(((1.0, (CfAtom("Y", (("X", x),), 1),)),))


def report(label: str, graph: DiscreteGraph, query: LinearQuery, counts: np.ndarray, **options: object) -> None:
    bounds = sharp_bounds(graph, query, counts)
    start = time.perf_counter()
    posterior = posterior_query_draws(graph, query, counts, draws=DRAWS, seed=0, **options)
    seconds = time.perf_counter() - start
    found = posterior.diagnostics
    print(
        f"{label:<32} {posterior.draws.size} draws {seconds:6.2f} s  mean {posterior.mean:+.4f}  "
        f"95% [{posterior.interval[0]:+.4f}, {posterior.interval[1]:+.4f}]  "
        f"bounds [{bounds.lower:+.4f}, {bounds.upper:+.4f}]  "
        f"R-hat {found['rhat']:.3f}  ESS {found['ess_bulk']:.0f}"
    )


def main() -> None:
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, {os.cpu_count()} CPUs")
    posterior_query_draws(instrument_graph(2), survival(0), VITAMIN_A_COUNTS, draws=8, warmup=2)  # imports
    print(f"== {DRAWS} posterior draws, Gibbs (4 chains x {DRAWS // 4} after 500 warm-up sweeps) ==")
    report("Vitamin A ACE", instrument_graph(2), ace("X", "Y"), VITAMIN_A_COUNTS)
    report("Vitamin A P(Y=1 | do(X=0))", instrument_graph(2), survival(0), VITAMIN_A_COUNTS)
    report("Vitamin A P(Y=1 | do(X=1))", instrument_graph(2), survival(1), VITAMIN_A_COUNTS)
    rng = np.random.default_rng(0)
    graph = instrument_graph(3)
    counts = rng.multinomial(20_000, random_distribution(graph, rng).ravel()).reshape(graph.shape())
    report("3-valued instrument ACE", graph, ace("X", "Y"), counts.astype(float))
    if "--nuts" in sys.argv[1:]:
        print("== NUTS (Pyro), 2 chains, 200 warm-up steps each ==")
        report("Vitamin A ACE", instrument_graph(2), ace("X", "Y"), VITAMIN_A_COUNTS,
               method="nuts", chains=2, warmup=200)


if __name__ == "__main__":
    main()
