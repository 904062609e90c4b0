"""A 2-million-row CSV end to end: read, fit by mini-batch SVI, answer; time and peak memory.

Run ``python -m bench.large_csv`` from the repository root (``--help`` for
options).  It writes a CSV of ``--rows`` rows and 10 columns (seven real
covariates, a three-level factor written by name, a binary treatment and a
continuous outcome) to a temporary folder, then runs, each in a fresh
process so that peak memory (the process's maximum resident set) is its
own, interleaved and repeated:

- causalppl: ``Model.query`` on the file with ``method="auto"``, which on more
  than 100,000 rows picks mini-batch SVI (chunked reading, covariates
  conditioned on, ``--steps`` steps of ``--batch-size`` rows), answering
  ``E[Y | do(T = 1)] - E[Y | do(T = 0)]``;
- the peer: pandas ``read_csv`` of the whole file, the same model written by
  hand in Pyro (AutoNormal, ClippedAdam, the same steps and batch size, rows
  drawn with replacement), the effect read off the fitted coefficient.

Reported: medians of wall time and peak memory, their ratios, and both
estimates of the effect (true value 2.0).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TRUE_EFFECT = 2.0
COVARIATES = 7
MODEL = """
model Large {
    param b0 ~ Normal(0, 5)
    param effect ~ Normal(0, 5)
    param b[7] ~ Normal(0, 5)
    param g[3] ~ Normal(0, 5)
    param t0 ~ Normal(0, 5)
    param noise ~ HalfNormal(2)
    X1 : real
    X2 : real
    X3 : real
    X4 : real
    X5 : real
    X6 : real
    X7 : real
    G : {north, south, east}
    T ~ Bernoulli(logits = t0 + 0.5 * X1)
    Y ~ Normal(b0 + effect * T + b[0] * X1 + b[1] * X2 + b[2] * X3 + b[3] * X4 + b[4] * X5 + b[5] * X6
               + b[6] * X7 + g[G], noise)
}
"""


def write_csv(path: Path, rows: int, seed: int) -> None:
    """The CSV, written in blocks so that the benchmark itself stays small."""
    rng = np.random.default_rng(seed)
    coefficients = np.linspace(-1.0, 1.0, COVARIATES)
    levels = np.array(["north", "south", "east"])
    with open(path, "w") as handle:
        handle.write(",".join([f"X{j + 1}" for j in range(COVARIATES)] + ["G", "T", "Y"]) + "\n")
        for start in range(0, rows, 250_000):
            n = min(250_000, rows - start)
            x = rng.normal(size=(n, COVARIATES))
            g = rng.integers(0, 3, n)
            t = (rng.random(n) < 1 / (1 + np.exp(-0.5 * x[:, 0]))).astype(int)
            y = 0.5 + TRUE_EFFECT * t + x @ coefficients + np.array([0.0, 1.0, -1.0])[g] + rng.normal(size=n)
            block = np.column_stack([x, np.zeros(n), t, y])
            lines = [",".join(f"{v:.6g}" for v in row[:COVARIATES]) + f",{levels[gi]},{int(row[-2])},{row[-1]:.6g}"
                     for row, gi in zip(block, g)]
            handle.write("\n".join(lines) + "\n")


# ----------------------------------------------------------------- runs ----


def run_causalppl(path: Path, steps: int, batch: int) -> dict:
    import causalppl as cp

    model = cp.loads(MODEL)
    result = model.query("E[Y | do(T = 1)] - E[Y | do(T = 0)]", data=str(path), seed=0, num_steps=steps,
                         batch_size=batch, num_samples=200, query_draws=100, units_per_draw=2000)
    return {"estimate": result.estimate, "engine": result.plan.engine}


def run_peer(path: Path, steps: int, batch: int) -> dict:
    import pandas as pd
    import pyro
    import pyro.distributions as dist
    import torch
    from pyro.infer import SVI, Trace_ELBO
    from pyro.infer.autoguide import AutoNormal
    from pyro.optim import ClippedAdam

    frame = pd.read_csv(path)
    x = torch.tensor(frame[[f"X{j + 1}" for j in range(COVARIATES)]].to_numpy(), dtype=torch.float32)
    g = torch.tensor(frame["G"].map({"north": 0, "south": 1, "east": 2}).to_numpy(), dtype=torch.long)
    t = torch.tensor(frame["T"].to_numpy(), dtype=torch.float32)
    y = torch.tensor(frame["Y"].to_numpy(), dtype=torch.float32)
    del frame
    n = len(y)

    def model():
        b0 = pyro.sample("b0", dist.Normal(0.0, 5.0))
        effect = pyro.sample("effect", dist.Normal(0.0, 5.0))
        b = pyro.sample("b", dist.Normal(0.0, 5.0).expand([COVARIATES]).to_event(1))
        gs = pyro.sample("g", dist.Normal(0.0, 5.0).expand([3]).to_event(1))
        t0 = pyro.sample("t0", dist.Normal(0.0, 5.0))
        noise = pyro.sample("noise", dist.HalfNormal(2.0))
        probs_g = pyro.sample("probs_G", dist.Dirichlet(torch.ones(3)))
        rows = torch.randint(0, n, (batch,))
        with pyro.plate("units", n, subsample=rows):
            pyro.sample("G", dist.Categorical(probs_g), obs=g[rows])
            pyro.sample("T", dist.Bernoulli(logits=t0 + 0.5 * x[rows, 0]), obs=t[rows])
            loc = b0 + effect * t[rows] + x[rows] @ b + gs[g[rows]]
            pyro.sample("Y", dist.Normal(loc, noise), obs=y[rows])

    pyro.set_rng_seed(0)
    pyro.clear_param_store()
    guide = AutoNormal(model)
    svi = SVI(model, guide, ClippedAdam({"lr": 0.02, "lrd": 0.1 ** (1 / steps)}), Trace_ELBO())
    for _ in range(steps):
        svi.step()
    with torch.no_grad():
        effect = torch.stack([guide()["effect"] for _ in range(200)]).mean()
    return {"estimate": float(effect), "engine": "hand-written Pyro"}


def child(which: str, path: Path, steps: int, batch: int) -> None:
    import resource

    import torch

    torch.set_num_threads(1)
    start = time.perf_counter()
    outcome = (run_causalppl if which == "causalppl" else run_peer)(path, steps, batch)
    outcome["seconds"] = time.perf_counter() - start
    outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(outcome))


def measure(which: str, path: Path, steps: int, batch: int) -> dict:
    command = [sys.executable, "-m", "bench.large_csv", "--child", which, "--csv", str(path),
               "--steps", str(steps), "--batch-size", str(batch)]
    environment = dict(os.environ, OMP_NUM_THREADS="1")
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", choices=("causalppl", "peer"))
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.csv, args.steps, args.batch_size)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.csv"
        start = time.perf_counter()
        write_csv(path, args.rows, seed=0)
        size = path.stat().st_size / 2**20
        print(f"wrote {args.rows:,} rows x 10 columns ({size:.0f} MiB) in {time.perf_counter() - start:.0f} s")
        runs: dict[str, list[dict]] = {"causalppl": [], "peer": []}
        for repeat in range(args.repeats):
            for which in ("causalppl", "peer"):
                outcome = measure(which, path, args.steps, args.batch_size)
                runs[which].append(outcome)
                print(f"  repeat {repeat + 1} {which}: {outcome['seconds']:.1f} s, peak {outcome['peak_mb']:.0f} MiB, "
                      f"effect {outcome['estimate']:.3f} ({outcome['engine']})")
    medians = {which: (statistics.median(r["seconds"] for r in outcomes),
                       statistics.median(r["peak_mb"] for r in outcomes))
               for which, outcomes in runs.items()}
    (ours_time, ours_memory), (peer_time, peer_memory) = medians["causalppl"], medians["peer"]
    print(f"median: causalppl {ours_time:.1f} s, {ours_memory:.0f} MiB; hand-written Pyro {peer_time:.1f} s, "
          f"{peer_memory:.0f} MiB; time ratio {ours_time / peer_time:.2f}x, memory ratio "
          f"{ours_memory / peer_memory:.2f}x (true effect {TRUE_EFFECT})")


if __name__ == "__main__":
    main()
