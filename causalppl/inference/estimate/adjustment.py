"""Back-door adjustment on unit-level data: the g-formula by an outcome regression, and AIPW.

For a leaf ``E[g(Y) | do(X = x), W]`` whose treatments have a back-door
admissible set Z among the observed variables (containing the evidence
variables W, none of them a descendant of X):

* **g-formula** (``estimator="gformula"``, the default):
  ``E[g(Y) | do(x), W] = E[ m(x, Z) | W ]`` with ``m(x, z) = E[g(Y) | X = x,
  Z = z]`` from an outcome regression, averaged over the rows that satisfy
  the evidence;
* **AIPW** (``estimator="aipw"``, one finite treatment): the doubly robust
  mean of ``m(x, Z) + 1[X = x] (g(Y) - m(x, Z)) / e_x(Z)``, with the
  propensity ``e_x(Z) = P(X = x | Z)`` from a multinomial logit; consistent
  when either model is right.

The default outcome regression is linear in the treatments, the covariates
(real ones standardised, finite ones one-hot) and every treatment-covariate
product -- a separate linear model per arm for a finite treatment --
least squares for a numeric outcome, logistic for a 0/1 outcome (an event,
or ``E[B]`` of a bool).  Uncertainty is the Bayesian bootstrap: each of
``draws`` Dirichlet weightings of the rows refits every model (the weighted
likelihood bootstrap) and reweighs the covariate distribution, all fits of
a chunk of draws batched; the interval is the 2.5% and 97.5% quantiles.

Positivity: the default outcome regression fits one model per arm of a
finite treatment.  For an arm (``do(X = 1)``) that no unit is in, or for a
level of a finite covariate that the averaged rows hold but no unit of the
arm has, it could only extrapolate; such a leaf is refused, before anything
is fitted, with a located error that names the empty stratum.  The check
takes each finite covariate on its own: real covariates, and combinations
of finite ones, are smoothed by the regression's form (AIPW reports poor
overlap through its propensities).  A written outcome mechanism is a
parametric model of its own and answers by it.  The interval needs no
check: the Bayesian bootstrap's Dirichlet weights are all positive, so it
never empties a stratum that the data fill.

>>> import pandas as pd, causalppl as cp
>>> from causalppl.inference.options import parse_options
>>> m = cp.loads("model M { Z : real\\n X : bool <- Z\\n Y : real <- X, Z }")
>>> rows = pd.DataFrame({"Z": [0, 1, 2, 3, 1, 2, 3, 4], "X": [0, 0, 0, 0, 1, 1, 1, 1]}).eval("Y = 2 * X + Z")
>>> options = parse_options({"seed": 0, "draws": 100}).with_context(data=m.load_data(rows))
>>> result = answer_adjustment(m.ir, m._check_query_text("E[Y | do(X = 1)] - E[Y | do(X = 0)]"), options)
>>> round(result.estimate, 3), result.method, result.diagnostics["adjustment_sets"]["E[Y | do(X = 1)]"]
(2.0, 'g-formula', ['Z'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from causalppl.identification import ADMG, backdoor_estimand
from causalppl.inference.estimate.identify import bounds_text
from causalppl.inference.estimate.resampled import POINT, resampled_query, resampled_result
from causalppl.inference.estimate.units import (
    Leaf,
    Units,
    events_hold,
    is_binary,
    leaf_outcome,
    outcome_names,
)
from causalppl.inference.estimate.mechanism_outcome import LaplacePosterior, mechanism_outcome
from causalppl.inference.graphs import observed_admg
from causalppl.inference.messages import positivity_fails, query_error
from causalppl.inference.options import Options
from causalppl.inference.results import Result
from causalppl.ir import expressions as rx
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import ExpectationSpec, QuerySpec, leaves
from causalppl.statistics.regression import (
    Design,
    GaussianPosterior,
    LogisticPosterior,
    class_probabilities,
    least_squares,
    logistic_mean,
    multinomial_logit,
)

PROPENSITY_FLOOR = 0.01  # AIPW's propensities are clipped here (and the result says so)


@dataclass(frozen=True)
class LeafAdjustment:
    """How one leaf is adjusted: its treatments (name, value), its covariates Z (evidence included)."""

    treatments: tuple[tuple[str, float], ...]
    covariates: tuple[str, ...]

    @property
    def treatment_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.treatments)


def backdoor_covariates(admg: ADMG, leaf: Leaf) -> tuple[str, ...] | None:
    """A back-door admissible set for the leaf (its evidence variables included), or None.

    The candidate is every observed ancestor of the treatments and outcomes
    that does not descend from a treatment (adjusting for all pre-treatment
    causes); it is admissible exactly when some back-door set containing the
    evidence is.
    """
    treatments = frozenset(name for name, _ in leaf.interventions)
    outcomes = frozenset(outcome_names(leaf))
    evidence = frozenset(event.outcome.variable for event in leaf.evidence)
    if not treatments:
        return tuple(sorted(evidence))
    if outcomes & treatments or not outcomes <= set(admg.nodes) or not (treatments | evidence) <= set(admg.nodes):
        return None
    descendants = admg.descendants(treatments)
    if evidence & descendants:
        return None
    candidates = (admg.ancestors(treatments | outcomes) - descendants - outcomes) | evidence
    if not admg.remove_outgoing(treatments).is_d_separated(treatments, outcomes, candidates):
        return None
    return tuple(v for v in admg.topological_order() if v in candidates)


def adjustment_plan(model: CausalModel, query: QuerySpec, observed: frozenset[str] | None) -> dict[int, LeafAdjustment] | None:
    """Each leaf's adjustment (keyed by ``id(leaf)``), or None when some leaf has no back-door set."""
    admg = observed_admg(model, observed)
    plan = {}
    for leaf in leaves(query.term):
        covariates = backdoor_covariates(admg, leaf)
        if covariates is None:
            return None
        plan[id(leaf)] = LeafAdjustment(tuple(leaf.interventions), covariates)
    return plan


def aipw_applies(model: CausalModel, query: QuerySpec) -> str | None:
    """None when AIPW can run (one finite treatment per leaf), else why not."""
    for leaf in leaves(query.term):
        if len(leaf.interventions) > 1:
            return "AIPW takes one treatment per term"
        for name, _ in leaf.interventions:
            if not model.variable(name).domain.is_finite:
                return f"AIPW needs a finite treatment ('{name}' is {model.variable(name).domain.describe()})"
    return None


def answer_adjustment(model: CausalModel, query: QuerySpec, options: Options, estimator: str = "gformula") -> Result:
    """The back-door g-formula (or AIPW) with a Bayesian-bootstrap interval."""
    observed = _observed(model, options)
    plan = adjustment_plan(model, query, observed)
    if plan is None:
        raise query_error(query.span, "no back-door adjustment set among the observed variables identifies this "
                                      "query", "use method=\"identification\" for the plug-in estimator")
    admg = observed_admg(model, observed)
    mechanisms = {}
    if estimator == "gformula":
        for leaf in leaves(query.term):
            found = mechanism_outcome(model, admg, leaf, frozenset(plan[id(leaf)].treatment_names))
            if found is not None:
                mechanisms[id(leaf)] = found
    needed = _needed(model, query, plan, mechanisms)
    units = Units.of(model, options.data, needed)
    for leaf in leaves(query.term):
        if id(leaf) not in mechanisms:  # a written mechanism extrapolates by its own form
            _require_positivity(model, query, leaf, plan[id(leaf)], units)
    estimator_fn = _Estimator(units, plan, estimator, options.seed)
    estimator_fn.mechanisms = {key: (outcome, model, query.span) for key, outcome in mechanisms.items()}
    width = max(estimator_fn.width(leaf) for leaf in leaves(query.term))
    values = resampled_query(query, units, estimator_fn.leaf_value, options.draws, options.seed, width)
    diagnostics = {"estimator": _LABELS[estimator], "units": units.n,
                   "adjustment_sets": {_leaf_text(leaf): list(plan[id(leaf)].covariates) for leaf in leaves(query.term)
                                       if leaf.interventions},
                   "outcome_model": _outcome_model_text(estimator, mechanisms)}
    notes = ()
    if estimator == "aipw":
        low = estimator_fn.smallest_propensity
        diagnostics["smallest_propensity"] = low
        if low is not None and low < PROPENSITY_FLOOR:
            notes = (f"some propensity scores are below {PROPENSITY_FLOOR} (smallest {low:.2g}): they were clipped "
                     "there; overlap between the treatment groups is poor",)
    return resampled_result(query, values, _METHODS[estimator], _estimand_text(query, plan), diagnostics, notes)


def _require_positivity(model: CausalModel, query: QuerySpec, leaf: Leaf, adjustment: LeafAdjustment,
                        units: Units) -> None:
    """Refuse a leaf whose outcome regression would extrapolate to an empty stratum of finite treatments.

    The arm ``X = x`` must hold some unit, and every level of each finite
    covariate that the rows averaged over (those meeting the evidence) hold
    must occur in the arm too: else ``E[g(Y) | X = x, Z = z]`` is undefined.
    """
    finite = [(name, int(value)) for name, value in adjustment.treatments if units.levels.get(name) is not None]
    if not finite:
        return
    present = units.weights > 0
    arm = present.clone()
    for name, level in finite:
        arm &= units.columns[name] == level
    averaged = present & (events_hold(leaf.evidence, units.columns) > 0)
    order = [v.name for v in model.observables]

    def shown(pairs) -> str:
        pairs = sorted(pairs, key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order))
        return ", ".join(f"{name} = {model.variable(name).domain.labels[level]}" for name, level in pairs)

    opening, closing = _outcome_text(model, leaf)
    finite_model = all(v.domain.is_finite for v in model.observables)
    bounds = bounds_text(query) if finite_model else None

    def regression(covariate: str | None = None, level: int | None = None) -> str:
        """``E[Y | X = 1, Age, Sick = 1]``: the regression's value that the stratum leaves undefined."""
        given = [shown([pair]) for pair in finite]
        given += [shown([(name, level)]) if name == covariate else name
                  for name in adjustment.covariates if name not in dict(finite)]
        return f"{opening} | {', '.join(given)}{closing}"

    if not bool(arm.any()):
        raise positivity_fails(leaf.span, shown(finite), regression(), bounds=bounds)
    total = float(units.weights[averaged].sum())
    for covariate in adjustment.covariates:
        levels = units.levels.get(covariate)
        if levels is None or covariate in dict(finite) or total == 0:
            continue
        column = units.columns[covariate]
        for level in range(levels):
            share = float(units.weights[averaged & (column == level)].sum()) / total
            if share > 0 and not bool((arm & (column == level)).any()):
                support = f"P({shown([(covariate, level)])}{_evidence_text(model, leaf)}) = {share:.3g}"
                raise positivity_fails(leaf.span, shown([*finite, (covariate, level)]), regression(covariate, level),
                                       support, bounds=bounds, coarsen=[covariate])


def _outcome_text(model: CausalModel, leaf: Leaf) -> tuple[str, str]:
    """The regression's target before its conditions, and the closing bracket: ``E[Y`` and ``]``, or
    ``P(Y = 1`` and ``)``."""
    if isinstance(leaf, ExpectationSpec):
        return f"E[{rx.to_text(leaf.expr)}", "]"
    return "P(" + ", ".join(_event_text(model, event) for event in leaf.events), ")"


def _evidence_text(model: CausalModel, leaf: Leaf) -> str:
    return " | " + ", ".join(_event_text(model, event) for event in leaf.evidence) if leaf.evidence else ""


def _event_text(model: CausalModel, event) -> str:
    """``Y = 1``, ``Dose > 2.5``: a finite variable's value by its label."""
    name, value = event.outcome.variable, float(event.value)
    domain = model.variable(name).domain
    if domain.is_finite and value.is_integer() and 0 <= value < domain.size:
        return f"{name} {event.op} {domain.labels[int(value)]}"
    return f"{name} {event.op} {value:g}"


def _outcome_model_text(estimator: str, mechanisms: dict) -> str:
    default = ("linear regression with treatment interactions (logistic for 0/1 outcomes), "
               + ("Bayesian-bootstrap refits" if estimator == "aipw" else "its exact Bayesian posterior (Laplace for "
                                                                            "logistic)"))
    written = sorted({outcome.describe() for outcome in mechanisms.values()})
    return "; ".join(written) if written else default


_LABELS = {"gformula": "back-door g-formula (outcome regression)", "aipw": "back-door AIPW (doubly robust)"}
_METHODS = {"gformula": "g-formula", "aipw": "aipw"}


class _Estimator:
    """Leaf values under a batch of row weights, with one fit per (outcome, design) per batch."""

    def __init__(self, units: Units, plan: dict[int, LeafAdjustment], estimator: str, seed: int | None) -> None:
        self.units, self.plan, self.estimator = units, plan, estimator
        self.smallest_propensity: float | None = None
        self._designs: dict[tuple, Design] = {}
        self._posteriors: dict[tuple, GaussianPosterior | LogisticPosterior] = {}
        self._rng = np.random.default_rng(None if seed is None else seed + 1)
        self.mechanisms: dict[int, tuple] = {}
        self._laplace: dict[str, LaplacePosterior] = {}

    def width(self, leaf: Leaf) -> int:
        adjustment = self.plan[id(leaf)]
        if not adjustment.treatments:
            return 1
        return self._design(adjustment.treatment_names + adjustment.covariates, adjustment.treatment_names).width

    def _design(self, names: tuple[str, ...], interact: tuple[str, ...]) -> Design:
        key = (names, interact)
        if key not in self._designs:
            self._designs[key] = Design.of(self.units.columns, self.units.levels, names, interact, self.units.weights)
        return self._designs[key]

    def leaf_value(self, leaf: Leaf, W: torch.Tensor, cache: dict) -> torch.Tensor:
        units, adjustment = self.units, self.plan[id(leaf)]
        g = leaf_outcome(leaf, units.columns)
        mask = events_hold(leaf.evidence, units.columns)
        weights = W * mask
        total = weights.sum(-1)
        if not adjustment.treatments:
            return (weights @ g) / total
        mu = self._outcome_means(leaf, adjustment, g, W, cache)
        if self.estimator == "aipw":
            mu = mu + self._correction(adjustment, g, mu, W, cache)
        return (weights * mu).sum(-1) / total

    def _outcome_means(self, leaf: Leaf, adjustment: LeafAdjustment, g: torch.Tensor, W: torch.Tensor,
                       cache: dict) -> torch.Tensor:
        if id(leaf) in self.mechanisms:
            return self._mechanism_means(leaf, adjustment, W, cache)
        names = adjustment.treatment_names
        design = self._design(names + adjustment.covariates, names)
        binary = is_binary(leaf, self.units.levels)
        key = ("outcome", _outcome_key(leaf), design)
        if key not in cache:
            if self.estimator == "aipw":  # the weighted likelihood bootstrap: one refit per weight vector
                X = design.matrix(self.units.columns)
                cache[key] = multinomial_logit(X, g, 2, W) if binary else least_squares(X, g, W)
            else:  # the Bayesian outcome model: its posterior's mean for the point, its draws otherwise
                posterior = self._posterior(key, design, g, binary)
                if POINT in cache:
                    cache[key] = (posterior.theta_hat.reshape(1, -1, 1) if binary
                                  else posterior.beta_hat.unsqueeze(0))
                else:
                    cache[key] = posterior.draws(W.shape[0], self._rng)
        coefficients = cache[key]
        X_do = design.matrix(self.units.with_values(dict(adjustment.treatments)))
        return logistic_mean(X_do, coefficients) if binary else coefficients @ X_do.T

    def _mechanism_means(self, leaf: Leaf, adjustment: LeafAdjustment, W: torch.Tensor, cache: dict) -> torch.Tensor:
        outcome, model, span = self.mechanisms[id(leaf)]
        if outcome.variable not in self._laplace:
            self._laplace[outcome.variable] = LaplacePosterior.fit(model, outcome, self.units.columns,
                                                                   self.units.weights, span)
        posterior = self._laplace[outcome.variable]
        key = ("mechanism", outcome.variable)
        if key not in cache:
            cache[key] = posterior.parameter_draws(None if POINT in cache else W.shape[0], self._rng)
        return posterior.means(self.units.with_values(dict(adjustment.treatments)), cache[key])

    def _posterior(self, key, design: Design, g: torch.Tensor, binary: bool):
        if key not in self._posteriors:
            X = design.matrix(self.units.columns)
            family = LogisticPosterior if binary else GaussianPosterior
            self._posteriors[key] = family.fit(X, g, self.units.weights)
        return self._posteriors[key]

    def _correction(self, adjustment: LeafAdjustment, g: torch.Tensor, mu: torch.Tensor, W: torch.Tensor,
                    cache: dict) -> torch.Tensor:
        (name, value), = adjustment.treatments
        levels = self.units.levels[name]
        design = self._design(adjustment.covariates, ())
        key = ("propensity", name, design)
        if key not in cache:
            theta = multinomial_logit(design.matrix(self.units.columns), self.units.columns[name], levels, W)
            cache[key] = class_probabilities(design.matrix(self.units.columns), theta)
        propensity = cache[key][..., int(value)]
        if W.shape[0] == 1:
            low = float(propensity.min())
            self.smallest_propensity = low if self.smallest_propensity is None else min(low, self.smallest_propensity)
        treated = (self.units.columns[name] == int(value)).to(torch.float64)
        return treated * (g - mu) / propensity.clamp(min=PROPENSITY_FLOOR)


def _outcome_key(leaf: Leaf) -> tuple:
    if isinstance(leaf, ExpectationSpec):
        return ("E", rx.to_text(leaf.expr))
    return ("P",) + tuple((e.outcome.variable, e.op, e.value) for e in leaf.events)


def _observed(model: CausalModel, options: Options) -> frozenset[str]:
    blocks = options.data.observational
    names = {v.name for v in model.observables}
    for block in blocks:
        names &= set(block.columns)
    return frozenset(names)


def _needed(model: CausalModel, query: QuerySpec, plan: dict[int, LeafAdjustment], mechanisms: dict) -> tuple[str, ...]:
    names: set[str] = set()
    for outcome in mechanisms.values():
        names |= set(outcome.mechanism.parents) | {outcome.variable}
    for leaf in leaves(query.term):
        adjustment = plan[id(leaf)]
        names |= set(outcome_names(leaf)) | set(adjustment.treatment_names) | set(adjustment.covariates)
        names |= {event.outcome.variable for event in leaf.evidence}
    return tuple(v.name for v in model.observables if v.name in names)


def _leaf_text(leaf: Leaf) -> str:
    treatments = ", ".join(f"{name} = {value:g}" for name, value in leaf.interventions)
    if isinstance(leaf, ExpectationSpec):
        return f"E[{rx.to_text(leaf.expr)} | do({treatments})]"
    return f"P({', '.join(outcome_names(leaf))} | do({treatments}))"


def _estimand_text(query: QuerySpec, plan: dict[int, LeafAdjustment]) -> str:
    texts = []
    for leaf in leaves(query.term):
        adjustment = plan[id(leaf)]
        if not adjustment.treatments:
            continue
        formula = backdoor_estimand(adjustment.treatment_names, outcome_names(leaf), adjustment.covariates)
        texts.append(f"{_leaf_text(leaf)} = {formula.to_text()}")
    return "; ".join(dict.fromkeys(texts)) or None


__all__ = ["answer_adjustment", "adjustment_plan", "backdoor_covariates", "aipw_applies", "LeafAdjustment"]
