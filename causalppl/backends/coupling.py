"""The noise couplings of the language contract, forwards and backwards, on tensors.

Forward maps compute a variable from its mechanism's arguments and its
standardized noise ``u`` (what generated multi-world programs call, imported
there as ``cf``).  Backward maps give the exact posterior of the noise given
an observed value and known parents (abduction):

* location-scale: ``u = (x - loc) / scale`` (a point);
* Bernoulli and inverse-CDF discrete: ``u`` uniform on ``[F(x-1), F(x))``;
* continuous inverse-CDF: ``u = F(x)`` (a point);
* Gumbel-max: the top-down truncated-Gumbel construction.

Everything broadcasts over leading batch axes.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special
import torch
import torch.distributions as D

POISSON_TAIL_SDS = 12.0


# ---------------------------------------------------------------- forward ----


def location_scale(loc, scale, u) -> torch.Tensor:
    return _t(loc) + _t(scale) * _t(u)


def log_location_scale(loc, scale, u) -> torch.Tensor:
    return torch.exp(location_scale(loc, scale, u))


def threshold(p, u) -> torch.Tensor:
    """Bernoulli: ``1[u < p]``."""
    return (_t(u) < _t(p)).to(torch.get_default_dtype())


def bernoulli_p(probs=None, logits=None) -> torch.Tensor:
    return _t(probs) if probs is not None else torch.sigmoid(_t(logits))


def inverse_cdf(probs, u) -> torch.Tensor:
    """Ordered discrete: the level ``k`` with ``F(k-1) <= u < F(k)`` (``probs`` on the last axis)."""
    cumulative = torch.cumsum(_t(probs), dim=-1)
    u = _t(u).unsqueeze(-1)
    count = (cumulative <= u).sum(-1)
    return count.clamp(max=cumulative.shape[-1] - 1).to(torch.get_default_dtype())


def gumbel_max(logits, g) -> torch.Tensor:
    """Categorical: ``argmax(logits + g)``."""
    return torch.argmax(_t(logits) + _t(g), dim=-1).to(torch.get_default_dtype())


def categorical_logits(probs=None, logits=None) -> torch.Tensor:
    return torch.log(_t(probs)) if probs is not None else torch.log_softmax(_t(logits), dim=-1)


def count_probs(family: str, args: dict) -> torch.Tensor:
    """Probabilities of 0, 1, ..., K on the last axis for Binomial and Poisson (K covers the mass)."""
    if family == "Binomial":
        n = _t(args["total_count"])
        top = int(n.max())
        dist = D.Binomial(total_count=n.unsqueeze(-1), probs=_t(args["probs"]).unsqueeze(-1))
        support = torch.arange(top + 1, dtype=torch.get_default_dtype())
        return torch.exp(dist.log_prob(torch.minimum(support, n.unsqueeze(-1)))) * (support <= n.unsqueeze(-1))
    rate = _t(args["rate"])
    top = int(math.ceil(float(rate.max()) + POISSON_TAIL_SDS * math.sqrt(float(rate.max())) + 20))
    support = torch.arange(top + 1, dtype=torch.get_default_dtype())
    return torch.exp(D.Poisson(rate.unsqueeze(-1)).log_prob(support))


def continuous_icdf(family: str, args: dict, u) -> torch.Tensor:
    """Inverse CDF of the continuous families whose noise is a Uniform."""
    u = _t(u)
    if family == "Gamma":
        shape = _numpy(args["concentration"])
        value = scipy.special.gammaincinv(shape, _numpy(u)) / _numpy(args["rate"])
        return torch.as_tensor(value, dtype=torch.get_default_dtype())
    if family == "Beta":
        value = scipy.special.betaincinv(_numpy(args["concentration1"]), _numpy(args["concentration0"]), _numpy(u))
        return torch.as_tensor(value, dtype=torch.get_default_dtype())
    return continuous_distribution(family, args).icdf(u)


def continuous_cdf(family: str, args: dict, x) -> torch.Tensor:
    x = _t(x)
    if family == "Beta":
        value = scipy.special.betainc(_numpy(args["concentration1"]), _numpy(args["concentration0"]), _numpy(x))
        return torch.as_tensor(value, dtype=torch.get_default_dtype())
    return continuous_distribution(family, args).cdf(x)


def continuous_abduction(family: str, args: dict, x) -> tuple[torch.Tensor, torch.Tensor]:
    """The noise ``u = F(x)`` and the density's log at ``x``; a value outside the family's support has weight 0
    (log -inf; its noise is a stand-in, never used), not an error of the distribution's argument checks."""
    x = _t(x)
    distribution = continuous_distribution(family, args, validate=False)
    inside = distribution.support.check(x)
    if bool(inside.all()):
        return continuous_cdf(family, args, x), distribution.log_prob(x)
    stand_in = torch.where(inside, x, _inside_point(distribution, x))
    u = torch.where(inside, continuous_cdf(family, args, stand_in), torch.full_like(stand_in, 0.5))
    log_weight = torch.where(inside, distribution.log_prob(stand_in), torch.full_like(stand_in, -torch.inf))
    return u, log_weight


def _inside_point(distribution: D.Distribution, like: torch.Tensor) -> torch.Tensor:
    """A value inside the support (its median where defined, else inside its bounds)."""
    support = distribution.support
    low = getattr(support, "lower_bound", None)
    high = getattr(support, "upper_bound", None)
    if low is not None and high is not None:
        point = (_t(low) + _t(high)) / 2
    elif low is not None:
        point = _t(low) + 1.0
    elif high is not None:
        point = _t(high) - 1.0
    else:
        point = torch.zeros(())
    return torch.broadcast_to(point.to(like.dtype), torch.broadcast_shapes(point.shape, like.shape))


def continuous_distribution(family: str, args: dict, validate: bool | None = None) -> D.Distribution:
    tensors = {name: _t(value) for name, value in args.items()}
    return getattr(D, family)(**tensors, validate_args=validate)


def discrete_cumulative(probs) -> tuple[torch.Tensor, torch.Tensor]:
    """``F(k-1)`` and ``F(k)`` for every level ``k`` (last axis)."""
    upper = torch.cumsum(_t(probs), dim=-1)
    lower = torch.cat([torch.zeros_like(upper[..., :1]), upper[..., :-1]], dim=-1)
    return lower, upper.clamp(max=1.0)


# --------------------------------------------------------------- backward ----


def standardize(x, loc, scale) -> torch.Tensor:
    """Location-scale abduction: the noise that maps the parents to ``x``."""
    return (_t(x) - _t(loc)) / _t(scale)


def level_interval(probs, x) -> tuple[torch.Tensor, torch.Tensor]:
    """The interval of ``u`` on which the inverse-CDF coupling gives level ``x``."""
    lower, upper = discrete_cumulative(probs)
    index = _t(x).long().unsqueeze(-1)
    lower, upper = torch.broadcast_tensors(lower, upper)
    batch = torch.broadcast_shapes(lower.shape[:-1], index.shape[:-1])  # (a root's table has no batch axes)
    lower, upper = lower.expand(batch + lower.shape[-1:]), upper.expand(batch + upper.shape[-1:])
    index = index.expand(batch + (1,))
    return lower.gather(-1, index).squeeze(-1), upper.gather(-1, index).squeeze(-1)


def threshold_interval(p, x) -> tuple[torch.Tensor, torch.Tensor]:
    """The interval of ``u`` on which ``1[u < p]`` equals ``x``."""
    p, x = torch.broadcast_tensors(_t(p), _t(x))
    lower = torch.where(x > 0.5, torch.zeros_like(p), p)
    upper = torch.where(x > 0.5, p, torch.ones_like(p))
    return lower, upper


def truncated_uniform(lower, upper) -> torch.Tensor:
    """A uniform draw on ``[lower, upper)``, elementwise."""
    lower, upper = torch.broadcast_tensors(_t(lower), _t(upper))
    return lower + (upper - lower) * torch.rand(lower.shape, dtype=lower.dtype)


def truncated_gumbel_posterior(logits, x) -> torch.Tensor:
    """Exact draw of ``g`` ~ iid Gumbel(0, 1) given ``argmax(logits + g) = x`` (top-down construction).

    The maximum ``logits[x] + g[x]`` is Gumbel with location ``logsumexp(logits)``;
    every other ``logits[j] + g[j]`` is a Gumbel with location ``logits[j]``
    truncated below that maximum (Maddison, Tarlow and Minka 2014).
    """
    logits = _t(logits)
    index = _t(x).long()
    shape = torch.broadcast_shapes(logits.shape[:-1], index.shape)
    logits = logits.expand(shape + logits.shape[-1:])
    index = index.expand(shape).unsqueeze(-1)
    top = torch.logsumexp(logits, dim=-1, keepdim=True) + _gumbel(shape + (1,), logits.dtype)
    free = logits + _gumbel(logits.shape, logits.dtype)
    below = -torch.logaddexp(-top, -free)  # Gumbel(logits) truncated at top
    perturbed = below.scatter(-1, index, top)
    return torch.where(torch.isfinite(logits), perturbed - logits, _gumbel(logits.shape, logits.dtype))


def _gumbel(shape, dtype) -> torch.Tensor:
    tiny = torch.finfo(dtype).tiny
    u = torch.rand(shape, dtype=dtype).clamp(min=tiny)
    return -torch.log((-torch.log(u)).clamp(min=tiny))


def _t(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value if value.is_floating_point() else value.to(torch.get_default_dtype())
    return torch.as_tensor(value, dtype=torch.get_default_dtype())


def _numpy(value) -> np.ndarray:
    return _t(value).detach().cpu().numpy()
