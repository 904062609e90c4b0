"""``fit``: learn a model's unknowns from data by conjugate updates, NUTS or SVI.

Fits are cached per (model, data object, method, settings) for the life of
the process, so the queries of one run -- or of one fitted Python model --
share one posterior.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any, Hashable

import pyro
import torch
from pyro import poutine

from causalppl.backends.pyro_codegen import CodegenError, compiled_program
from causalppl.backends.symbols import site_names
from causalppl.backends.site_checks import InvalidSite
from causalppl.data import DataCollection
from causalppl.data.checks import row_of
from causalppl.diagnostics import Span, spell_option
from causalppl.data.covariates import covariate_names, covariate_rows
from causalppl.inference.bayesian.augmentation import augmented_draws
from causalppl.inference.bayesian.conjugate import conjugate_draws
from causalppl.inference.bayesian.structure import conjugate_route, needs_augmentation, separable_tables
from causalppl.inference.bayesian.diagnostics import (
    independent_summary,
    inference_data,
    summarize,
)
from causalppl.inference.bayesian.chains import run_chains
from causalppl.inference.bayesian.likelihood import build_likelihood, constant_factors, global_sites
from causalppl.inference.bayesian.numpyro_nuts import require_numpyro, run_numpyro_nuts
from causalppl.inference.bayesian.posterior import Posterior
from causalppl.inference.bayesian.runs import SamplerRun, stack_chains
from causalppl.inference.bayesian.settings import FitSettings, fit_settings
from causalppl.inference.bayesian.svi import run_svi
from causalppl.inference.devices import resolve_device, running_on
from causalppl.inference.messages import no_starting_point, query_error, rows_not_shardable
from causalppl.inference.options import Options
from causalppl.inference.bayesian.ray_svi import run_svi_on_ray
from causalppl.ir.mechanisms import Deterministic
from causalppl.ir.model import CausalModel

CACHE_SIZE = 8
NO_DATA_NOTE = "no data: the posterior is the prior"
TABLES_NOTE = "the tables of {} were drawn from their exact Dirichlet posterior beside the sampler"
_cache: OrderedDict[Hashable, tuple[Any, Posterior]] = OrderedDict()


def fit(model: CausalModel, data: DataCollection | None, sampler: str = "nuts", options: Options | None = None,
        span: Span | None = None, conjugate: bool = False) -> Posterior:
    """The posterior of ``model``'s unknowns given ``data`` (``sampler``: "nuts" or "svi").

    ``options`` holds the sampler settings; ``conjugate`` allows exact
    conjugate updates where the model has them (the ``conjugate`` option
    overrides it).  Errors point at ``span`` (the query being answered), else
    at the model block.
    """
    where = span or model.span
    if sampler not in ("nuts", "svi"):
        raise query_error(where, f"cannot fit with method '{sampler}'", "choose nuts or svi")
    settings = fit_settings(options or Options(), sampler, conjugate)
    key = (model, id(data), replace(settings, quiet=True))
    cached = _cache.get(key)
    if cached is not None and cached[0] is data:
        _cache.move_to_end(key)
        return cached[1]
    posterior = _fit(model, data, settings, where)
    _remember(key, data, posterior)
    return posterior


def clear_fit_cache() -> None:
    _cache.clear()


def _remember(key: Hashable, data: Any, posterior: Posterior) -> None:
    _cache[key] = (data, posterior)
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)


def _fit(model: CausalModel, data: DataCollection | None, settings: FitSettings, span: Span) -> Posterior:
    sites = global_sites(model)
    if not sites:
        raise query_error(span, f"model {model.name} has no parameters with priors and no unknown mechanisms: "
                                f"there is nothing for {settings.sampler} to learn from data",
                          "use --method exact or mc, or give parameters priors (param b ~ Normal(0, 1))")
    _require_enumerable_latents(model, span)
    device = resolve_device(settings.device, span)
    has_data = data is not None and data.n_rows > 0
    notes: tuple[str, ...] = () if has_data else (NO_DATA_NOTE,)
    independent = True
    with running_on(device):
        if settings.conjugate and conjugate_route(model, data if has_data else None):
            if has_data and needs_augmentation(model, data):
                run, independent = _augmented_run(model, data, settings), False
                notes += (f"missing cells completed by Dirichlet data augmentation (Gibbs sampling, "
                          f"{settings.num_chains} chains)",)
            else:
                run = _conjugate_run(model, data if has_data else None, settings)
            method = "conjugate"
        elif not has_data:
            run, method = _prior_run(model, sites, settings, span), "prior"
        else:
            run, method, independent = _sampler_run(model, data, sites, settings, device, span), settings.sampler, False
    if method == settings.sampler and run.statistics.get("exact_tables"):
        notes += (TABLES_NOTE.format(", ".join(run.statistics["exact_tables"])),)
    covariates = covariate_rows(model, data if has_data else None)
    return _posterior(model, run, method, device, notes, independent, covariates)


def _sampler_run(model: CausalModel, data: DataCollection, sites: tuple[str, ...], settings: FitSettings,
                 device: torch.device, span: Span) -> SamplerRun:
    """NUTS or SVI over the likelihood; tables whose posterior factorises out are drawn exactly beside it."""
    if settings.backend == "numpyro":
        require_numpyro(settings, span)
    if data.has_missing and settings.backend == "numpyro":
        raise query_error(span, "the NumPyro backend does not take data with missing cells yet",
                          f"use the Pyro backend ({spell_option('backend', 'pyro')}) or leave those rows out "
                          f"({spell_option('missing', 'drop')})")
    # Separable tables and constant factors read their columns whole: not with missing cells.
    exact = separable_tables(model) if settings.separate_tables and not data.has_missing else ()
    exact_sites = {site_names(model).probs[v.name] for v in exact}
    sampled = tuple(name for name in sites if name not in exact_sites)
    if not sampled:  # every unknown is conjugate, and the sampler was asked for: it samples them all
        exact, sampled = (), sites
    data_only = frozenset(v.name for v in exact)
    if settings.sampler == "nuts" and not data.has_missing:  # constant factors only shift the potential (SVI reports its ELBO: kept)
        data_only |= constant_factors(model)
    try:
        likelihood = build_likelihood(model, data, device, data_only)
    except (CodegenError, ValueError) as error:
        raise query_error(getattr(error, "span", None) or span, str(error)) from None
    if settings.seed is not None:
        pyro.set_rng_seed(settings.seed)
    try:
        if settings.backend == "numpyro":
            run = run_numpyro_nuts(likelihood, sampled, settings)
        elif settings.sampler == "nuts":
            run = run_chains(likelihood, sampled, settings)
        elif settings.ray_address is not None:
            if likelihood.imputed:
                raise rows_not_shardable(span, sorted(likelihood.imputed))
            run = run_svi_on_ray(likelihood, sampled, settings)
        else:
            run = run_svi(likelihood, sampled, settings)
    except InvalidSite as problem:
        if problem.unit is not None and likelihood.n_units == data.n_rows:  # rows not repeated: name the row
            problem.row = row_of(((block.origin, block.n_rows) for block in data.blocks), problem.unit)
        raise
    except ValueError as error:
        if "valid initial params" not in str(error):  # (Pyro's words when every start it tried was non-finite)
            raise
        raise no_starting_point(span) from None
    if not exact:
        return run
    if settings.seed is not None:
        pyro.set_rng_seed(settings.seed)
    shape = (run.num_chains, run.draws_per_chain)
    tables = conjugate_draws(model, data, shape[0] * shape[1], exact)
    draws = dict(run.draws)
    draws.update({name: values.reshape(shape + values.shape[1:]) for name, values in tables.items()})
    statistics = dict(run.statistics, exact_tables=tuple(v.name for v in exact))
    return SamplerRun({name: draws[name] for name in sites}, run.divergences, statistics)


def _conjugate_run(model: CausalModel, data: DataCollection | None, settings: FitSettings) -> SamplerRun:
    if settings.seed is not None:
        pyro.set_rng_seed(settings.seed)
    draws = conjugate_draws(model, data, settings.num_samples * settings.num_chains)
    return SamplerRun({name: values.unsqueeze(0) for name, values in draws.items()})


def _augmented_run(model: CausalModel, data: DataCollection, settings: FitSettings) -> SamplerRun:
    draws = augmented_draws(model, data, settings.num_chains, settings.num_warmup, settings.num_samples, settings.seed)
    return SamplerRun(draws)


def _prior_run(model: CausalModel, sites: tuple[str, ...], settings: FitSettings, span: Span) -> SamplerRun:
    """Independent prior draws of the global sites (the program run for a single unit)."""
    if settings.seed is not None:
        pyro.set_rng_seed(settings.seed)
    try:
        program = compiled_program(model)
    except CodegenError as error:
        raise query_error(error.span or span, str(error)) from None
    placeholders = {name: torch.ones(1) for name in covariate_names(model)} or None  # priors do not read them
    draws = []
    with torch.no_grad():
        for _ in range(settings.num_samples * settings.num_chains):
            trace = poutine.trace(program).get_trace(n_units=1, data=placeholders)
            draws.append({name: trace.nodes[name]["value"] for name in sites})
    chain = {name: torch.stack([draw[name] for draw in draws]) for name in sites}
    return SamplerRun(stack_chains([chain], sites))


def _posterior(model: CausalModel, run: SamplerRun, method: str, device: torch.device,
               notes: tuple[str, ...], independent: bool, covariates) -> Posterior:
    if independent:  # arviz (slow to import) only on request: see Posterior.arviz_data
        data, diagnostics = None, independent_summary(run)
    else:
        data = inference_data(run, method)
        diagnostics = summarize(run, data)
    diagnostics["method"] = method
    return Posterior(model, method, run.draws, diagnostics, device, data, notes, covariates=covariates)


def _require_enumerable_latents(model: CausalModel, span: Span) -> None:
    """Discrete latent variables are summed out by enumeration, which needs a finite type."""
    for variable in model.model_variables:
        stochastic = not isinstance(variable.mechanism, Deterministic)
        if variable.kind == "latent" and variable.domain.kind == "int" and stochastic:
            raise query_error(variable.span, f"latent variable '{variable.name}' is a count "
                                             f"({variable.domain.describe()}): NUTS and SVI sum discrete latents out "
                                             "by enumeration, which needs finitely many values",
                              f"give '{variable.name}' a finite type, e.g. {{0, 1, 2, 3}} with a Categorical, "
                              "or make it continuous")

