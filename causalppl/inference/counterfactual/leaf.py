"""Answering one counterfactual leaf: exact contraction, exact Gaussian abduction, or sampling.

``auto`` tries, in order: the exact twin-network contraction (finite
models; method "exact"), the exact linear-Gaussian posterior (method
"abduction" when the answer is a closed form), then abduction draws (method
"abduction" when the evidence pins, by inversion, every noise the answer
depends on, "mc" with a Monte Carlo standard error otherwise, the draws
coming from likelihood weighting or from NUTS over the free noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from causalppl.backends.exact import EnumerationTooLarge
from causalppl.backends.factors import NotTabulable
from causalppl.inference.counterfactual.abduction import ImpossibleEvidence, determined
from causalppl.inference.counterfactual.exact import exact_posterior
from causalppl.inference.counterfactual.gaussian import (
    GaussianPosterior,
    is_affine,
    linear_gaussian_posterior,
)
from causalppl.inference.counterfactual.leaves import LeafPlan
from causalppl.inference.counterfactual.sampling import (
    Parameters,
    Sampled,
    is_degenerate_continuous,
    sample_plan,
    weighted_histogram,
)
from causalppl.inference.messages import query_error
from causalppl.inference.results import Estimate
from causalppl.ir.queries import ExpectationSpec

TOO_LARGE_NOTE = "exact enumeration of the twin network would not fit in memory: sampled instead"


@dataclass(frozen=True)
class LeafAnswer:
    estimate: Estimate
    method: str  # exact, abduction or mc
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
    notes: tuple[str, ...] = ()
    if method in ("auto", "exact") and params.fixed:
        try:
            answer = _try_exact(plan)
        except EnumerationTooLarge as error:
            if method == "exact":
                raise query_error(plan.leaf.span, f"exact enumeration is too large for memory: {error}",
                                  "use --method mc") from None
            answer, notes = None, (TOO_LARGE_NOTE,)
        if answer is not None:
            return answer
        gaussian = linear_gaussian_posterior(plan.model, plan.observations, params.values)
        if gaussian is not None:
            return _gaussian_answer(plan, gaussian, n)
    if method == "exact" and not (params.fixed and determined(plan.model, plan.observations, plan.names)):
        raise query_error(plan.leaf.span, "this counterfactual has no exact answer here: the model is neither "
                                          "finite nor linear-Gaussian, and the evidence does not pin every "
                                          "noise the answer depends on", "use --method mc (abduction by sampling)")
    sampled = sample_plan(plan.model, plan.observations, params, n, method)
    return _sampled_answer(plan, sampled, params, notes)


def _try_exact(plan: LeafPlan) -> LeafAnswer | None:
    """The exact twin-network answer, or None when the multi-world model is not finite."""
    try:
        posterior = exact_posterior(plan.model, plan.observations, plan.names)
    except NotTabulable:
        return None
    if plan.is_distribution:
        domain = plan.model.variable(plan.distribution_name).domain
        distribution = posterior.distribution(plan.distribution_name, domain.size)
        return LeafAnswer(Estimate(float("nan")), "exact", (), distribution, domain.labels)
    return LeafAnswer(Estimate(posterior.expectation(plan.target)), "exact")


def _gaussian_answer(plan: LeafPlan, posterior: GaussianPosterior, n: int) -> LeafAnswer:
    closed = _closed_form(plan, posterior)
    if closed is not None:
        value, spread = closed
        diagnostics = {"posterior_sd": spread} if spread is not None else {}
        return LeafAnswer(Estimate(value), "abduction", diagnostics=diagnostics)
    values = plan.target(posterior.sample(n)).expand(n)
    mean = float(values.mean())
    note = f"exact Gaussian posterior of the noise, averaged over {n} draws (the function is not affine)"
    return LeafAnswer(Estimate(mean, float(values.var()) / n), "mc", (note,))


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


def _sampled_answer(plan: LeafPlan, sampled: Sampled, params: Parameters, notes: tuple[str, ...]) -> LeafAnswer:
    notes = notes + tuple(params.notes) + sampled.notes
    method = "mc"  # NUTS draws too: the interval is a Monte Carlo one (the notes say NUTS)
    if plan.is_distribution:
        values = sampled.draws.values[plan.distribution_name]
        domain = plan.model.variable(plan.distribution_name).domain
        histogram = weighted_histogram(sampled, values, domain.size)
        return LeafAnswer(Estimate(float("nan")), method, notes, histogram, domain.labels, {"ess": sampled.ess})
    values = plan.target(sampled.draws.values)
    if params.fixed and not sampled.nuts and determined(plan.model, plan.observations, plan.names):
        value = float(values.reshape(-1)[0])
        return LeafAnswer(Estimate(value), "abduction", diagnostics={"posterior_sd": 0.0})
    return LeafAnswer(sampled.estimate(values), method, notes, diagnostics={"ess": sampled.ess})


def _impossible_hint(plan: LeafPlan) -> str:
    if is_degenerate_continuous(plan):
        return ("an observed continuous variable is a deterministic function of continuous noise (or of noise "
                "already fixed by other evidence); condition on an interval such as 'X > 1' instead")
    return "conditioning on an impossible event is undefined; check the evidence values"
