"""Evaluate an explicit-noise (multi-world) model on tensors: noise laws, forward maps, abduction steps.

Every function takes an environment mapping variable and parameter names to
tensors with a leading batch axis of ``n`` draws (parameters may also be
unbatched).  The model is one produced by
:func:`causalppl.transforms.noise.explicit_noise` or
:func:`causalppl.transforms.worlds.build_worlds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import torch
import torch.distributions as D

from causalppl.backends import coupling as cf
from causalppl.backends import runtime as rt
from causalppl.backends.tensor_eval import evaluate
from causalppl.ir.families import Noise
from causalppl.ir.mechanisms import (
    ConstantMechanism,
    Coupled,
    Covariate,
    Deterministic,
    NoiseSource,
    TableMechanism,
)
from causalppl.ir.model import Variable

Env = Mapping[str, torch.Tensor]
COUNT_FAMILIES = ("Binomial", "Poisson")


@dataclass(frozen=True)
class Abduced:
    """The noise of one observed variable given its parents, and the observation's log-likelihood."""

    noise: torch.Tensor
    log_weight: torch.Tensor


def noise_law(site: NoiseSource, env: Env) -> D.Distribution:
    """The standardized law of a noise site (batch shape ``()``; a Gumbel site is a vector event)."""
    zero, one = torch.tensor(0.0), torch.tensor(1.0)
    if site.law == "Uniform":
        return D.Uniform(zero, one)
    if site.law == "Gumbel":
        return D.Independent(D.Gumbel(zero.expand([site.size]), one.expand([site.size])), 1)
    if site.law == "StudentT":
        return D.StudentT(rt.tensor(evaluate(site.df, env)), zero, one)
    return getattr(D, site.law)(zero, one)


def sample_noise(variable: Variable, env: Env, n: int) -> torch.Tensor:
    """``n`` prior draws of a noise site (from torch's global generator)."""
    site: NoiseSource = variable.mechanism
    return noise_law(site, env).sample((n,)).to(torch.get_default_dtype())


def noise_log_prob(variable: Variable, env: Env, value: torch.Tensor) -> torch.Tensor:
    law = noise_law(variable.mechanism, env)
    return law.log_prob(value)


def inputs(mechanism: Coupled, env: Env) -> dict[str, torch.Tensor]:
    """The evaluated arguments of a coupled mechanism (``probs`` rows for a table)."""
    base = mechanism.base
    if isinstance(base, TableMechanism):
        cpt = rt.table(list(base.rows)).reshape(tuple(base.parent_sizes) + (-1,))
        return {"probs": rt.lookup(cpt, *(env[p] for p in base.parents))}
    return {name: rt.tensor(evaluate(expr, env)) for name, expr in base.arguments}


def value_of(variable: Variable, env: Env, n: int) -> torch.Tensor:
    """The value of a non-noise variable from its parents (and its noise site) in ``env``."""
    mechanism = variable.mechanism
    if isinstance(mechanism, ConstantMechanism):
        return torch.full((n,), float(mechanism.value), dtype=torch.get_default_dtype())
    if isinstance(mechanism, Deterministic):
        return _batch(rt.tensor(evaluate(mechanism.expr, env)), n)
    if isinstance(mechanism, Coupled):
        return _batch(forward(mechanism, inputs(mechanism, env), env[mechanism.site]), n)
    if isinstance(mechanism, Covariate) and variable.name in env:  # read from the data rows, like a parameter
        return _batch(rt.tensor(env[variable.name]), n)
    raise TypeError(f"'{variable.name}' is not a structural equation")


def forward(mechanism: Coupled, args: Mapping[str, torch.Tensor], u: torch.Tensor) -> torch.Tensor:
    coupling, family = mechanism.coupling, mechanism.family
    if coupling is Noise.LOCATION_SCALE:
        return cf.location_scale(args.get("loc", 0.0), args.get("scale", 1.0), u)
    if coupling is Noise.LOG_LOCATION_SCALE:
        return cf.log_location_scale(args["loc"], args["scale"], u)
    if coupling is Noise.UNIFORM_THRESHOLD:
        return cf.threshold(cf.bernoulli_p(args.get("probs"), args.get("logits")), u)
    if coupling is Noise.GUMBEL_MAX:
        return cf.gumbel_max(cf.categorical_logits(args.get("probs"), args.get("logits")), u)
    if family == "table":
        return cf.inverse_cdf(args["probs"], u)
    if family in COUNT_FAMILIES:
        return cf.inverse_cdf(cf.count_probs(family, args), u)
    return cf.continuous_icdf(family, args, u)


def abduce(variable: Variable, site: Variable, env: Env, x: torch.Tensor, draw: bool = True) -> Abduced:
    """Exact posterior draw of the noise of ``variable`` given its parents (in ``env``) and value ``x``.

    ``draw=False`` puts interval-valued noises at their midpoints (for a
    deterministic potential); the log-weight does not depend on the draw.
    """
    mechanism: Coupled = variable.mechanism
    args, coupling, family = inputs(mechanism, env), mechanism.coupling, mechanism.family
    x = rt.tensor(x)
    if coupling is Noise.LOCATION_SCALE:
        scale = args.get("scale", torch.tensor(1.0))
        u = cf.standardize(x, args.get("loc", 0.0), scale)
        return Abduced(u, noise_log_prob(site, env, u) - torch.log(scale))
    if coupling is Noise.LOG_LOCATION_SCALE:
        u = cf.standardize(torch.log(x), args["loc"], args["scale"])
        return Abduced(u, noise_log_prob(site, env, u) - torch.log(args["scale"]) - torch.log(x))
    if coupling is Noise.GUMBEL_MAX:
        logits = cf.categorical_logits(args.get("probs"), args.get("logits"))
        return Abduced(cf.truncated_gumbel_posterior(logits, x), _pick(logits, x))
    if coupling is Noise.UNIFORM_THRESHOLD:
        return _interval(*cf.threshold_interval(cf.bernoulli_p(args.get("probs"), args.get("logits")), x), draw)
    if family == "table" or family in COUNT_FAMILIES:
        probs = args["probs"] if family == "table" else cf.count_probs(family, args)
        return _discrete(probs, x, draw)
    return Abduced(*cf.continuous_abduction(family, args, x))


def _discrete(probs: torch.Tensor, x: torch.Tensor, draw: bool) -> Abduced:
    k = probs.shape[-1]
    valid = (x == torch.round(x)) & (x >= 0) & (x < k)
    lower, upper = cf.level_interval(probs, torch.where(valid, x, torch.zeros_like(x)))
    result = _interval(lower, upper, draw)
    return Abduced(result.noise, torch.where(valid, result.log_weight, torch.tensor(-torch.inf)))


def _interval(lower: torch.Tensor, upper: torch.Tensor, draw: bool) -> Abduced:
    u = cf.truncated_uniform(lower, upper) if draw else (lower + upper) / 2
    return Abduced(u, torch.log((upper - lower).clamp(min=0.0)))


def _pick(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    log_probs = torch.log_softmax(logits, dim=-1)
    index = x.long()
    shape = torch.broadcast_shapes(log_probs.shape[:-1], index.shape)
    return log_probs.expand(shape + log_probs.shape[-1:]).gather(-1, index.expand(shape).unsqueeze(-1)).squeeze(-1)


def _batch(value: torch.Tensor, n: int) -> torch.Tensor:
    if value.dim() == 0:
        return value.expand(n).clone()
    return value

