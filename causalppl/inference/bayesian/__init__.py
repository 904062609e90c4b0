"""Bayesian learning from data: conjugate tables, NUTS and SVI, and queries answered from the posterior.

``fit(model, data, method, options)`` learns the unknowns (parameters with
priors, nonparametric tables, latent-class weights of ``<->`` arcs) and
returns a :class:`Posterior`; ``answer_bayesian`` is the engine's entry
point for ``--method nuts|svi``.  See ``docs/inference.md``.

The package's names load their modules on first use: the planner reads
:mod:`~causalppl.inference.bayesian.structure` and
:mod:`~causalppl.inference.bayesian.settings` for every query, and those
must not import torch and pyro for a query another engine answers.
(``instantiate``, a model with its parameters set to one draw, is imported
from its module, :mod:`causalppl.inference.bayesian.instantiate`, whose name
it shares.)
"""

from causalppl.inference.bayesian.structure import is_conjugate


def __getattr__(name: str):
    """The samplers' names on first use (they import torch and pyro)."""
    if name in ("answer_bayesian", "answer_with_posterior"):
        from causalppl.inference.bayesian import answering as module
    elif name in ("clear_fit_cache", "fit"):
        from causalppl.inference.bayesian import fitting as module
    elif name in ("build_likelihood", "global_sites"):
        from causalppl.inference.bayesian import likelihood as module
    elif name in ("Posterior", "posterior_parameter_draws"):
        from causalppl.inference.bayesian import posterior as module
    else:
        raise AttributeError(f"module 'causalppl.inference.bayesian' has no attribute {name!r}")
    return getattr(module, name)


__all__ = [
    "Posterior",
    "answer_bayesian",
    "answer_with_posterior",
    "build_likelihood",
    "clear_fit_cache",
    "fit",
    "global_sites",
    "is_conjugate",
    "posterior_parameter_draws",
]
