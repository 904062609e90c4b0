"""Four NUTS chains in parallel worker processes against the same four chains one after another.

The confounded linear model of ``bench/common.py`` is fitted to simulated
rows with ``num_chains=4``: once with ``workers=1`` (the serial route, chains
in this process) and once with the default (one process per chain, up to the
cores: 2 here).  The runs alternate, the median of the repeats is reported,
and the draws of the two routes are checked to be identical (same seed).

Run: ``python -m bench.chains [--rows 2000] [--warmup 400] [--draws 400] [--repeats 2]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import torch

import causalppl as cp
from causalppl.inference.bayesian import clear_fit_cache
from bench.common import CONFOUNDED_LINEAR, simulate_confounded_linear


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=400)
    parser.add_argument("--draws", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    model = cp.loads(CONFOUNDED_LINEAR)
    data = simulate_confounded_linear(args.rows, seed=0)
    options = dict(method="nuts", num_chains=4, num_warmup=args.warmup, num_samples=args.draws, seed=7)
    serial, parallel, cpu_serial, cpu_parallel = [], [], [], []
    for _ in range(args.repeats):
        clear_fit_cache()
        start, cpu = time.perf_counter(), time.process_time()
        one = model.fit(data, workers=1, **options)
        serial.append(time.perf_counter() - start)
        cpu_serial.append(time.process_time() - cpu)
        clear_fit_cache()
        start, children = time.perf_counter(), _children_cpu()
        many = model.fit(data, **options)
        parallel.append(time.perf_counter() - start)
        cpu_parallel.append(_children_cpu() - children)
        same = all(torch.equal(one.draws[name], many.draws[name]) for name in one.draws)
    s, p = statistics.median(serial), statistics.median(parallel)
    print(f"4 chains x ({args.warmup} + {args.draws}) on {args.rows} rows, {os.cpu_count()} cores: serial {s:.1f} s, "
          f"parallel processes {p:.1f} s, speed-up {s / p:.2f}x; identical draws: {same}")
    # On a machine shared with other work, wall-clock time says how much CPU the run was given, not how much it
    # needed: the CPU seconds show whether the workers ran side by side (CPU / wall near the worker count).
    print(f"CPU seconds: serial {statistics.median(cpu_serial):.1f} (CPU/wall {statistics.median(cpu_serial) / s:.2f}), "
          f"workers {statistics.median(cpu_parallel):.1f} (CPU/wall {statistics.median(cpu_parallel) / p:.2f})")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
