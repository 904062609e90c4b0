"""Answering estimate queries from a posterior: posterior mean and 95% credible interval.

Each leaf of the query (a probability or an expectation, possibly under
``do``) is evaluated under every (thinned) posterior draw; the query's
arithmetic is applied draw by draw; the answer is the mean of the
resulting values and the interval their 2.5% and 97.5% quantiles.

>>> import pandas as pd, causalppl as cp
>>> from causalppl.inference.options import parse_options
>>> m = cp.loads("model M { X : bool\\n Y : bool <- X }")
>>> rows = pd.DataFrame({"X": [0, 0, 1, 1], "Y": [0, 1, 0, 1], "count": [10, 20, 10, 30]})
>>> options = parse_options({"seed": 0, "query_draws": 200}).with_context(data=m.load_data(rows))
>>> result = answer_bayesian(m.ir, m._check_query_text("P(Y = 1 | do(X = 1))"), options, conjugate=True)
>>> round(result.estimate, 1), result.interval[0] < 0.75 < result.interval[1], result.method
(0.7, True, 'conjugate')
"""

from __future__ import annotations

from typing import Any

import pyro
import torch

from causalppl.diagnostics import CausalPPLError
from causalppl.inference.bayesian.diagnostics import save_trace
from causalppl.inference.bayesian.fitting import fit
from causalppl.inference.bayesian.plotting import plot_query_posteriors
from causalppl.inference.bayesian.posterior import Posterior
from causalppl.inference.bayesian.predictive import (
    DrawSet,
    common_seeds,
    is_distribution,
    leaf_draws,
)
from causalppl.inference.bayesian.settings import AnswerSettings, answer_settings
from causalppl.inference.devices import running_on
from causalppl.inference.messages import query_error
from causalppl.inference.options import Options
from causalppl.inference.results import Result
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import ExpectationSpec, ProbabilitySpec, QuerySpec, fold_term
from causalppl.inference.intervals import central_interval


def answer_bayesian(model: CausalModel, query: QuerySpec, options: Options, sampler: str = "nuts",
                    conjugate: bool = False) -> Result:
    """Learn the model's unknowns (``sampler``: "nuts" or "svi"; exact conjugate updates when allowed) and
    push the posterior draws through the query; a posterior already fitted (``options.fitted``) is reused.
    Without data the posterior is the prior, and every prior draw is pushed through."""
    posterior = options.fitted or fit(model, options.data, sampler, options, span=query.span, conjugate=conjugate)
    return answer_with_posterior(posterior, query, options)


def answer_with_posterior(posterior: Posterior, query: QuerySpec, options: Options) -> Result:
    settings = answer_settings(options)
    if settings.seed is not None:
        pyro.set_rng_seed(settings.seed)
    draws = posterior.draw_list(settings.query_draws)
    draw_set = DrawSet(posterior.model, draws, lambda: posterior.models(settings.query_draws), posterior.device,
                       posterior.covariates)
    seeds = common_seeds(len(draws))
    with running_on(posterior.device):
        if isinstance(query.term, ProbabilitySpec) and is_distribution(query.term):
            result = _distribution_result(posterior, query, draw_set, seeds, settings)
        else:
            result = _estimate_result(posterior, query, draw_set, seeds, settings)
    _write_outputs(posterior, settings)
    return result


# ------------------------------------------------------------- estimates ----


def _estimate_result(posterior: Posterior, query: QuerySpec, draw_set: DrawSet, seeds: list[int],
                     settings: AnswerSettings) -> Result:
    evaluations: list[str] = []

    def leaf_values(leaf: ProbabilitySpec | ExpectationSpec) -> torch.Tensor:
        computed = leaf_draws(draw_set, leaf, settings.units_per_draw, seeds)
        evaluations.append(computed.evaluation)
        return computed.values.to(torch.float64).reshape(size)

    size = len(draw_set.draws)
    values = fold_term(query.term, leaf_values, number=lambda v: torch.full((size,), v, dtype=torch.float64))
    kept = values[torch.isfinite(values)]
    if kept.numel() == 0:
        raise query_error(query.span, "the query has no value under any posterior draw (the evidence is "
                                      "impossible, or too rare to be simulated)",
                          "check the evidence values, or raise --samples (units simulated per draw)")
    notes = list(posterior.notes)
    if kept.numel() < values.numel():
        notes.append(f"{values.numel() - kept.numel()} of {values.numel()} posterior draws gave no value "
                     "(evidence never simulated) and were left out")
    posterior.answered.append((query.label, kept))
    lower, upper = central_interval(kept)
    return Result(query.name, query.text, estimate=float(kept.mean()), interval=(lower, upper),
                  method=posterior.method, diagnostics=_diagnostics(posterior, kept, evaluations, settings),
                  notes=tuple(notes), inference_data=posterior.inference_data)


# --------------------------------------------------------- distributions ----


def _distribution_result(posterior: Posterior, query: QuerySpec, draw_set: DrawSet, seeds: list[int],
                         settings: AnswerSettings) -> Result:
    leaf = query.term
    computed = leaf_draws(draw_set, leaf, settings.units_per_draw, seeds)
    rows = computed.values[torch.isfinite(computed.values).all(dim=-1)]
    if rows.shape[0] == 0:
        raise query_error(query.span, "the query has no value under any posterior draw (the evidence is "
                                      "impossible, or too rare to be simulated)")
    variable = posterior.model.variable(leaf.events[0].outcome.variable)
    means = rows.mean(0)
    distribution = {label: float(p) for label, p in zip(variable.domain.labels, means)}
    intervals = {label: list(central_interval(rows[:, k]))
                 for k, label in enumerate(variable.domain.labels)}
    diagnostics = _diagnostics(posterior, rows[:, 0], [computed.evaluation], settings)
    diagnostics["intervals"] = intervals
    return Result(query.name, query.text, distribution=distribution, method=posterior.method,
                  diagnostics=diagnostics, notes=posterior.notes, inference_data=posterior.inference_data)


# --------------------------------------------------------------- helpers ----


def _diagnostics(posterior: Posterior, values: torch.Tensor, evaluations: list[str],
                 settings: AnswerSettings) -> dict[str, Any]:
    diagnostics = dict(posterior.diagnostics)
    diagnostics["query_draws"] = int(values.numel())
    diagnostics["posterior_sd"] = float(values.std()) if values.numel() > 1 else 0.0
    if evaluations:
        diagnostics["evaluation"] = "forward simulation" if "forward simulation" in evaluations else "exact"
    if "forward simulation" in evaluations:
        diagnostics["units_per_draw"] = settings.units_per_draw
    return diagnostics


def _write_outputs(posterior: Posterior, settings: AnswerSettings) -> None:
    try:
        if settings.save_trace and posterior.trace_written_to != settings.save_trace:
            save_trace(posterior.arviz_data(), settings.save_trace)
            posterior.trace_written_to = settings.save_trace
        if settings.plot:
            plot_query_posteriors(posterior.answered, settings.plot)
    except OSError as error:
        raise CausalPPLError.at(posterior.model.span, f"cannot write output file: {error}") from None
