"""``bounds`` queries: sharp bounds by linear programming, and their posterior uncertainty.

The query (a linear combination of interventional or counterfactual
probabilities and expectations, sharing one condition) becomes a
:class:`~causalppl.backends.bounds.LinearQuery` over the observed ADMG; the
data become the observational distribution and ``under do(...)``
experiments.  Bounds come from the empirical distribution; their 95%
intervals from Dirichlet posterior draws of it, solved in one batch.

With ``method`` "nuts" or "svi" the answer also carries the posterior of the
query itself under a Dirichlet prior over response types (the Bayesian
partial-identification mode, :mod:`causalppl.backends.bounds.bayesian`):
``estimate`` and ``interval`` are its mean and 95% credible interval.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from causalppl.backends.bounds import (
    CfAtom,
    DiscreteGraph,
    Experiment,
    IncompatibleData,
    LinearQuery,
    ZeroProbabilityCondition,
    bounds_for_draws,
    sharp_bounds,
)
from causalppl.backends.bounds.bayesian import (
    BayesianBoundsResult,
    posterior_query_draws,
)
from causalppl.data.distributions import joint_counts
from causalppl.diagnostics import spell_option
from causalppl.identification import identify
from causalppl.inference.graphs import observed_admg
from causalppl.inference.messages import query_error
from causalppl.inference.observed import NotTabulable, observed_joint
from causalppl.inference.options import Options
from causalppl.inference.results import Result
from causalppl.inference.scale.blocks import bounds_in_blocks
from causalppl.ir import expressions as rx
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import (
    COMPARISONS,
    BinarySpec,
    EventSpec,
    ExpectationSpec,
    NegationSpec,
    NumberSpec,
    ProbabilitySpec,
    QuerySpec,
    has_counterfactuals,
    leaves,
)

POINT_TOLERANCE = 1e-9


def answer_bounds(model: CausalModel, query: QuerySpec, options: Options, bayesian: str | None = None) -> Result:
    """Sharp bounds by linear programming, with 95% intervals from Dirichlet draws of the data.

    ``bayesian`` ("nuts" or "svi", as the caller asked) adds the posterior of
    the query under a Dirichlet prior over response types.
    """
    graph = discrete_graph(model, query)
    linear = LinearTranslator(model, query).translate()
    observational, draws, counts = _observational(model, options, graph, query)
    counted = _experiment_counts(model, options, graph)
    experiments = [_normalized(experiment) for experiment in counted]
    try:
        point = sharp_bounds(graph, linear, observational, experiments)
        batch = bounds_in_blocks(bounds_for_draws, graph, linear, draws, experiments,
                                 options.scale.ray_address) if draws is not None else None
    except (IncompatibleData, ZeroProbabilityCondition) as error:
        raise query_error(query.span, str(error), "check the data, or the model's graph") from None
    except ValueError as error:
        raise query_error(query.span, f"cannot bound this query: {error}") from None
    result = _result(model, query, point, batch)
    if bayesian is not None:
        return _with_posterior(result, query, options, bayesian, graph, linear, counts, counted)
    return result


# ------------------------------------------------------------------ graph ----


def discrete_graph(model: CausalModel, query: QuerySpec) -> DiscreteGraph:
    admg = observed_admg(model)
    for name in admg.nodes:
        if not model.variable(name).domain.is_finite:
            raise query_error(query.span, f"'{name}' is {model.variable(name).domain.describe()}: sharp bounds "
                                          "need every observed variable to be finite")
    cards = {name: model.variable(name).domain.size for name in admg.topological_order()}
    parents = {name: tuple(p for p in cards if p in admg.parents(name)) for name in cards}
    return DiscreteGraph(cards, parents, frozenset(admg.bidirected))


# ------------------------------------------------------------------- data ----


def _observational(model: CausalModel, options, graph: DiscreteGraph, query: QuerySpec):
    names = tuple(graph.cards)
    has_observational = options.data is not None and options.data.observational
    if options.data is not None and not has_observational:
        return None, None, None
    try:
        joint = observed_joint(model, options.data, options.draws, options.seed, names)
    except NotTabulable:
        raise query_error(query.span, "bounds need the observed distribution, and the model does not fix it",
                          f"add a data line (or --data) with columns {', '.join(names)}") from None
    draws = joint.draws.numpy() if joint.draws is not None else None
    return joint.point.numpy(), draws, joint.counts


def _experiment_counts(model: CausalModel, options, graph: DiscreteGraph) -> list[Experiment]:
    """Each experimental data block as an :class:`Experiment` holding counts (settings with units only)."""
    names = tuple(graph.cards)
    experiments = []
    for block in options.data.experimental if options.data is not None else ():
        intervened = block.intervened
        counts = joint_counts(block, model, names)
        axes = [names.index(name) for name in intervened]
        distributions = {}
        for setting in itertools.product(*(range(graph.cards[name]) for name in intervened)):
            index = [slice(None)] * len(names)
            for axis, value in zip(axes, setting):
                index[axis] = value
            cell = counts[tuple(index)]
            if cell.sum() > 0:
                distributions[setting] = cell
        experiments.append(Experiment(tuple(intervened), distributions))
    return experiments


def _normalized(experiment: Experiment) -> Experiment:
    tables = {setting: table / table.sum() for setting, table in experiment.distributions.items()}
    return Experiment(experiment.intervened, tables)


# ----------------------------------------------------------------- result ----


def _result(model: CausalModel, query: QuerySpec, point, batch) -> Result:
    lower, upper = float(point.lower), float(point.upper)
    identified = upper - lower <= POINT_TOLERANCE
    identifiable, estimand = _identification(model, query)
    diagnostics = {"lp_columns": point.n_columns, "lp_constraints": point.n_constraints, "sharp": point.sharp,
                   "status": point.status}
    interval = None
    if batch is not None:
        lowers, uppers = np.asarray(batch.lowers), np.asarray(batch.uppers)
        valid = ~(np.isnan(lowers) | np.isnan(uppers))
        diagnostics.update(draws=int(len(lowers)), incompatible_draws=int((~valid).sum()), draw_method=batch.method)
        if valid.any():
            interval = (float(np.quantile(lowers[valid], 0.025)), float(np.quantile(uppers[valid], 0.975)))
            diagnostics["lower_interval"] = [float(np.quantile(lowers[valid], q)) for q in (0.025, 0.975)]
            diagnostics["upper_interval"] = [float(np.quantile(uppers[valid], q)) for q in (0.025, 0.975)]
    notes = tuple(point.notes) + (() if point.sharp else ("these bounds are valid but may not be sharp",))
    return Result(query.name, query.text, estimate=lower if identified else None, interval=interval,
                  bounds=(lower, upper), identifiable=identifiable or identified, estimand=estimand,
                  method="bounds-lp", diagnostics=diagnostics, notes=notes, kind="bounds")


def _with_posterior(result: Result, query: QuerySpec, options: Options, asked: str, graph: DiscreteGraph,
                    linear: LinearQuery, counts: np.ndarray | None, experiments: list[Experiment]) -> Result:
    """``result`` with the posterior of the query under a Dirichlet prior over response types."""
    if counts is None and not experiments:
        raise query_error(query.span, f"{spell_option('method', asked)} gives the posterior of a bounds query "
                                      "given data, and there are none",
                          f"add a data line (or --data), or use {spell_option('method', 'auto')}")
    whole = all(_whole(table) for table in _count_tables(counts, experiments))
    sampler = options.bounds.sampler or ("gibbs" if whole else "nuts")
    try:
        posterior = posterior_query_draws(graph, linear, counts, experiments, method=sampler, seed=options.seed,
                                          **_posterior_options(options))
    except (IncompatibleData, ZeroProbabilityCondition, ValueError) as error:
        raise query_error(query.span, f"cannot sample the posterior of this query: {error}") from None
    notes = _posterior_notes(result, posterior, asked, whole)
    return dataclasses.replace(result, estimate=posterior.mean, interval=posterior.interval,
                               method=f"bayesian-bounds ({sampler})",
                               diagnostics=_posterior_diagnostics(result, posterior), notes=result.notes + notes)


def _posterior_options(options: Options) -> dict:
    """Sampler settings from the query options (the NUTS group's chains, draws and warm-up)."""
    chains = options.nuts.chains
    return {"prior": options.bounds.prior, "chains": chains, "draws": chains * options.nuts.draws,
            "warmup": options.nuts.warmup}


def _count_tables(counts: np.ndarray | None, experiments: list[Experiment]) -> list[np.ndarray]:
    tables = [table for experiment in experiments for table in experiment.distributions.values()]
    return tables if counts is None else [counts] + tables


def _whole(table: np.ndarray) -> bool:
    return bool(np.all(np.abs(table - np.round(table)) <= 1e-9))


def _posterior_diagnostics(result: Result, posterior: BayesianBoundsResult) -> dict:
    found = posterior.diagnostics
    diagnostics = dict(result.diagnostics or {})
    diagnostics["identified_set_interval"] = list(result.interval) if result.interval is not None else None
    diagnostics.update(max_rhat=found["rhat"], ess_bulk=found["ess_bulk"], ess_tail=found["ess_tail"],
                       mcse_mean=found["mcse_mean"], posterior_sd=float(np.nanstd(posterior.draws)),
                       sampler=found["sampler"], chains=found["chains"], posterior_draws=int(posterior.draws.size),
                       warmup=found["warmup"], prior=found["prior"])
    if "divergences" in found:
        diagnostics["divergences"] = found["divergences"]
    return diagnostics


def _posterior_notes(result: Result, posterior: BayesianBoundsResult, asked: str, whole: bool) -> tuple[str, ...]:
    lower, upper = result.bounds
    prior = posterior.diagnostics["prior"]["response_types"]
    if result.estimate is not None:  # the bounds meet
        where = "the data point-identify it, so the prior only shapes its spread at finite sample size"
    else:
        where = (f"the data confine it to the identified set [{lower:.6g}, {upper:.6g}] but not within it: "
                 "there the posterior depends on the prior however much data there are")
    how = ("exact Gibbs data augmentation over response types (Chickering & Pearl, 1996)"
           if posterior.method == "gibbs" else "NUTS on the response-type simplex")
    instead = ", in place of a variational approximation" if asked == "svi" else ""
    why = " (the counts are not whole numbers)" if not whole else ""
    notes = (f"estimate and interval are the posterior mean and 95% credible interval of the query under {prior}; "
             + where, f"the posterior was sampled by {how}{instead}{why}")
    return notes + tuple(note for note in posterior.notes if note not in result.notes)


def _identification(model: CausalModel, query: QuerySpec) -> tuple[bool | None, str | None]:
    if has_counterfactuals(query.term):
        return None, None
    admg = observed_admg(model)
    texts = []
    for leaf in leaves(query.term):
        outcomes = _outcomes(leaf)
        treatments = {name for name, _ in leaf.interventions}
        conditions = {e.outcome.variable for e in leaf.evidence}
        try:
            result = identify(admg, outcomes, treatments, conditions)
        except ValueError:
            return None, None
        if not result.identifiable:
            return False, None
        texts.append(result.estimand.to_text())
    return True, "; ".join(dict.fromkeys(texts))


def _outcomes(leaf) -> set[str]:
    if isinstance(leaf, ExpectationSpec):
        return set(rx.variables_in(leaf.expr))
    return {e.outcome.variable for e in leaf.events}


# ------------------------------------------------------ query translation ----


class LinearTranslator:
    """A query → Σ coefficient · P(counterfactual event | condition)."""

    def __init__(self, model: CausalModel, query: QuerySpec) -> None:
        self.model = model
        self.query = query
        self.conditions: set[tuple] = set()

    def translate(self) -> LinearQuery:
        terms = self._terms(self.query.term, 1.0)
        if len(self.conditions) > 1:
            raise query_error(self.query.span, "every term of a bounds query must share the same condition")
        condition = next(iter(self.conditions), ())
        merged: dict[tuple, float] = {}
        for coefficient, event in terms:
            merged[event] = merged.get(event, 0.0) + coefficient
        return LinearQuery(tuple((c, e) for e, c in merged.items() if c != 0.0), condition)

    def _terms(self, term, scale: float) -> list[tuple[float, tuple]]:
        if isinstance(term, BinarySpec) and term.op in "+-":
            sign = 1.0 if term.op == "+" else -1.0
            return self._terms(term.left, scale) + self._terms(term.right, sign * scale)
        if isinstance(term, BinarySpec) and term.op == "*":
            return self._scaled(term.left, term.right, scale) or self._scaled(term.right, term.left, scale)
        if isinstance(term, NegationSpec):
            return self._terms(term.operand, -scale)
        if isinstance(term, ProbabilitySpec):
            return self._probability(term, scale)
        if isinstance(term, ExpectationSpec):
            return self._expectation(term, scale)
        raise query_error(self.query.span, "bounds take linear combinations of probabilities and expectations")

    def _scaled(self, number, other, scale: float):
        if isinstance(number, NumberSpec):
            return self._terms(other, scale * number.value)
        return None

    def _probability(self, leaf: ProbabilitySpec, scale: float) -> list[tuple[float, tuple]]:
        self.conditions.add(self._condition(leaf))
        if leaf.is_distribution:
            raise query_error(leaf.span, "bounds need an event such as P(Y = 1 | ...), not a distribution P(Y)")
        choices = [self._atoms(event, leaf.interventions) for event in leaf.events]
        return [(scale, tuple(sorted(set(combo), key=repr))) for combo in itertools.product(*choices)]

    def _expectation(self, leaf: ExpectationSpec, scale: float) -> list[tuple[float, tuple]]:
        self.conditions.add(self._condition(leaf))
        terms = []
        for coefficient, outcome in self._linear(leaf.expr):
            variable = self.model.variable(outcome.variable)
            interventions = self._interventions(outcome, leaf.interventions)
            for value in range(variable.domain.size):
                if value:
                    atom = CfAtom(outcome.variable, interventions, value)
                    terms.append((scale * coefficient * value, (atom,)))
        return terms

    def _linear(self, expr) -> list[tuple[float, rx.CounterfactualRef]]:
        if isinstance(expr, rx.VarRef):
            return [(1.0, rx.CounterfactualRef(expr.name, (), expr.span))]
        if isinstance(expr, rx.CounterfactualRef):
            return [(1.0, expr)]
        if isinstance(expr, rx.Binary) and expr.op in "+-":
            sign = 1.0 if expr.op == "+" else -1.0
            return self._linear(expr.left) + [(sign * c, o) for c, o in self._linear(expr.right)]
        if isinstance(expr, rx.Binary) and expr.op == "*" and rx.constant_value(expr.left) is not None:
            return [(rx.constant_value(expr.left) * c, o) for c, o in self._linear(expr.right)]
        if isinstance(expr, rx.Unary) and expr.op == "-":
            return [(-c, o) for c, o in self._linear(expr.operand)]
        raise query_error(self.query.span, "bounds on E[...] need a linear combination of finite variables "
                                           "or potential outcomes")

    def _atoms(self, event: EventSpec, interventions) -> list[CfAtom]:
        variable = self.model.variable(event.outcome.variable)
        fixed = self._interventions(event.outcome, interventions)
        values = [v for v in range(variable.domain.size) if COMPARISONS[event.op](v, event.value)]
        return [CfAtom(event.outcome.variable, fixed, value) for value in values]

    def _condition(self, leaf) -> tuple:
        atoms = []
        for event in leaf.evidence:
            options = self._atoms(event, leaf.interventions)
            if len(options) != 1:
                raise query_error(event.span, "bounds need evidence of the form X = value")
            atoms.append(options[0])
        return tuple(sorted(atoms, key=repr))

    def _interventions(self, outcome: rx.CounterfactualRef, outer) -> tuple[tuple[str, int], ...]:
        merged = {name: int(value) for name, value in outer}
        for name, value in outcome.interventions:
            if isinstance(value, rx.CounterfactualRef):
                raise query_error(self.query.span, "bounds do not take nested potential outcomes yet")
            merged[name] = int(value)
        merged.pop(outcome.variable, None)
        return tuple(sorted(merged.items()))
