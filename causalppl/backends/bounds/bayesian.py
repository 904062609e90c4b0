"""Bayesian partial identification: the posterior of a query under a Dirichlet prior on response types.

Sharp bounds say where the data confine a query; this mode says how a prior
spreads belief inside that identified set. The response-type distribution
``q`` of the modelled variables gets a Dirichlet prior (concentration
``prior`` on each canonical joint response type), the conditioned variables
their own Dirichlet, and the cell counts a multinomial likelihood (see
:mod:`.response_posterior`). ``q`` is sampled by exact Gibbs data
augmentation with fiber moves (:mod:`.gibbs`, the default) or by NUTS
(:mod:`.response_nuts`), and each draw is pushed through the query, which
is linear in ``q`` (a ratio for conditional queries).

With infinite data the posterior of ``q`` still spreads over every response
distribution reproducing the observed distribution, so the posterior of a
query that is not point-identified depends on the prior however many units
there are; only its support (the sharp bounds) is fixed by the data.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from causalppl.backends.bounds.gibbs import (
    MAX_FIBER_COLUMNS,
    fiber_move_count,
    gibbs_functionals,
)
from causalppl.backends.bounds.problem import DiscreteGraph, Experiment, LinearQuery
from causalppl.backends.bounds.response_posterior import (
    ResponsePosterior,
    query_values,
    response_posterior,
)

METHODS = ("gibbs", "nuts")
DEFAULT_CHAINS = 4


@dataclass(frozen=True)
class BayesianBoundsResult:
    """Posterior draws of a query and their summary.

    ``draws`` holds every kept draw (chains concatenated); ``chain_draws`` the
    same values as (chains, draws per chain). ``interval`` is the central
    credible interval at ``level``; ``diagnostics`` has ``rhat``, ``ess_bulk``,
    ``ess_tail``, ``mcse_mean`` (ArviZ, over the chains), the sampler and the prior.
    """

    draws: np.ndarray
    chain_draws: np.ndarray
    mean: float
    interval: tuple[float, float]
    level: float
    method: str
    diagnostics: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def posterior_query_draws(
    graph: DiscreteGraph,
    query: LinearQuery,
    observational_counts: np.ndarray | None,
    experimental_counts: Sequence[Experiment] = (),
    *,
    prior: float = 1.0,
    conditioned_prior: float = 1.0,
    draws: int = 2000,
    warmup: int = 500,
    chains: int = DEFAULT_CHAINS,
    seed: int | None = None,
    method: str = "gibbs",
    fiber_moves: int | None = None,
    level: float = 0.95,
) -> BayesianBoundsResult:
    """Posterior draws of ``query`` given cell counts over ``graph``'s variables (cards order).

    ``experimental_counts`` are :class:`Experiment` objects holding counts.
    ``draws`` is the total number of kept draws, rounded up to a multiple of
    ``chains``; ``warmup`` sweeps per chain are discarded. ``method`` is
    "gibbs" (exact data augmentation, whole-number counts; ``fiber_moves``
    per sweep, by default the fiber's dimension) or "nuts" (Pyro).
    """
    if method not in METHODS:
        raise ValueError(f"unknown sampler {method!r}; choose one of {', '.join(METHODS)}")
    if chains < 2 or draws < 1 or warmup < 0:
        raise ValueError("need at least 2 chains, 1 draw and a nonnegative warm-up")
    started = time.perf_counter()
    posterior = response_posterior(
        graph, query, observational_counts, experimental_counts, prior=prior, conditioned_prior=conditioned_prior
    )
    rng = np.random.default_rng(seed)
    per_chain = math.ceil(draws / chains)
    recorded, extra = _sample(posterior, method, chains, per_chain, warmup, fiber_moves, rng)
    weights = rng.dirichlet(posterior.conditioned_alpha, size=(chains, per_chain))
    values = query_values(posterior, recorded, weights)
    diagnostics = {
        **chain_diagnostics(values),
        **extra,
        "sampler": method,
        "chains": chains,
        "draws_per_chain": per_chain,
        "warmup": warmup,
        "prior": prior_description(posterior, prior, conditioned_prior),
        "n_columns": posterior.n_columns,
        "observed_cells": int(posterior.counts.size),
        "seconds": time.perf_counter() - started,
    }
    return _summary(values, level, method, diagnostics, _notes(posterior, method))


def _sample(
    posterior: ResponsePosterior,
    method: str,
    chains: int,
    per_chain: int,
    warmup: int,
    fiber_moves: int | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, dict[str, Any]]:
    if method == "nuts":
        from causalppl.backends.bounds.response_nuts import nuts_functionals

        recorded, divergences = nuts_functionals(posterior, chains=chains, draws=per_chain, warmup=warmup, rng=rng)
        return recorded, {"divergences": divergences}
    recorded = gibbs_functionals(
        posterior, chains=chains, draws=per_chain, warmup=warmup, fiber_moves=fiber_moves, rng=rng
    )
    return recorded, {"fiber_moves": fiber_move_count(posterior, fiber_moves)}


def chain_diagnostics(chain_values: np.ndarray) -> dict[str, float]:
    """R-hat, bulk and tail ESS and the Monte Carlo standard error of the mean (ArviZ), per query."""
    import arviz as az

    finite = chain_values[np.isfinite(chain_values).all(axis=1)]
    if len(finite) < 2 or finite.shape[1] < 4:
        return {"rhat": math.nan, "ess_bulk": math.nan, "ess_tail": math.nan, "mcse_mean": math.nan}
    dataset = az.convert_to_dataset({"query": finite})
    return {
        "rhat": _scalar(az.rhat(dataset)),
        "ess_bulk": _scalar(az.ess(dataset, method="bulk")),
        "ess_tail": _scalar(az.ess(dataset, method="tail")),
        "mcse_mean": _scalar(az.mcse(dataset, method="mean")),
    }


def _scalar(dataset: Any) -> float:
    return float(dataset["query"].values)


def prior_description(posterior: ResponsePosterior, prior: float, conditioned_prior: float) -> dict[str, Any]:
    """The prior, in words and numbers, for the result's diagnostics."""
    conditioned = posterior.skeleton.space.conditioned
    return {
        "response_types": f"Dirichlet({prior:g}) on each canonical joint response type",
        "canonical_types": posterior.canonical_types,
        "conditioned": f"Dirichlet({conditioned_prior:g}) on the joint of {', '.join(conditioned)}"
        if conditioned
        else None,
    }


def _notes(posterior: ResponsePosterior, method: str) -> tuple[str, ...]:
    notes = list(posterior.skeleton.space.notes)
    if method == "gibbs" and posterior.n_columns > MAX_FIBER_COLUMNS:
        notes.append(
            f"more than {MAX_FIBER_COLUMNS} columns: fiber moves were skipped, so the Gibbs chain "
            "may mix slowly along the directions the data do not identify; check R-hat"
        )
    return tuple(notes)


def _summary(
    chain_values: np.ndarray, level: float, method: str, diagnostics: dict[str, Any], notes: tuple[str, ...]
) -> BayesianBoundsResult:
    values = chain_values.reshape(-1)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise ValueError("no posterior draw gives the query's condition a positive probability")
    tail = (1.0 - level) / 2.0
    diagnostics["undefined_draws"] = int(values.size - finite.size)
    return BayesianBoundsResult(
        draws=values,
        chain_draws=chain_values,
        mean=float(finite.mean()),
        interval=(float(np.quantile(finite, tail)), float(np.quantile(finite, 1.0 - tail))),
        level=level,
        method=method,
        diagnostics=diagnostics,
        notes=notes,
    )
