"""Ray on a local two-node cluster: ``score`` on 1,000,000 rows and 4 NUTS chains, against one node.

The cluster is real: a head node and a second node, each ``ray start`` with
one CPU, on loopback addresses of this machine (started and stopped here;
see ``tests/inference/scale/ray_cluster.py``).  Each workload runs on one
node without Ray (one process: the baseline) and on the cluster, and the
speed-up is printed with the check that both give the same answers.  On a
2-core machine the ceiling is 2x, less Ray's own overhead; the same code
runs unchanged on a real cluster (``--ray auto`` on a node of it).

Run: ``python -m bench.ray_scale [--rows 1000000] [--chunk-size 100000]`` (needs ``pip install 'causalppl[ray]'``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

import causalppl as cp
from bench.common import CONFOUNDED_LINEAR, simulate_confounded_linear
from causalppl.inference.bayesian import clear_fit_cache
from tests.inference.scale.ray_cluster import two_node_cluster

PN_MODEL = """
model Mediation {
    Z ~ Normal(0, 1)
    X ~ Bernoulli(0.2 + 0.6 * (Z > 0))
    M ~ Bernoulli(0.2 + 0.5 * X)
    Y ~ Bernoulli(0.1 + 0.3 * X + 0.4 * M)
}
"""


def timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--draws-per-row", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--draws", type=int, default=300)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, args.rows)
    rows = pd.DataFrame({"Z": rng.normal(size=args.rows), "X": x, "Y": np.maximum(x, rng.integers(0, 2, args.rows))})
    model = cp.loads(PN_MODEL)
    query = "pn = P(Y[X = 0] = 0 | Z, X, Y)"
    fit_model = cp.loads(CONFOUNDED_LINEAR)
    data = simulate_confounded_linear(1000, seed=0)
    fit_options = dict(method="nuts", num_chains=4, num_warmup=args.warmup, num_samples=args.draws, seed=5)
    with two_node_cluster() as address:
        print(f"two-node cluster at {address}", flush=True)
        model.score(rows.head(1000), query, ray_address=address, chunk_size=500, seed=1)  # connect; warm the nodes
        settings = dict(chunk_size=args.chunk_size, seed=1, draws_per_row=args.draws_per_row)
        local, local_s = timed(lambda: model.score(rows, query, **settings))
        spread, spread_s = timed(lambda: model.score(rows, query, ray_address=address, **settings))
        same = np.allclose(local["pn"].to_numpy(), spread["pn"].to_numpy(), atol=1e-12)
        print(f"score {args.rows} rows (PN per row, sampled abduction, {args.draws_per_row} draws per row): one node {local_s:.1f} s, two nodes "
              f"{spread_s:.1f} s, speed-up {local_s / spread_s:.2f}x; same answers: {same}", flush=True)
        clear_fit_cache()
        serial, serial_s = timed(lambda: fit_model.fit(data, workers=1, **fit_options))
        clear_fit_cache()
        tasks, tasks_s = timed(lambda: fit_model.fit(data, ray_address=address, **fit_options))
        same = all(torch.equal(serial.draws[k], tasks.draws[k]) for k in serial.draws)
        print(f"4 NUTS chains x ({args.warmup} + {args.draws}): one node (serial) {serial_s:.1f} s, two nodes "
              f"(Ray tasks) {tasks_s:.1f} s, speed-up {serial_s / tasks_s:.2f}x; identical draws: {same}",
              flush=True)


if __name__ == "__main__":
    main()
