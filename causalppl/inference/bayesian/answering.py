"""Answering estimate queries from a posterior: posterior mean and 95% credible interval.

Each leaf of the query (a probability or an expectation, possibly under
``do``) is evaluated under every (thinned) posterior draw; the query's
arithmetic is applied draw by draw; the answer is the mean of the
resulting values and the interval their 2.5% and 97.5% quantiles.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import pyro
import torch

from causalppl.diagnostics import CausalPPLError
from causalppl.inference.bayesian.devices import running_on
from causalppl.inference.bayesian.diagnostics import save_trace
from causalppl.inference.bayesian.fitting import fit
from causalppl.inference.bayesian.likelihood import global_sites
from causalppl.inference.bayesian.plotting import plot_query_posteriors
from causalppl.inference.bayesian.posterior import Posterior
from causalppl.inference.bayesian.predictive import DrawSet, common_seeds, is_distribution, leaf_draws
from causalppl.inference.bayesian.settings import AnswerSettings, answer_settings
from causalppl.inference.bayesian.weighting import answer_by_weighting
from causalppl.inference.errors import query_error
from causalppl.inference.results import Result
from causalppl.ir.model import CausalModel
from causalppl.semantics.queries import (
    BinarySpec,
    ExpectationSpec,
    NegationSpec,
    NumberSpec,
    ProbabilitySpec,
    QuerySpec,
    QueryTerm,
)

INTERVAL = (0.025, 0.975)


def answer_bayesian(model: CausalModel, query: QuerySpec, options: Any, method: str) -> Result:
    """The engine's entry point for ``--method nuts|svi`` (and ``auto`` with data to learn from)."""
    if query.kind != "estimate":
        raise query_error(query.span, f"'{query.kind}' queries are not answered by {method}")
    if not global_sites(model):  # nothing to learn: a weighted simulation of the known model
        return answer_by_weighting(model, query, options)
    posterior = fit(model, options.data, method, options, span=query.span)
    return answer_with_posterior(posterior, query, options)


def answer_with_posterior(posterior: Posterior, query: QuerySpec, options: Any) -> Result:
    try:
        settings = answer_settings(options)
    except ValueError as error:
        raise query_error(query.span, str(error)) from None
    if settings.seed is not None:
        pyro.set_rng_seed(settings.seed)
    draws = posterior.draw_list(settings.query_draws)
    draw_set = DrawSet(posterior.model, draws, lambda: posterior.models(settings.query_draws), posterior.device)
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
        return computed.values

    values = term_values(query.term, leaf_values, len(draw_set.draws))
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
    lower, upper = (float(q) for q in torch.quantile(kept, torch.tensor(INTERVAL, dtype=kept.dtype)))
    return Result(query.name, query.text, estimate=float(kept.mean()), interval=(lower, upper),
                  method=posterior.method, diagnostics=_diagnostics(posterior, kept, evaluations, settings),
                  notes=tuple(notes), inference_data=posterior.inference_data)


def term_values(term: QueryTerm, leaf: Callable[[Any], torch.Tensor], size: int) -> torch.Tensor:
    """The query's arithmetic applied draw by draw."""
    if isinstance(term, NumberSpec):
        return torch.full((size,), float(term.value), dtype=torch.float64)
    if isinstance(term, NegationSpec):
        return -term_values(term.operand, leaf, size)
    if isinstance(term, BinarySpec):
        left, right = term_values(term.left, leaf, size), term_values(term.right, leaf, size)
        return _OPERATIONS[term.op](left, right)
    return leaf(term).to(torch.float64).reshape(size)


_OPERATIONS = {
    "+": torch.add,
    "-": torch.sub,
    "*": torch.mul,
    "/": lambda a, b: torch.where(b == 0, torch.full_like(a, math.nan), a / b),
}


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
    intervals = {label: [float(q) for q in torch.quantile(rows[:, k], torch.tensor(INTERVAL, dtype=rows.dtype))]
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
