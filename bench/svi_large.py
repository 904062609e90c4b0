"""SVI on a million rows: optimisation steps per second, on the CPU or ``--device cuda``.

Run ``python -m bench.svi_large`` from the repository root (``--help`` for
options).  The confounded linear SCM of the tests is fit to ``--rows``
simulated rows with AutoNormal and ClippedAdam; the ``units`` plate is
mini-batched (``--batch-size`` rows per step, the default for large data)
and, with ``--full-batch``, also run on every row per step.  Reported:
steps per second (after a few untimed steps) and the fitted causal effect,
of a default fit (2000 steps), whose true value is 1.5.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch

import causalppl as cp
from bench.common import CONFOUNDED_LINEAR, simulate_confounded_linear
from causalppl.inference.bayesian import clear_fit_cache, fit
from causalppl.inference.bayesian.settings import DEFAULT_BATCH_SIZE
from causalppl.inference.options import parse_options

warnings.filterwarnings("ignore", category=FutureWarning)

WARM_STEPS = 20


def steps_per_second(model: cp.Model, data, device: str, batch_size: int, steps: int, seed: int) -> float:
    """Time ``steps`` SVI steps: a fit of WARM_STEPS + steps steps minus a fit of WARM_STEPS."""
    timings = []
    for count in (WARM_STEPS, WARM_STEPS + steps):
        clear_fit_cache()
        options = parse_options(dict(method="svi", seed=seed, device=device, num_steps=count,
                                     batch_size=batch_size, num_samples=200))
        start = time.perf_counter()
        fit(model.ir, data, "svi", options)
        if device == "cuda":
            torch.cuda.synchronize()
        timings.append(time.perf_counter() - start)
    return steps / max(timings[1] - timings[0], 1e-9)


def fitted_effect(model: cp.Model, data, device: str, batch_size: int, seed: int,
                  steps: int = 2000) -> tuple[float, float, float]:
    """A fit of ``steps`` steps (2000: the default fit): seconds, posterior mean of the effect and its sd."""
    clear_fit_cache()
    options = parse_options(dict(method="svi", seed=seed, device=device, batch_size=batch_size, num_steps=steps))
    start = time.perf_counter()
    posterior = fit(model.ir, data, "svi", options)
    draws = posterior.draws["effect"]
    return time.perf_counter() - start, float(draws.mean()), float(draws.std())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--full-batch", action="store_true", help="also time steps over every row")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--fit-steps", type=int, default=2000, help="steps of the fit whose effect is reported")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model = cp.loads(CONFOUNDED_LINEAR)
    start = time.perf_counter()
    data = model.load_data(simulate_confounded_linear(args.rows, args.seed, dtype=np.float32))
    print(f"{args.rows:,} rows loaded and validated in {time.perf_counter() - start:.1f} s; device {args.device}, "
          f"{torch.get_num_threads()} CPU thread(s)")
    steps_per_second(model, data, args.device, args.batch_size, 5, args.seed)  # imports and one-time set-up
    sizes = [args.batch_size] + ([args.rows] if args.full_batch else [])
    for size in sizes:
        rate = steps_per_second(model, data, args.device, size, args.steps, args.seed)
        print(f"  batch {size:>9,} rows: {rate:8.1f} steps/s   ({rate * size / 1e6:8.2f} M rows/s)")
    seconds, mean, sd = fitted_effect(model, data, args.device, args.batch_size, args.seed, args.fit_steps)
    print(f"  fit of {args.fit_steps} steps, batch {args.batch_size:,}: {seconds:.1f} s, effect {mean:.3f} +- {sd:.3f} "
          "(true 1.5)")


if __name__ == "__main__":
    main()
