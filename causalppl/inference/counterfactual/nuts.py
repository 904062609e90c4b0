"""NUTS over the free noise of a multi-world model, for evidence that likelihood weighting handles badly.

The free sites (noise drawn from its prior upstream of the evidence) are the
chain's state; every pinned site stays exact: the potential is
``-(log prior(free) + log-likelihood of the evidence)``, the likelihood
coming from the same abduction pass (with interval-valued noises at their
midpoints, which leaves the likelihood unchanged).  After the chain, the
pinned sites are drawn from their exact conditional posteriors for each
state.  Only continuous free sites with fixed parameters qualify.
"""

from __future__ import annotations

from typing import Mapping

import torch
from pyro.infer import MCMC, NUTS

from causalppl.backends import structural
from causalppl.inference.counterfactual.abduction import (
    Draws,
    Observation,
    abduction_plan,
    run_plan,
)
from causalppl.ir.model import CausalModel

CONTINUOUS_LAWS = ("Normal", "StudentT", "Cauchy", "Laplace", "Gumbel")
WARMUP = 300
MAX_SAMPLES = 2000
BARRIER = 1e10


def nuts_obstacle(model: CausalModel, draws: Draws, fixed_parameters: bool) -> str | None:
    """Why NUTS cannot run on these free sites, or None when it can."""
    if not draws.free_sites:
        return "no free noise upstream of the evidence"
    if not fixed_parameters:
        return "parameters with priors, or covariates from data rows, vary from draw to draw"
    uniform = [s for s in draws.free_sites if model.variable(s).mechanism.law not in CONTINUOUS_LAWS]
    if uniform:
        return f"the noise of '{model.variable(uniform[0]).mechanism.owner}' drives a discrete or inverse-CDF mechanism"
    return None


def nuts_draws(model: CausalModel, observations: tuple[Observation, ...], params: Mapping[str, torch.Tensor],
               n: int, start: Draws) -> tuple[Draws, int]:
    """Posterior draws of every site with the free ones from NUTS; also the number of chain steps."""
    plan = abduction_plan(model, observations)
    free = start.free_sites
    best = int(torch.argmax(start.log_weights))
    initial = {s: start.values[s][best].clone() for s in free}

    def potential(state: Mapping[str, torch.Tensor]) -> torch.Tensor:
        noise = {s: state[s].unsqueeze(0) for s in free}
        _, log_weights = run_plan(model, plan, dict(params), 1, noise, draw=False)
        prior = sum(structural.noise_log_prob(model.variable(s), params, state[s]).sum() for s in free)
        total = prior + log_weights[0]
        return -total if bool(torch.isfinite(total)) else torch.tensor(BARRIER, dtype=total.dtype) + 0 * prior

    steps = min(n, MAX_SAMPLES)
    mcmc = MCMC(NUTS(potential_fn=potential), num_samples=steps, warmup_steps=min(WARMUP, max(100, steps)),
                initial_params=initial, disable_progbar=True)
    mcmc.run()
    states = {s: v.detach() for s, v in mcmc.get_samples().items()}
    env, _ = run_plan(model, plan, dict(params), steps, states, draw=True)
    weights = torch.zeros(steps, dtype=torch.get_default_dtype())
    return Draws(env, weights, False, free), steps
