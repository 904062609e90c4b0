"""Implicit noise made explicit: a pure IR → IR transform (language contract, section 5).

Every stochastic mechanism ``X ~ Family(...)`` (or a table) becomes a
:class:`Coupled` mechanism that computes X from its parents and one new
exogenous site ``U_X`` whose mechanism is a :class:`NoiseSource` with the
standardized law the contract fixes:

=====================================  ==========================  ===========================
family                                 noise site ``U_X``          X from its parents and U_X
=====================================  ==========================  ===========================
Normal, StudentT, Cauchy, Laplace      the family with loc 0,      ``loc + scale * U``
                                       scale 1 (same ``df``)
LogNormal                              Normal(0, 1)                ``exp(loc + scale * U)``
Bernoulli                              Uniform(0, 1)               ``1[U < p]``
tables, Binomial, Poisson, Uniform,    Uniform(0, 1)               inverse CDF at U
Beta, Gamma, Exponential, HalfNormal,
HalfCauchy
Categorical                            k independent Gumbel(0, 1)  ``argmax(logits + U)``
deterministic and constant             none                        unchanged
=====================================  ==========================  ===========================

After the transform every variable but the noise sites is a deterministic
function of its parents, so copies of a variable in several worlds share
randomness simply by naming the same site.  The input model is never mutated.

>>> import causalppl as cp
>>> m = cp.loads("model M { X ~ Bernoulli(0.3)\\n Y ~ Normal(2 * X, 1) }")
>>> e = explicit_noise(m.ir)
>>> [(v.name, v.mechanism.law) for v in noise_sites(e)]
[('U_X', 'Uniform'), ('U_Y', 'Normal')]
>>> e.parents("Y")
('X', 'U_Y')
"""

from __future__ import annotations

from dataclasses import replace

from causalppl.ir import expressions as rx
from causalppl.ir.families import Noise
from causalppl.ir.mechanisms import (
    Coupled,
    NoiseSource,
    NonparametricMechanism,
    Parametric,
    TableMechanism,
)
from causalppl.ir.model import CausalModel, Variable
from causalppl.ir.types import REAL
from causalppl.transforms import messages

LAWS = {
    Noise.LOCATION_SCALE: None,  # the family itself, standardized
    Noise.LOG_LOCATION_SCALE: "Normal",
    Noise.UNIFORM_THRESHOLD: "Uniform",
    Noise.INVERSE_CDF: "Uniform",
    Noise.GUMBEL_MAX: "Gumbel",
}


class NoiseError(ValueError):
    """A mechanism has no well-defined explicit noise (the message says what to write instead)."""


def explicit_noise(model: CausalModel) -> CausalModel:
    """The model with one explicit exogenous site per stochastic mechanism (pure)."""
    _require_known(model)
    taken = {v.name for v in model.variables}
    sites: list[Variable] = []
    variables: list[Variable] = []
    for variable in model.model_variables:
        if isinstance(variable.mechanism, (Parametric, TableMechanism)):
            site = _fresh(f"U_{variable.name}", taken)
            sites.append(_site(variable, site))
            variable = replace(variable, mechanism=Coupled(variable.mechanism, site, variable.mechanism.span))
        variables.append(variable)
    return model.with_variables(tuple(model.parameters) + tuple(sites) + tuple(variables))


def noise_sites(model: CausalModel) -> tuple[Variable, ...]:
    """The explicit noise sites of a transformed model."""
    return tuple(v for v in model.model_variables if isinstance(v.mechanism, NoiseSource))


def _require_known(model: CausalModel) -> None:
    if model.confounders:
        arc = model.confounders[0]
        raise NoiseError(messages.unknown_confounder(arc.a, arc.b))
    for variable in model.model_variables:
        if isinstance(variable.mechanism, NonparametricMechanism):
            raise NoiseError(messages.unknown_mechanism(variable.name))


def _site(variable: Variable, name: str) -> Variable:
    mechanism = variable.mechanism
    coupling = mechanism.noise
    if coupling not in LAWS:
        raise NoiseError(messages.no_noise_coupling(variable.name))
    law = LAWS[coupling] or mechanism.family
    size = variable.domain.size if coupling is Noise.GUMBEL_MAX else None
    df = mechanism.argument("df") if law == "StudentT" else None
    if df is not None and rx.variables_in(df):
        raise NoiseError(messages.varying_degrees_of_freedom(variable.name))
    source = NoiseSource(law, variable.name, mechanism.span, size, df)
    return Variable(name, "latent", REAL, source, variable.span, size)


def _fresh(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name
