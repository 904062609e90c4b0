"""Counterfactuals with parameters learned from data: abduction inside each posterior draw.

The Bayesian engine (:func:`causalppl.inference.bayesian.fit`) learns the
parameters; each (thinned) posterior draw gives a fully known model
(:func:`causalppl.inference.bayesian.instantiate`) on which the
counterfactual is answered with the parameters fixed (exactly when the
model allows it).  The answer is the mean of the per-draw answers and the
interval their 2.5% and 97.5% quantiles (a posterior credible interval).
The evidence of the query's unit is not fed back into the parameters: with
a data set behind them, one more unit moves them negligibly.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from causalppl.inference.bayesian import fit
from causalppl.inference.counterfactual.answer import answer_counterfactual
from causalppl.inference.messages import query_error
from causalppl.inference.options import Options
from causalppl.inference.results import Result
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import QuerySpec
from causalppl.inference.intervals import central_interval

MAX_DRAWS = 100
INNER_SAMPLES = 2000


def answer_learned(model: CausalModel, query: QuerySpec, options: Options, sampler: str = "nuts",
                   conjugate: bool = True) -> Result:
    """Abduction inside each posterior draw (``sampler``: "nuts" or "svi"; a fitted posterior is reused)."""
    posterior = options.fitted or fit(model, options.data, sampler, options, span=query.span, conjugate=conjugate)
    inner = replace(options, fitted=None, samples=min(options.samples, INNER_SAMPLES))
    results = [answer_counterfactual(known, query, replace(inner, seed=_seed(options.seed, i)), bootstrap=True)
               for i, known in enumerate(posterior.models(limit=MAX_DRAWS))]
    if not results:
        raise query_error(query.span, "the posterior has no draws")
    notes = (f"abduction inside each of {len(results)} posterior draws of the parameters "
             f"({', '.join(sorted({r.method for r in results}))} per draw)",) + tuple(posterior.notes)
    if results[0].distribution is not None:
        return Result(query.name, query.text, distribution=_mean_distribution(results), method=posterior.method,
                      notes=notes)
    values = torch.tensor([r.estimate for r in results], dtype=torch.float64)
    low, high = central_interval(values)
    return Result(query.name, query.text, estimate=float(values.mean()), interval=(low, high),
                  method=posterior.method, notes=notes, kind="estimate")


def _mean_distribution(results: list[Result]) -> dict[str, float]:
    labels = results[0].distribution
    return {label: sum(r.distribution[label] for r in results) / len(results) for label in labels}


def _seed(seed: int | None, index: int) -> int | None:
    return None if seed is None else seed * 1000 + index
