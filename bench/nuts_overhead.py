"""NUTS through causalppl against a hand-written Pyro NUTS of the same model: ESS per second.

Run ``python -m bench.nuts_overhead`` from the repository root (``--help``
for options).  The model is the confounded linear SCM of the tests
(Z -> X -> Y, Z -> Y, four parameters) fit to simulated rows.  Both sides run
the same number of chains, warm-up and draws, one chain after another, on
one torch thread; each is timed with and without ``jit_compile``.  Reported:
wall time, minimum bulk ESS over the parameters, ESS per second, the ESS/s
ratio hand-written / causalppl and the wall-time ratio (1.0 means no
overhead; ESS itself varies by +-15% between runs of this size).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import pyro
import pyro.distributions as dist
import torch
from pyro.infer import MCMC, NUTS

import causalppl as cp
from bench.common import CONFOUNDED_LINEAR, simulate_confounded_linear
from causalppl.inference.bayesian import clear_fit_cache, fit
from causalppl.inference.options import parse_options

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)

PARAMETERS = ("effect", "zx", "zy", "noise")


def hand_written(frame: pd.DataFrame):
    z, x, y = (torch.tensor(frame[c].to_numpy(), dtype=torch.float32) for c in ("Z", "X", "Y"))

    def model():
        effect = pyro.sample("effect", dist.Normal(0.0, 5.0))
        zx = pyro.sample("zx", dist.Normal(0.0, 5.0))
        zy = pyro.sample("zy", dist.Normal(0.0, 5.0))
        noise = pyro.sample("noise", dist.HalfNormal(2.0))
        with pyro.plate("units", len(z)):
            pyro.sample("Z", dist.Normal(0.0, 1.0), obs=z)
            pyro.sample("X", dist.Normal(zx * z, 1.0), obs=x)
            pyro.sample("Y", dist.Normal(effect * x + zy * z, noise), obs=y)

    return model


def min_bulk_ess(draws: dict[str, np.ndarray]) -> float:
    import arviz

    data = arviz.from_dict(posterior={name: draws[name] for name in PARAMETERS})
    ess = arviz.ess(data, method="bulk")
    return float(min(float(ess[name]) for name in PARAMETERS))


def run_hand_written(frame: pd.DataFrame, args, jit: bool) -> tuple[float, float]:
    model = hand_written(frame)
    chains = []
    start = time.perf_counter()
    for chain in range(args.chains):
        pyro.set_rng_seed(args.seed + chain)
        mcmc = MCMC(NUTS(model, jit_compile=jit, ignore_jit_warnings=True), num_samples=args.samples,
                    warmup_steps=args.warmup, disable_progbar=True)
        mcmc.run()
        chains.append({k: v.numpy() for k, v in mcmc.get_samples().items()})
    seconds = time.perf_counter() - start
    draws = {name: np.stack([c[name] for c in chains]) for name in PARAMETERS}
    return seconds, min_bulk_ess(draws)


def run_causalppl(frame: pd.DataFrame, args, jit: bool) -> tuple[float, float]:
    model = cp.loads(CONFOUNDED_LINEAR)
    data = model.load_data(frame)
    options = parse_options(dict(method="nuts", seed=args.seed, num_chains=args.chains, num_warmup=args.warmup,
                                 num_samples=args.samples, jit_compile=jit))
    clear_fit_cache()
    start = time.perf_counter()
    posterior = fit(model.ir, data, "nuts", options)
    seconds = time.perf_counter() - start
    draws = {name: posterior.draws[name].numpy() for name in PARAMETERS}
    return seconds, min_bulk_ess(draws)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    frame = simulate_confounded_linear(args.rows, args.seed)
    print(f"confounded linear SCM, {args.rows} rows; {args.chains} chains x ({args.warmup} warm-up + "
          f"{args.samples} draws), sequential, {args.threads} torch thread(s)")
    print(f"  {'':<28} {'seconds':>8} {'min ESS':>8} {'ESS/s':>8}")
    for jit in (False, True):
        label = "jit_compile" if jit else "no jit"
        hand_seconds, hand_ess = run_hand_written(frame, args, jit)
        ours_seconds, ours_ess = run_causalppl(frame, args, jit)
        hand_rate, ours_rate = hand_ess / hand_seconds, ours_ess / ours_seconds
        print(f"  hand-written Pyro, {label:<9} {hand_seconds:8.1f} {hand_ess:8.0f} {hand_rate:8.1f}")
        print(f"  causalppl,         {label:<9} {ours_seconds:8.1f} {ours_ess:8.0f} {ours_rate:8.1f}")
        print(f"  {label}: ESS/s ratio (hand-written / causalppl) {hand_rate / ours_rate:.2f}; "
              f"time ratio (causalppl / hand-written) {ours_seconds / hand_seconds:.2f}")


if __name__ == "__main__":
    main()
