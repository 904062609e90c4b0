"""NUTS (Pyro) on the response-type distribution: a Dirichlet prior and a multinomial likelihood.

The same posterior as :mod:`.gibbs`, sampled with Hamiltonian Monte Carlo on
the unconstrained (stick-breaking) coordinates of the simplex. Counts may be
fractional (weighted rows). Chains run one after another, each from its own
seed, under a forked torch random state so the caller's is untouched, and on
one torch thread: the tensors are tiny, and thread hand-offs cost more than
the arithmetic (several times the run time on a busy machine).
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np
import pyro
import pyro.distributions as dist
import torch
from pyro.infer import MCMC, NUTS

from causalppl.backends.bounds.response_posterior import ResponsePosterior


def nuts_functionals(
    posterior: ResponsePosterior,
    *,
    chains: int,
    draws: int,
    warmup: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, int]:
    """``posterior.functionals @ q`` for ``draws`` NUTS draws of each chain, and the divergences."""
    alpha = torch.as_tensor(posterior.alpha, dtype=torch.float64)
    masks = torch.as_tensor(posterior.masks, dtype=torch.float64)
    counts = torch.as_tensor(posterior.counts, dtype=torch.float64)
    functionals = torch.as_tensor(posterior.functionals, dtype=torch.float64)

    def model() -> None:
        q = pyro.sample("q", dist.Dirichlet(alpha))
        if counts.numel():
            probabilities = (masks @ q).clamp_min(torch.finfo(torch.float64).tiny)
            pyro.factor("cells", (counts * probabilities.log()).sum())

    recorded, divergences = [], 0
    for seed in rng.integers(0, 2**31 - 1, size=chains):
        mcmc = _run_chain(model, draws, warmup, int(seed))
        q = mcmc.get_samples()["q"]
        recorded.append((q @ functionals.T).numpy())
        divergences += sum(len(d) for d in mcmc.diagnostics().get("divergences", {}).values())
    return np.stack(recorded), divergences


def _run_chain(model: Callable[[], None], draws: int, warmup: int, seed: int) -> MCMC:
    threads = torch.get_num_threads()
    kernel = NUTS(model, jit_compile=True, ignore_jit_warnings=True)
    mcmc = MCMC(kernel, num_samples=draws, warmup_steps=warmup, disable_progbar=True)
    try:
        torch.set_num_threads(1)
        with torch.random.fork_rng(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.jit")
            torch.manual_seed(seed)
            mcmc.run()
    finally:
        torch.set_num_threads(threads)
    return mcmc
