"""Cost of the run-time site checks on the sampler's program (a script, not a test).

Run ``python -m bench.site_checks`` from the repository root. Generated
programs run under :func:`causalppl.backends.site_checks.checked_program`,
which turns torch's argument validation off and checks every sample site
itself (so that an invalid argument names the variable and the data row).
This measures one potential-energy evaluation with its gradient -- the unit
of NUTS's work -- on the likelihood of eight schools, checked against the
same program unchecked (torch's validation on, as Pyro runs by default), and
against the potential NUTS's steps use (unchecked, re-run under the checks
only when an evaluation fails: ``Likelihood.checked_on_failure``),
interleaved, and prints the medians and their ratios.
"""

from __future__ import annotations

import dataclasses
import statistics
import time

import pyro
import torch
from pyro.infer.mcmc.util import initialize_model

import causalppl as cp
from causalppl.inference.bayesian.likelihood import build_likelihood

REPEATS = 7
GRADIENTS = 200


def per_gradient_ms(likelihood, on_failure: bool = False) -> float:
    pyro.set_rng_seed(0)
    params, potential, _, _ = initialize_model(likelihood, max_plate_nesting=1)
    if on_failure:
        potential = likelihood.checked_on_failure(potential)
    start = time.perf_counter()
    for _ in range(GRADIENTS):
        point = {name: value.detach().requires_grad_() for name, value in params.items()}
        potential(point).backward()
    return (time.perf_counter() - start) / GRADIENTS * 1e3


def main() -> None:
    torch.set_num_threads(1)
    model = cp.load("stdlib:eight_schools")
    likelihood = build_likelihood(model.ir, model.load_data(), torch.device("cpu"))
    variants = {"checked": (likelihood, False),
                "unchecked": (dataclasses.replace(likelihood, program=likelihood.program.unchecked), False),
                "on failure": (dataclasses.replace(likelihood), True)}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(REPEATS):
        for name, (variant, on_failure) in variants.items():
            times[name].append(per_gradient_ms(variant, on_failure))
    for name, values in times.items():
        print(f"{name:>10}: {statistics.median(values):.3f} ms per potential + gradient (median of {REPEATS})")
    for name in ("checked", "on failure"):
        print(f"{name} / unchecked: {statistics.median(times[name]) / statistics.median(times['unchecked']):.2f}")


if __name__ == "__main__":
    main()
