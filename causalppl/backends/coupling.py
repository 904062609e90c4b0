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


def continuous_distribution(family: str, args: dict) -> D.Distribution:
    tensors = {name: _t(value) for name, value in args.items()}
    return getattr(D, family)(**tensors)


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
    index = index.expand(lower.shape[:-1] + (1,))
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
