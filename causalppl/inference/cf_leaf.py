"""Answering one counterfactual leaf: exact contraction, exact Gaussian abduction, or sampling.

``auto`` tries, in order: the exact twin-network contraction (finite
models; method "exact"), the exact linear-Gaussian posterior (method
"abduction" when the answer is a closed form), then abduction draws (method
"abduction" when every draw is an exact posterior draw and the answer does
not vary between draws, "mc" with a standard error otherwise, "nuts" when
the free noise was explored by NUTS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from causalppl.backends.exact import EnumerationTooLarge
from causalppl.backends.factors import NotTabulable
from causalppl.inference.abduction import ImpossibleEvidence
from causalppl.inference.cf_exact import exact_posterior
from causalppl.inference.cf_plan import LeafPlan
from causalppl.inference.cf_sampling import Parameters, Sampled, sample_plan, weighted_histogram
from causalppl.inference.combine import Estimate
from causalppl.inference.errors import query_error
from causalppl.inference.gaussian_abduction import GaussianPosterior, is_affine, linear_gaussian_posterior
from causalppl.semantics.queries import ExpectationSpec

SINGLE_EVENT_OPS = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class LeafAnswer:
    estimate: Estimate
    method: str  # exact, abduction, mc, nuts
    notes: tuple[str, ...] = ()
    distribution: torch.Tensor | None = None
    labels: tuple[str, ...] = ()  # level names of a distribution
    diagnostics: dict[str, Any] = field(default_factory=dict)


def answer_leaf(plan: LeafPlan, params: Parameters, method: str, n: int) -> LeafAnswer:
    try:
        return _answer(plan, params, method, n)
    except ImpossibleEvidence as error:
        raise query_error(plan.leaf.span, f"the evidence has probability zero under the model ({error})",
                          _impossible_hint(plan)) from None


def _answer(plan: LeafPlan, params: Parameters, method: str, n: int) -> LeafAnswer:
    if method in ("auto", "exact") and params.fixed:
        answer = _try_exact(plan, method)
        if answer is not None:
            return answer
        gaussian = linear_gaussian_posterior(plan.model, plan.observations, params.values)
        if gaussian is not None:
            return _gaussian_answer(plan, gaussian, n)
    if method == "exact":
        raise query_error(plan.leaf.span, "this counterfactual has no exact answer here: the model is neither "
                                          "finite nor linear-Gaussian", "use --method mc (abduction by sampling)")
    return _sampled_answer(plan, sample_plan(plan.model, plan.observations, params, n, method), params)


def _try_exact(plan: LeafPlan, method: str) -> LeafAnswer | None:
    try:
        posterior = exact_posterior(plan.model, plan.observations, plan.names)
    except (NotTabulable, EnumerationTooLarge) as error:
        if method == "exact" and isinstance(error, EnumerationTooLarge):
            raise query_error(plan.leaf.span, f"exact enumeration is too large for memory: {error}",
                              "use --method mc") from None
        return None
    notes = ("exact: twin network over the shared noise cut into response-function cells",)
    if plan.is_distribution:
        domain = plan.model.variable(plan.distribution_name).domain
        distribution = posterior.distribution(plan.distribution_name, domain.size)
        return LeafAnswer(Estimate(float("nan")), "exact", notes, distribution, domain.labels)
    return LeafAnswer(Estimate(posterior.expectation(plan.target)), "exact", notes)


def _gaussian_answer(plan: LeafPlan, posterior: GaussianPosterior, n: int) -> LeafAnswer:
    note = "exact Gaussian posterior of the noise (linear-Gaussian model)"
    closed = _closed_form(plan, posterior)
    if closed is not None:
        value, spread = closed
        diagnostics = {"posterior_sd": spread} if spread is not None else {}
        return LeafAnswer(Estimate(value), "abduction", (note,), diagnostics=diagnostics)
    values = plan.target(posterior.sample(n)).expand(n)
    mean = float(values.mean())
    return LeafAnswer(Estimate(mean, float(values.var()) / n), "mc", (note + f", sampled ({n} draws)",))


def _closed_form(plan: LeafPlan, posterior: GaussianPosterior) -> tuple[float, float | None] | None:
    """The exact answer (and, for an expectation, the posterior spread of its expression)."""
    leaf = plan.leaf
    if isinstance(leaf, ExpectationSpec):
        return posterior.moments(plan.target) if is_affine(leaf.expr) else None
    if len(leaf.events) != 1 or leaf.events[0].op is None:
        return None
    event = leaf.events[0]
    name = plan.multi.name_of(event.outcome)
    mean, sd = posterior.moments(lambda env: env[name])
    return _event_probability(event.op, float(event.value), mean, sd), None


def _event_probability(op: str, value: float, mean: float, sd: float) -> float:
    if sd == 0.0:
        holds = {"<": mean < value, "<=": mean <= value, ">": mean > value, ">=": mean >= value,
                 "=": mean == value, "!=": mean != value}[op]
        return float(holds)
    if op in ("=", "!="):
        return float(op == "!=")
    below = float(torch.distributions.Normal(mean, sd).cdf(torch.tensor(value)))
    return below if op in ("<", "<=") else 1.0 - below


def _sampled_answer(plan: LeafPlan, sampled: Sampled, params: Parameters) -> LeafAnswer:
    notes = tuple(params.notes) + sampled.notes
    method = "nuts" if sampled.nuts else "mc"
    if plan.is_distribution:
        values = sampled.draws.values[plan.distribution_name]
        domain = plan.model.variable(plan.distribution_name).domain
        histogram = weighted_histogram(sampled, values, domain.size)
        return LeafAnswer(Estimate(float("nan")), method, notes, histogram, domain.labels, {"ess": sampled.ess})
    values = plan.target(sampled.draws.values)
    estimate = sampled.estimate(values)
    if sampled.exact and params.fixed and estimate.variance == 0.0:
        return LeafAnswer(estimate, "abduction", notes + ("exact: the evidence pins every noise the answer "
                                                          "depends on (zero spread)",))
    return LeafAnswer(estimate, method, notes, diagnostics={"ess": sampled.ess})


def _impossible_hint(plan: LeafPlan) -> str:
    from causalppl.inference.cf_sampling import is_degenerate_continuous

    if is_degenerate_continuous(plan):
        return ("an observed continuous variable is a deterministic function of continuous noise (or of noise "
                "already fixed by other evidence); condition on an interval such as 'X > 1' instead")
    return "conditioning on an impossible event is undefined; check the evidence values"
