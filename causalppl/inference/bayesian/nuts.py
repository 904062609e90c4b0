"""Pyro NUTS over the data likelihood: chains run one after another, discrete latents enumerated.

Chains are sequential on purpose: the generated program is not picklable
and, on a few CPU cores, worker processes cost more to start than they
save.  Each chain gets its own seed (``seed + chain``), so a run is
reproducible.  Discrete latent variables (``latent U ~ Bernoulli(...)``, the
latent classes of ``<->`` arcs) are summed out by enumeration, never sampled.
"""

from __future__ import annotations

import warnings

import numpy as np
import pyro
from pyro.infer import MCMC, NUTS, config_enumerate

from causalppl.inference.bayesian.likelihood import Likelihood
from causalppl.inference.bayesian.runs import SamplerRun, stack_chains
from causalppl.inference.bayesian.settings import FitSettings

MAX_PLATE_NESTING = 1  # the units plate


def run_nuts(likelihood: Likelihood, sites: tuple[str, ...], settings: FitSettings) -> SamplerRun:
    chains, divergences = [], []
    for chain in range(settings.num_chains):
        if settings.seed is not None:
            pyro.set_rng_seed(settings.seed + chain)
        mcmc = _mcmc(likelihood, settings, chain)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*torch.jit.trace.*deprecated", category=DeprecationWarning)
            mcmc.run()
        chains.append(mcmc.get_samples())
        divergences.append(_divergent_draws(mcmc, settings.num_samples))
    return SamplerRun(stack_chains(chains, sites), np.stack(divergences))


def _mcmc(likelihood: Likelihood, settings: FitSettings, chain: int) -> MCMC:
    kernel = NUTS(
        config_enumerate(likelihood),
        max_plate_nesting=MAX_PLATE_NESTING,
        jit_compile=settings.jit_compile,
        ignore_jit_warnings=True,
        target_accept_prob=settings.target_accept,
        max_tree_depth=settings.max_tree_depth,
    )
    return MCMC(kernel, num_samples=settings.num_samples, warmup_steps=settings.num_warmup, num_chains=1,
                disable_progbar=settings.quiet)


def _divergent_draws(mcmc: MCMC, num_samples: int) -> np.ndarray:
    flags = np.zeros(num_samples, dtype=bool)
    indices = mcmc.diagnostics().get("divergences", {}).get("chain 0", [])
    flags[[i for i in indices if 0 <= i < num_samples]] = True
    return flags
