"""Bayesian learning from data: conjugate tables, NUTS and SVI, and queries answered from the posterior.

``fit(model, data, method, options)`` learns the unknowns (parameters with
priors, nonparametric tables, latent-class weights of ``<->`` arcs) and
returns a :class:`Posterior`; ``answer_bayesian`` is the engine's entry
point for ``--method nuts|svi``.  See ``docs/inference.md``.
"""

from causalppl.inference.bayesian.answering import (
    answer_bayesian,
    answer_with_posterior,
)
from causalppl.inference.bayesian.conjugate import is_conjugate
from causalppl.inference.bayesian.fitting import clear_fit_cache, fit
from causalppl.inference.bayesian.instantiate import instantiate
from causalppl.inference.bayesian.likelihood import build_likelihood, global_sites
from causalppl.inference.bayesian.posterior import Posterior, posterior_parameter_draws

__all__ = [
    "Posterior",
    "answer_bayesian",
    "answer_with_posterior",
    "build_likelihood",
    "clear_fit_cache",
    "fit",
    "global_sites",
    "instantiate",
    "is_conjugate",
    "posterior_parameter_draws",
]
