"""Queries on models with nothing to learn: enumerated when finite, else by likelihood weighting.

When every parameter is fixed and every mechanism known, but the model is
not finite (so the exact engine cannot enumerate it), ``P(... | evidence)``
and ``E[... | evidence]`` are self-normalised weighted averages over
``--samples`` simulated units: the Monte Carlo estimate, its standard error
and a 95% interval from it.
"""

from __future__ import annotations

import math

import pyro

from causalppl.data.covariates import covariate_rows
from causalppl.inference.bayesian.predictive import DrawSet, common_seeds, leaf_draws
from causalppl.inference.budget import require_units_fit
from causalppl.inference.devices import resolve_device, running_on
from causalppl.inference.messages import query_error
from causalppl.inference.options import Options
from causalppl.inference.results import Estimate, Result, point_result
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import ProbabilitySpec, QuerySpec, fold_term

METHOD = "mc"
NOTE = "evidence weighted by its likelihood (no parameters to learn)"


def answer_by_weighting(model: CausalModel, query: QuerySpec, options: Options) -> Result:
    require_units_fit(model, int(options.samples), query.span, "likelihood weighting")
    device = resolve_device(options.device, query.span)
    if options.seed is not None:
        pyro.set_rng_seed(options.seed)
    draw_set = DrawSet(model, [{}], lambda: [model], device, covariate_rows(model, options.data), bootstrap=False)
    seeds = common_seeds(1)
    with running_on(device):
        if isinstance(query.term, ProbabilitySpec) and query.term.is_distribution:
            return _distribution(model, query, draw_set, seeds, int(options.samples))

        evaluations: list[str] = []

        def leaf(term) -> Estimate:
            computed = leaf_draws(draw_set, term, int(options.samples), seeds)
            evaluations.append(computed.evaluation)
            variance = 0.0 if computed.variances is None else float(computed.variances[0])
            return Estimate(float(computed.values[0]), variance)

        estimate = fold_term(query.term, leaf, number=Estimate)
    if math.isnan(estimate.value):
        raise query_error(query.span, "no simulated unit matched the evidence",
                          "raise --samples, or check that the evidence is possible")
    if all(evaluation == "exact" for evaluation in evaluations):  # a finite model: enumerated
        return point_result(query, estimate, "exact")
    return point_result(query, estimate, METHOD, notes=(NOTE,))


def _distribution(model: CausalModel, query: QuerySpec, draw_set: DrawSet, seeds: list[int], units: int) -> Result:
    computed = leaf_draws(draw_set, query.term, units, seeds)
    variable = model.variable(query.term.events[0].outcome.variable)
    distribution = {label: float(p) for label, p in zip(variable.domain.labels, computed.values[0])}
    if computed.evaluation == "exact":
        return Result(query.name, query.text, distribution=distribution, method="exact")
    return Result(query.name, query.text, distribution=distribution, method=METHOD, notes=(NOTE,))

