"""The catalogue of distribution families: argument names, support and noise coupling.

Each family lists its canonical argument names (those of
``pyro.distributions``), accepted aliases, the domain its values live in, and
the implicit-noise coupling the language contract fixes for counterfactuals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Noise(Enum):
    """How a stochastic mechanism's implicit exogenous noise enters it."""

    NONE = "none"  # deterministic or constant
    LOCATION_SCALE = "location-scale"  # X = loc + scale * U
    LOG_LOCATION_SCALE = "log-location-scale"  # log X = loc + scale * U
    UNIFORM_THRESHOLD = "uniform-threshold"  # X = 1[U < p]
    INVERSE_CDF = "inverse-cdf"  # X = F^-1(U), U ~ Uniform(0, 1)
    GUMBEL_MAX = "gumbel-max"  # X = argmax(logits + G)
    RESPONSE_FUNCTION = "response-function"  # nonparametric: a latent choice of function


@dataclass(frozen=True)
class Family:
    """A distribution family: its arguments in order, how many are required, its support and noise kind."""

    name: str
    arguments: tuple[str, ...]  # canonical names, positional order
    required: int  # how many leading arguments must be given
    support: str  # "bool", "categorical", "int", "real", "positive", "unit", "simplex"
    noise: Noise
    aliases: tuple[tuple[str, str], ...] = ()
    alternatives: tuple[tuple[str, ...], ...] = ()  # mutually exclusive argument groups

    def canonical(self, name: str) -> str | None:
        if name in self.arguments:
            return name
        return dict(self.aliases).get(name)


def _family(name, arguments, support, noise, required=None, aliases=(), alternatives=()) -> Family:
    return Family(name, tuple(arguments), len(arguments) if required is None else required, support, noise,
                  tuple(aliases), tuple(alternatives))


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        _family("Bernoulli", ["probs", "logits"], "bool", Noise.UNIFORM_THRESHOLD, required=1,
                aliases=[("p", "probs")], alternatives=[("probs", "logits")]),
        _family("Categorical", ["probs", "logits"], "categorical", Noise.GUMBEL_MAX, required=1,
                aliases=[("p", "probs")], alternatives=[("probs", "logits")]),
        _family("Normal", ["loc", "scale"], "real", Noise.LOCATION_SCALE,
                aliases=[("mu", "loc"), ("mean", "loc"), ("sigma", "scale"), ("sd", "scale"), ("std", "scale")]),
        _family("LogNormal", ["loc", "scale"], "positive", Noise.LOG_LOCATION_SCALE,
                aliases=[("mu", "loc"), ("sigma", "scale")]),
        _family("StudentT", ["df", "loc", "scale"], "real", Noise.LOCATION_SCALE, required=1,
                aliases=[("nu", "df"), ("mu", "loc"), ("sigma", "scale")]),
        _family("Cauchy", ["loc", "scale"], "real", Noise.LOCATION_SCALE),
        _family("Laplace", ["loc", "scale"], "real", Noise.LOCATION_SCALE),
        _family("Uniform", ["low", "high"], "real", Noise.INVERSE_CDF),
        _family("Beta", ["concentration1", "concentration0"], "unit", Noise.INVERSE_CDF,
                aliases=[("alpha", "concentration1"), ("beta", "concentration0"), ("a", "concentration1"),
                         ("b", "concentration0")]),
        _family("Gamma", ["concentration", "rate"], "positive", Noise.INVERSE_CDF,
                aliases=[("shape", "concentration"), ("alpha", "concentration"), ("beta", "rate")]),
        _family("Exponential", ["rate"], "positive", Noise.INVERSE_CDF, aliases=[("lambda", "rate")]),
        _family("HalfNormal", ["scale"], "positive", Noise.INVERSE_CDF, aliases=[("sigma", "scale")]),
        _family("HalfCauchy", ["scale"], "positive", Noise.INVERSE_CDF),
        _family("Poisson", ["rate"], "int", Noise.INVERSE_CDF, aliases=[("lambda", "rate"), ("mu", "rate")]),
        _family("Binomial", ["total_count", "probs"], "int", Noise.INVERSE_CDF,
                aliases=[("n", "total_count"), ("p", "probs")]),
        _family("Dirichlet", ["concentration"], "simplex", Noise.INVERSE_CDF, aliases=[("alpha", "concentration")]),
    )
}

#: Families whose arguments must be positive numbers when given as constants.
POSITIVE_ARGUMENTS = {"scale", "rate", "concentration", "concentration1", "concentration0", "df", "total_count"}
