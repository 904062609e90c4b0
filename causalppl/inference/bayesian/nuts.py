"""Pyro NUTS over the data likelihood: chains run one after another, discrete latents enumerated.

Chains are sequential on purpose: the generated program is not picklable
and, on a few CPU cores, worker processes cost more to start than they
save.  Each chain gets its own seed (``seed + chain``), so a run is
reproducible.  Discrete latent variables (``latent U ~ Bernoulli(...)``, the
latent classes of ``<->`` arcs) are summed out by enumeration, never sampled.

The sampler's steps run the program without the run-time site checks and
re-run an evaluation under them only when it fails
(:meth:`Likelihood.checked_on_failure`): a valid model costs what a
hand-written Pyro program costs, and an invalid argument is still a located
error.  Like a hand-written program under Pyro's MCMC, the steps run without
torch's argument validation, unless an argument that changes between steps
can be invalid with a finite density (``Likelihood.validated_steps``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pyro
from pyro.infer import MCMC, NUTS

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


class CheckedOnFailureNUTS(NUTS):
    """Pyro's NUTS whose steps check the sites only on failure (initialisation checks them all, as before).

    Pyro's initialisation (the first evaluations, which check the observed
    rows, and the search for a valid starting point) runs the likelihood
    under the checks; the potential it leaves for the steps is wrapped by
    :meth:`Likelihood.checked_on_failure`.  Under the JIT the potential is
    traced once, so it keeps the checks throughout.  Discrete latents are
    enumerated: Pyro's initialisation configures every enumerable site.
    """

    def __init__(self, likelihood: Likelihood, **options) -> None:
        super().__init__(likelihood, **options)
        self.likelihood = likelihood

    def _initialize_model_properties(self, model_args, model_kwargs) -> None:
        super()._initialize_model_properties(model_args, model_kwargs)
        if not self._jit_compile:
            self.potential_fn = self.likelihood.checked_on_failure(self.potential_fn)


def _mcmc(likelihood: Likelihood, settings: FitSettings, chain: int) -> MCMC:
    kernel = CheckedOnFailureNUTS(
        likelihood,
        max_plate_nesting=MAX_PLATE_NESTING,
        jit_compile=settings.jit_compile,
        ignore_jit_warnings=True,
        target_accept_prob=settings.target_accept,
        max_tree_depth=settings.max_tree_depth,
    )
    return MCMC(kernel, num_samples=settings.num_samples, warmup_steps=settings.num_warmup, num_chains=1,
                disable_progbar=settings.quiet)


SPLIT_RHAT_DRAWS = 4  # the fewest draws pyro's MCMC.diagnostics() accepts


def _divergent_draws(mcmc: MCMC, num_samples: int) -> np.ndarray:
    flags = np.zeros(num_samples, dtype=bool)
    if num_samples >= SPLIT_RHAT_DRAWS:
        indices = mcmc.diagnostics().get("divergences", {}).get("chain 0", [])
    else:  # Pyro's diagnostics() asserts 4 draws for its split R-hat; the divergences are recorded all the same
        indices = (getattr(mcmc, "_diagnostics", [None])[0] or {}).get("divergences", [])
    flags[[i for i in indices if 0 <= i < num_samples]] = True
    return flags
