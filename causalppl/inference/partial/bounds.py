"""``bounds`` queries: identification first, then sharp bounds over response functions, with uncertainty.

1. Each probability or expectation of the query (a *leaf*) that ID/IDC
   identifies from the observed variables is evaluated by its estimand on
   the data (point and Dirichlet posterior draws). When every leaf is
   identified, the answer is that value as both bounds ("point-identified",
   with its interval); otherwise the identified leaves are constants added
   to the bounds of the rest.
2. The rest (a linear combination of interventional or counterfactual
   probabilities and expectations sharing one condition, nested potential
   outcomes included) becomes a :class:`~causalppl.backends.bounds.LinearQuery`
   over the observed ADMG; the data become the observational distribution
   and ``under do(...)`` experiments. Response types factor over
   c-components: the backend solves a linear program, or a polynomial
   program when several independent components interact, and says whether
   the result is proven sharp or only valid (with the gap).
3. The 95% interval comes from Dirichlet posterior draws of the data, each
   bounded the same way (polynomial programs in ``workers`` processes).

With ``method`` "nuts" or "svi" the answer also carries the posterior of the
query itself under a Dirichlet prior over response types (the Bayesian
partial-identification mode, :mod:`causalppl.backends.bounds.bayesian`):
``estimate`` and ``interval`` are its mean and 95% credible interval.

>>> import pandas as pd, causalppl as cp
>>> from causalppl.inference.options import parse_options
>>> m = cp.loads("model Confounded { X : bool\\n Y : bool <- X\\n X <-> Y }")
>>> rows = pd.DataFrame({"X": [0, 0, 1, 1], "Y": [0, 1, 0, 1], "count": [10, 20, 30, 40]})
>>> options = parse_options({"seed": 0, "draws": 100}).with_context(data=m.load_data(rows))
>>> result = answer_bounds(m.ir, m._check_query_text("bounds P(Y = 1 | do(X = 1))"), options)
>>> [round(b, 6) for b in result.bounds], result.diagnostics["sharp"]  # P(X=1, Y=1) and that + P(X=0)
([0.4, 0.7], True)
"""

from __future__ import annotations

import dataclasses
import functools
import itertools

import numpy as np

from causalppl.backends.bounds import (
    CfAtom,
    DiscreteGraph,
    Experiment,
    IncompatibleData,
    LinearQuery,
    Potential,
    ZeroProbabilityCondition,
    bounds_for_draws,
    sharp_bounds,
)
from causalppl.backends.bounds.solve import Infeasible
from causalppl.backends.bounds.bayesian import (
    BayesianBoundsResult,
    posterior_query_draws,
)
from causalppl.data.distributions import joint_counts
from causalppl.diagnostics import spell_option
from causalppl.identification import identify
from causalppl.inference.estimate.identify import estimand_leaf_values, identify_leaves, observed_in_data
from causalppl.inference.graphs import observed_admg
from causalppl.inference.messages import bounds_infeasible, condition_not_in_data, query_error
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
    fold_term,
    has_counterfactuals,
    leaves,
)

POINT_TOLERANCE = 1e-9

MAX_DRAW_ENTRIES = 20_000_000
"""Posterior draws of the observed joint are capped so that they hold at most this many numbers."""


def answer_bounds(model: CausalModel, query: QuerySpec, options: Options, bayesian: str | None = None) -> Result:
    """Identified value, or sharp bounds, with 95% intervals from Dirichlet draws of the data.

    ``bayesian`` ("nuts" or "svi", as the caller asked) adds the posterior of
    the query under a Dirichlet prior over response types.
    """
    graph = discrete_graph(model, query)
    observational, draws, counts = _observational(model, options, graph, query)
    counted = _experiment_counts(model, options, graph)
    known = _identified_leaves(model, query, options, observational, draws, counted, bayesian)
    if known is not None and len(known) == len(leaves(query.term)):
        return _identified_result(model, query, known)
    translator = LinearTranslator(model, query, known or {})
    linear = translator.translate()
    offset = translator.offset
    experiments = [_normalized(experiment) for experiment in counted]
    units = _units(counts, counted)
    settings = {"time_limit": options.bounds.time_limit}
    try:
        point = sharp_bounds(graph, linear, observational, experiments, units=units, **settings)
        batch = None
        if draws is not None:
            fit = point.status.startswith("optimal for the maximum")
            batch = bounds_in_blocks(functools.partial(bounds_for_draws, fit=fit, workers=options.scale.workers or 1,
                                                       **settings),
                                     graph, linear, draws, experiments, options.scale.ray_address)
    except (IncompatibleData, ZeroProbabilityCondition) as error:
        raise query_error(query.span, str(error), "check the data, or the model's graph") from None
    except Infeasible as error:
        raise bounds_infeasible(query.span, str(error)) from None
    except ValueError as error:
        raise query_error(query.span, f"cannot bound this query: {error}") from None
    result = _result(model, query, point, batch, offset, known or {})
    if bayesian is not None:
        return _with_posterior(result, query, options, bayesian, graph, linear, counts, counted, float(offset[0]))
    return result


def _units(counts: np.ndarray | None, experiments: list[Experiment]) -> list[float] | None:
    """Units behind each data regime (observational first, then each experimental setting), if counted."""
    units = [] if counts is None else [float(counts.sum())]
    for experiment in experiments:
        units += [float(table.sum()) for table in experiment.distributions.values()]
    return units or None


# ------------------------------------------------------------ identification ----


def _identified_leaves(model: CausalModel, query: QuerySpec, options: Options, observational, draws,
                       experiments: list[Experiment], bayesian: str | None) -> dict[int, np.ndarray] | None:
    """Values (point, then one per draw) of the leaves ID/IDC identifies; None when identification does not apply.

    It applies to observational data alone (or the model's own distribution) and leaves without
    potential outcomes; the Bayesian mode keeps every leaf in the response-type posterior.
    """
    if bayesian is not None or experiments or observational is None:
        return None
    observed = observed_in_data(model, options.data)
    stacked = np.concatenate([observational[None], draws]) if draws is not None else observational[None]
    variables = _graph_order(model)
    known = {}
    for leaf in leaves(query.term):
        if not _plain(leaf):
            continue
        try:  # one leaf at a time: a leaf identification does not take is simply bounded
            result = identify_leaves(model, dataclasses.replace(query, term=leaf), observed)[id(leaf)]
        except Exception:
            continue
        if result.identifiable:
            values = estimand_leaf_values(model, leaf, result, stacked, variables)
            if np.isfinite(values[0]):  # else the data leave the estimand undefined (positivity): bound the leaf
                known[id(leaf)] = (values, result.estimand.to_text())
    return known


def _graph_order(model: CausalModel) -> tuple[str, ...]:
    return tuple(observed_admg(model).topological_order())


def _plain(leaf) -> bool:
    if isinstance(leaf, ExpectationSpec):
        return not rx.counterfactuals_in(leaf.expr) and all(e.is_factual for e in leaf.evidence)
    return all(e.is_factual for e in leaf.events + leaf.evidence)


def _identified_result(model: CausalModel, query: QuerySpec, known: dict) -> Result:
    values = fold_term(query.term, lambda leaf: known[id(leaf)][0])
    values = np.broadcast_to(np.asarray(values, dtype=float), known[next(iter(known))][0].shape)
    estimate = float(values[0])
    if not np.isfinite(estimate):
        raise condition_not_in_data(query.span)
    interval = None
    draws = values[1:][np.isfinite(values[1:])]
    if draws.size:
        interval = (float(np.quantile(draws, 0.025)), float(np.quantile(draws, 0.975)))
    estimand = "; ".join(dict.fromkeys(text for _, text in known.values()))
    diagnostics = {"certificate": "point-identified", "gap": 0.0, "solver": "identification (ID/IDC)",
                   "draws": int(values.size - 1)}
    notes = ("the query is identified (ID/IDC): its sharp bounds are one point, the estimand's value; "
             "interval is that estimate's 95% credible interval",)
    return Result(query.name, query.text, estimate=estimate, interval=interval, bounds=(estimate, estimate),
                  identifiable=True, estimand=estimand, method="bounds-identified", diagnostics=diagnostics,
                  notes=notes, kind="bounds")


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
    size = int(np.prod(graph.shape(), dtype=np.int64))
    try:
        joint = observed_joint(model, options.data, _draw_count(options.draws, size), options.seed, names)
    except NotTabulable:
        raise query_error(query.span, "bounds need the observed distribution, and the model does not fix it",
                          f"add a data line (or --data) with columns {', '.join(names)}") from None
    return joint.point, joint.draws, joint.counts


def _draw_count(asked: int, size: int) -> int:
    """The posterior draws of the observed joint that fit in :data:`MAX_DRAW_ENTRIES` numbers (at least 20)."""
    return max(20, min(asked, MAX_DRAW_ENTRIES // max(size, 1)))


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


def _result(model: CausalModel, query: QuerySpec, point, batch, offset: np.ndarray, known: dict) -> Result:
    base = float(offset[0])
    lower, upper = float(point.lower) + base, float(point.upper) + base
    identified = upper - lower <= POINT_TOLERANCE
    identifiable, estimand = _identification(model, query)
    certificate = "point-identified" if identified else point.certificate
    diagnostics = {"lp_columns": point.n_columns, "lp_constraints": point.n_constraints, "sharp": point.sharp,
                   "status": point.status, "certificate": certificate, "gap": float(point.gap),
                   "solver": point.solver, "free_components": list(point.free_components)}
    interval = None
    if batch is not None:
        shifts = draw_offsets(offset, len(batch.lowers))
        lowers, uppers = np.asarray(batch.lowers) + shifts, np.asarray(batch.uppers) + shifts
        valid = ~(np.isnan(lowers) | np.isnan(uppers))
        diagnostics.update(draws=int(len(lowers)), incompatible_draws=int((~valid).sum()), draw_method=batch.method)
        if batch.gaps is not None and valid.any():
            diagnostics["max_draw_gap"] = float(np.max(batch.gaps[valid]))
        if valid.any():
            interval = (float(np.quantile(lowers[valid], 0.025)), float(np.quantile(uppers[valid], 0.975)))
            diagnostics["lower_interval"] = [float(np.quantile(lowers[valid], q)) for q in (0.025, 0.975)]
            diagnostics["upper_interval"] = [float(np.quantile(uppers[valid], q)) for q in (0.025, 0.975)]
    notes = tuple(point.notes)
    if known:
        texts = "; ".join(dict.fromkeys(text for _, text in known.values()))
        notes += (f"{len(known)} of the query's terms are identified (ID/IDC) and were substituted by their "
                  f"estimands' values: {texts}",)
    if certificate == "point-identified":
        notes += ("the bounds meet: the data point-identify the query",)
    elif certificate == "sharp":
        notes += ("these bounds are proven sharp",)
    elif not any("may not be sharp" in note for note in notes):
        notes += (f"these bounds are valid but may not be sharp (gap {point.gap:.3g})",)
    method = "bounds-polynomial" if len(point.free_components) > 1 else "bounds-lp"
    return Result(query.name, query.text, estimate=lower if identified else None, interval=interval,
                  bounds=(lower, upper), identifiable=identifiable or identified, estimand=estimand,
                  method=method, diagnostics=diagnostics, notes=notes, kind="bounds")


def draw_offsets(offset: np.ndarray, count: int) -> np.ndarray:
    """The query's constant part in each of ``count`` posterior draws.

    ``offset`` (:attr:`LinearTranslator.offset`) holds the point value first,
    then one value per draw when identified leaves were substituted; a lone
    value (the query's numbers only) is the same in every draw.
    """
    return np.broadcast_to(offset[1:] if offset.size > 1 else offset[:1], (count,))


def _with_posterior(result: Result, query: QuerySpec, options: Options, asked: str, graph: DiscreteGraph,
                    linear: LinearQuery, counts: np.ndarray | None, experiments: list[Experiment],
                    offset: float = 0.0) -> Result:
    """``result`` with the posterior of the query under a Dirichlet prior over response types.

    ``offset`` is the query's constant part, added to every draw of its linear part ``linear``.
    """
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
    interval = (posterior.interval[0] + offset, posterior.interval[1] + offset)
    return dataclasses.replace(result, estimate=posterior.mean + offset, interval=interval,
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
    """A query → Σ coefficient · P(counterfactual event | condition), plus a constant ``offset``.

    ``known`` maps ``id(leaf)`` of identified leaves to (values, estimand text):
    their scaled values accumulate in ``offset`` (point, then per draw).
    """

    def __init__(self, model: CausalModel, query: QuerySpec, known: dict | None = None) -> None:
        self.model = model
        self.query = query
        self.known = known or {}
        self.conditions: set[tuple] = set()
        self.offset = np.zeros(1)

    def translate(self) -> LinearQuery:
        terms = self._terms(self.query.term, 1.0)
        if not terms:  # every leaf is known: bound the constant zero
            return LinearQuery(((0.0, ()),))
        if len(self.conditions) > 1:
            raise query_error(self.query.span, "every term of a bounds query must share the same condition")
        condition = next(iter(self.conditions), ())
        merged: dict[tuple, float] = {}
        for coefficient, event in terms:
            merged[event] = merged.get(event, 0.0) + coefficient
        kept = tuple((c, e) for e, c in merged.items() if c != 0.0)
        return LinearQuery(kept or ((0.0, ()),), condition)

    def _terms(self, term, scale: float) -> list[tuple[float, tuple]]:
        if isinstance(term, BinarySpec) and term.op in "+-":
            sign = 1.0 if term.op == "+" else -1.0
            return self._terms(term.left, scale) + self._terms(term.right, sign * scale)
        if isinstance(term, BinarySpec) and term.op == "*":
            if isinstance(term.left, NumberSpec):
                return self._terms(term.right, scale * term.left.value)
            if isinstance(term.right, NumberSpec):
                return self._terms(term.left, scale * term.right.value)
            raise query_error(self.query.span, "bounds take linear combinations of probabilities and expectations")
        if isinstance(term, NegationSpec):
            return self._terms(term.operand, -scale)
        if isinstance(term, NumberSpec):
            self.offset = self.offset + scale * term.value
            return []
        if id(term) in self.known:
            self.offset = self.offset + scale * self.known[id(term)][0]
            return []
        if isinstance(term, ProbabilitySpec):
            return self._probability(term, scale)
        if isinstance(term, ExpectationSpec):
            return self._expectation(term, scale)
        raise query_error(self.query.span, "bounds take linear combinations of probabilities and expectations")

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
        merged: dict[str, object] = {name: int(value) for name, value in outer}
        for name, value in outcome.interventions:
            if isinstance(value, rx.CounterfactualRef):
                if value.variable != name:
                    raise query_error(self.query.span, f"bounds need {name} set to a potential outcome of {name} "
                                                       f"itself (such as {name}[X = 0]), not of {value.variable}")
                merged[name] = Potential(value.variable, self._interventions(value, ()))
            else:
                merged[name] = int(value)
        merged.pop(outcome.variable, None)
        return tuple(sorted(merged.items(), key=lambda item: item[0]))
