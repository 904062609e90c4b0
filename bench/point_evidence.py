"""Per-row posteriors given real evidence columns: ``Model.score`` against hand-written numpy Bayes' rule.

A diagnosis model with a three-level cause ``D``, a bool ``E`` and two
Gaussian tests ``S ~ Normal(mean[D], 1)`` and ``T ~ Normal(mean[D, E], 2)``;
every row observes ``S`` and ``T`` and asks ``P(D = severe | S, T)``. The
floor is the closed form written by hand with numpy for exactly this model
(prior times the two densities, summed over ``E``, normalised per row): no
parsing, no planning, nothing general. causalppl answers it through the
exact engine (the joint of ``D`` and ``E`` once, weighed per row by the two
likelihoods). The two run in the same process, interleaved, and the medians
of the repeats are reported with the largest difference between the answers.
For scale, the same rows answered by likelihood weighting (``method="mc"``,
the way such rows were answered before) are timed once, with their error.

Run: ``python -m bench.point_evidence [--rows 1000 100000 1000000] [--repeats 7]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import pandas as pd

import causalppl as cp

SOURCE = """model Diagnosis {
  D : {none, mild, severe} ~ Categorical([0.7, 0.2, 0.1])
  E ~ Bernoulli(0.3)
  S ~ Normal(if D == severe then 5 else if D == mild then 3 else 2, 1)
  T ~ Normal(if D == severe and E then 4 else 1, 2)
}
"""
QUERY = "p = P(D = severe | S, T)"


def by_hand(s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """P(D = severe | S = s, T = t) for this model, in closed form."""
    prior = np.array([0.7, 0.2, 0.1])
    s_mean = np.array([2.0, 3.0, 5.0])
    density_s = np.exp(-0.5 * (s[:, None] - s_mean) ** 2)  # (rows, D); constants cancel
    t_mean = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 4.0]])  # (D, E)
    density_t = np.exp(-0.5 * ((t[:, None, None] - t_mean) / 2.0) ** 2) @ np.array([0.7, 0.3])  # (rows, D)
    joint = prior * density_s * density_t
    return joint[:, 2] / joint.sum(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}")
    model = cp.loads(SOURCE)
    rng = np.random.default_rng(0)
    for n in args.rows:
        rows = pd.DataFrame({"S": rng.normal(2.6, 1.5, n), "T": rng.normal(1.3, 2.0, n)})
        s, t = rows["S"].to_numpy(), rows["T"].to_numpy()
        model.score(rows.head(5), QUERY)  # (warm: parse, plan and compile once, as a long-running scorer does)
        ours, floor = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            scored = model.score(rows, QUERY)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            expected = by_hand(s, t)
            floor.append(time.perf_counter() - start)
        diff = float(np.abs(scored["p"].to_numpy() - expected).max())
        a, b = statistics.median(ours), statistics.median(floor)
        print(f"{n:>9} rows: causalppl {a * 1e3:8.2f} ms, numpy by hand {b * 1e3:8.2f} ms -> "
              f"{a / b:5.2f}x the floor; max diff {diff:.1e}")
        if n <= 1000:
            start = time.perf_counter()
            weighted = model.score(rows, QUERY, method="mc", seed=1)
            took = time.perf_counter() - start
            error = float(np.abs(weighted["p"].to_numpy() - expected).max())
            print(f"{'':>9}       likelihood weighting (method mc): {took * 1e3:8.1f} ms, max error {error:.3f}")


if __name__ == "__main__":
    main()
