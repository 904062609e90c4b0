"""Per-unit counterfactuals for many units: ``Model.score`` against DoWhy-GCM's ``counterfactual_samples``.

An invertible linear-Gaussian SCM (10 or 50 nodes, each with up to two
earlier parents, unit noise); every unit is observed on every node and asks
what its sink would have been had its root been set to 1:
``E[X{n-1}[X0 = 1] | X0, ..., X{n-1}]`` per row (exact abduction: one
Gaussian solve for all rows).  DoWhy-GCM gets the same structural equations
(additive noise models with the true coefficients) and answers with
``gcm.counterfactual_samples``.  Both run in the same process, interleaved;
the median of the repeats is reported, with the largest difference between
the two answers.  A last check scores the probability of necessity
``P(Y[X = 0] = 0 | X, Y)`` for 1,000,000 rows of a finite model through the
command line and reports its peak memory (``getrusage`` of the child).

Run: ``python -m bench.score [--units 1 100 10000 1000000] [--nodes 10 50]`` (needs ``pip install dowhy``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

import causalppl as cp


def linear_scm(nodes: int, seed: int = 0) -> tuple[str, dict[int, dict[int, float]]]:
    """``.scm`` text and the coefficients ``{child: {parent: weight}}`` of a random linear SCM."""
    rng = np.random.default_rng(seed)
    weights: dict[int, dict[int, float]] = {0: {}}
    for child in range(1, nodes):
        parents = sorted({child - 1} | set(rng.choice(child, size=min(child, 1), replace=False).tolist()))
        weights[child] = {p: float(np.round(rng.uniform(0.3, 0.9) * rng.choice([-1, 1]), 3)) for p in parents}
    lines = [f"model Linear{nodes} {{", "    X0 ~ Normal(0, 1)"]
    for child in range(1, nodes):
        mean = " + ".join(f"{w} * X{p}" for p, w in weights[child].items()).replace("+ -", "- ")
        lines.append(f"    X{child} ~ Normal({mean}, 1)")
    return "\n".join(lines + ["}"]), weights


def simulate(weights: dict[int, dict[int, float]], units: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    for child in range(len(weights)):
        columns[f"X{child}"] = sum((w * columns[f"X{p}"] for p, w in weights[child].items()),
                                   np.zeros(units)) + rng.normal(size=units)
    return pd.DataFrame(columns)


def dowhy_scm(weights: dict[int, dict[int, float]]):
    from dowhy import gcm
    from scipy.stats import norm

    class Fixed(gcm.ml.PredictionModel):
        """A linear prediction model with the true coefficients (nothing to fit)."""

        def __init__(self, coefficients: np.ndarray) -> None:
            self.coefficients = coefficients

        def fit(self, X, Y) -> None:
            pass

        def predict(self, X):
            return (np.asarray(X) @ self.coefficients).reshape(-1, 1)

        def clone(self):
            return Fixed(self.coefficients)

    graph = nx.DiGraph()
    graph.add_nodes_from(f"X{k}" for k in weights)
    for child, parents in weights.items():
        graph.add_edges_from((f"X{p}", f"X{child}") for p in parents)
    from dowhy.gcm.causal_models import PARENTS_DURING_FIT
    from dowhy.graph import get_ordered_predecessors

    scm = gcm.InvertibleStructuralCausalModel(graph)
    for child, parents in weights.items():
        node = f"X{child}"
        ordered = get_ordered_predecessors(scm.graph, node)
        if not parents:
            scm.set_causal_mechanism(node, gcm.ScipyDistribution(norm, loc=0, scale=1))
        else:
            coefficients = np.array([parents[int(name[1:])] for name in ordered])
            scm.set_causal_mechanism(node, gcm.AdditiveNoiseModel(Fixed(coefficients),
                                                                  gcm.ScipyDistribution(norm, loc=0, scale=1)))
        scm.graph.nodes[node][PARENTS_DURING_FIT] = ordered  # the true equations: nothing to fit
    return scm


def compare(nodes: int, units_list: list[int], repeats: int) -> list[dict]:
    from dowhy import gcm

    source, weights = linear_scm(nodes)
    model = cp.loads(source)
    scm = dowhy_scm(weights)
    sink = f"X{nodes - 1}"
    evidence = ", ".join(f"X{k}" for k in range(nodes))
    query = f"cf = E[{sink}[X0 = 1] | {evidence}]"
    rows = []
    for units in units_list:
        data = simulate(weights, units)
        reps = repeats if units < 1_000_000 else max(1, repeats // 2)
        ours, theirs = [], []
        answer = reference = None
        for _ in range(reps):  # interleaved
            start = time.perf_counter()
            answer = model.score(data, query)["cf"].to_numpy()
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            reference = gcm.counterfactual_samples(scm, {"X0": lambda x: np.ones_like(x)}, observed_data=data)[sink]
            theirs.append(time.perf_counter() - start)
        ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
        difference = float(np.max(np.abs(answer - np.asarray(reference))))
        rows.append(dict(nodes=nodes, units=units, causalppl=ours_s, dowhy=theirs_s, ratio=theirs_s / ours_s,
                         max_abs_diff=difference))
        print(f"{nodes:3d} nodes {units:9d} units: causalppl {ours_s * 1e3:10.1f} ms  dowhy-gcm "
              f"{theirs_s * 1e3:10.1f} ms  dowhy/causalppl {theirs_s / ours_s:7.2f}x  max |diff| {difference:.1e}",
              flush=True)
    return rows


PN_MODEL = """
model Mediation {
    X ~ Bernoulli(0.5)
    M ~ Bernoulli(0.2 + 0.5 * X)
    Y ~ Bernoulli(0.1 + 0.3 * X + 0.4 * M)
}
"""


def pn_memory(rows: int) -> tuple[float, float]:
    """Seconds and peak MiB of ``causalppl score`` (a child process) on ``rows`` rows of (X, Y)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        (path / "m.scm").write_text(PN_MODEL)
        rng = np.random.default_rng(0)
        pd.DataFrame({"X": rng.integers(0, 2, rows), "Y": rng.integers(0, 2, rows)}).to_csv(path / "rows.csv",
                                                                                            index=False)
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "causalppl.cli", "score", str(path / "m.scm"), "--data",
                                  str(path / "rows.csv"), "--query", "pn = P(Y[X = 0] = 0 | X, Y)", "-o",
                                  str(path / "out.parquet"), "--quiet"], env=dict(os.environ))
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        assert child.returncode == 0, child.returncode
        peak = usage.ru_maxrss / 1024
        scored = pd.read_parquet(path / "out.parquet")
        assert len(scored) == rows and scored["pn"].between(0, 1).all()
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--units", type=int, nargs="+", default=[1, 100, 10_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pn-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    for nodes in args.nodes:
        compare(nodes, args.units, args.repeats)
    if args.pn_rows:
        seconds, peak = pn_memory(args.pn_rows)
        print(f"PN per row, {args.pn_rows} rows through `causalppl score`: {seconds:.1f} s, peak memory "
              f"{peak:.0f} MiB (limit 1024)")


if __name__ == "__main__":
    main()
