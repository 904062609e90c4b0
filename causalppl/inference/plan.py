r"""The query planner: one table from (query kind, model facts, data, asked method) to the answerer.

This module is the only reader of the asked method.  Facts about the model
are computed once from the IR's structure (:class:`ModelFacts`), facts about
the data from its columns, facts about the query from its terms; each row of
:data:`TABLE` is an engine, the methods that select it, and the rule that
says whether it can answer.  ``auto`` takes the first row (in table order)
whose rule holds; an explicit method takes its own row, or is refused with
the reason and the methods that can answer.  :class:`Plan` records the
choice, the facts behind it and why every other engine was passed over, like
a database's EXPLAIN (``causalppl run --explain``, ``Result.plan``).

Every answerer has one signature, ``(model, query, options) -> Result``.

>>> import causalppl as cp
>>> m = cp.loads("model C { X ~ Bernoulli(0.3)\n Y := not X }")
>>> plan = plan_query(m.ir, m._check_query_text("P(Y = 1)"), Options())
>>> plan.engine, plan.reasons[0]
('exact', 'every variable is finite and every mechanism is known')
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass, fields, replace
from typing import Any, Callable

from causalppl.backends.invalid_site import InvalidSite
from causalppl.backends.tabulable import leaf_untabulable_reason, untabulable_reason
from causalppl.diagnostics import CausalPPLError, spell_methods, spell_option
from causalppl.data.loading import covariate_names
from causalppl.inference.bayesian.settings import LARGE_DATA_ROWS, default_batch_size
from causalppl.inference.bayesian.structure import conjugate_route
from causalppl.inference import engines
from causalppl.inference.data_report import data_report
from causalppl.inference.estimate.identify import (
    answer_identify,
    estimand_variables,
    identify_leaves,
    observed_in_data,
)
from causalppl.inference.messages import invalid_site, method_cannot_answer, no_engine
from causalppl.inference.options import METHODS, Options
from causalppl.inference.results import Result
from causalppl.inference.undefined import require_defined_means, require_finite
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import NonparametricMechanism
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import (
    ExpectationSpec,
    ProbabilitySpec,
    QuerySpec,
    has_counterfactuals,
    leaves,
    per_row_evidence,
)

Answerer = Callable[[CausalModel, QuerySpec, Options], Result]


# ------------------------------------------------------------------ facts ----


@dataclass(frozen=True)
class ModelFacts:
    """What the planner needs to know about a model, read from the IR's structure alone."""

    finite: bool  # every model variable takes finitely many values
    nonparametric: tuple[str, ...]  # variables with unknown mechanisms (X : T <- parents)
    confounded: tuple[str, ...]  # the <-> arcs, as "A <-> B"
    priors: tuple[str, ...]  # parameters with priors
    untabulable: str | None  # why exact enumeration is impossible (None: it is possible)
    covariates: tuple[str, ...] = ()  # root int/real variables without a mechanism: conditioned on, read from data
    conjugate: bool = False  # every unknown is a table with exact Dirichlet updates

    @property
    def known(self) -> bool:
        """Every mechanism written out (no unknown mechanism, no unknown confounder)."""
        return not self.nonparametric and not self.confounded

    @property
    def has_unknowns(self) -> bool:
        return bool(self.priors) or not self.known

    @staticmethod
    def of(model: CausalModel) -> "ModelFacts":
        """The facts of ``model``, read once per model object (models are immutable)."""
        key = id(model)
        cached = _MODEL_FACTS.get(key)
        if cached is not None and cached[0]() is model:
            return cached[1]
        facts = ModelFacts._read(model)
        _MODEL_FACTS[key] = (weakref.ref(model, lambda _, key=key, table=_MODEL_FACTS: table.pop(key, None)), facts)
        return facts

    @staticmethod
    def _read(model: CausalModel) -> "ModelFacts":
        return ModelFacts(
            finite=model.is_finite,
            nonparametric=tuple(v.name for v in model.model_variables
                                if isinstance(v.mechanism, NonparametricMechanism)),
            confounded=tuple(f"{c.a} <-> {c.b}" for c in model.confounders),
            priors=tuple(p.name for p in model.parameters if p.mechanism is not None),
            untabulable=untabulable_reason(model),
            covariates=covariate_names(model),
        )


_MODEL_FACTS: dict[int, tuple[weakref.ref, ModelFacts]] = {}


@dataclass(frozen=True)
class QueryFacts:
    kind: str  # estimate, bounds, identify
    counterfactual: bool
    evidence: bool
    distribution: bool
    interventional: bool
    variables: tuple[str, ...]  # every variable the query reads, names in order of appearance
    per_row: tuple[str, ...] = ()  # evidence whose values each row supplies (causalppl score)

    @staticmethod
    def of(query: QuerySpec) -> "QueryFacts":
        specs = leaves(query.term)
        names: list[str] = []
        for leaf in specs:
            if isinstance(leaf, ExpectationSpec):
                names += rx.variables_in(leaf.expr) + tuple(r.variable for r in rx.counterfactuals_in(leaf.expr))
            else:
                names += [e.outcome.variable for e in leaf.events]
            names += [e.outcome.variable for e in leaf.evidence] + [name for name, _ in leaf.interventions]
        return QueryFacts(
            kind=query.kind,
            counterfactual=has_counterfactuals(query.term),
            evidence=any(leaf.evidence for leaf in specs),
            distribution=isinstance(query.term, ProbabilitySpec) and query.term.is_distribution,
            interventional=any(leaf.interventions for leaf in specs),
            variables=tuple(dict.fromkeys(names)),
            per_row=per_row_evidence(query.term),
        )


@dataclass(frozen=True)
class DataFacts:
    rows: int  # observational and experimental rows (0 without data)
    units: float  # rows weighted by their counts
    experimental: bool  # some block was collected under do(...)
    observed: frozenset[str] | None  # observables with a column in every observational block
    fitted: bool  # a posterior fitted beforehand (FittedModel) stands in for the data
    missing_cells: tuple[tuple[str, int], ...] = ()  # (column, missing cells as read), columns with some
    conjugate: bool = False  # the model's unknowns have exact conjugate updates on these data
    has_missing: bool = False  # some kept row has a missing cell (the likelihood or complete cases handle it)

    @property
    def present(self) -> bool:
        return self.rows > 0 or self.fitted

    @property
    def large(self) -> bool:
        """More rows than a full-data sampler step should take (mini-batches instead)."""
        return self.rows > LARGE_DATA_ROWS and not self.fitted

    @staticmethod
    def of(model: CausalModel, options: Options) -> "DataFacts":
        if options.data is None:  # no data: the facts depend on the model alone (read once per model)
            key = (id(model), options.fitted is not None, options.posterior.conjugate is not False)
            cached = _NO_DATA_FACTS.get(key)
            if cached is not None and cached[0]() is model:
                return cached[1]
            facts = DataFacts._read(model, options)
            _NO_DATA_FACTS[key] = (weakref.ref(model, lambda _, key=key, table=_NO_DATA_FACTS: table.pop(key, None)),
                                   facts)
            return facts
        return DataFacts._read(model, options)

    @staticmethod
    def _read(model: CausalModel, options: Options) -> "DataFacts":
        data = options.data
        rows = int(data.n_rows) if data is not None else 0
        units = float(sum(block.total_weight for block in data.blocks)) if data is not None else 0.0
        experimental = bool(data is not None and data.experimental)
        missing = tuple(data.missing_cells.items()) if data is not None else ()
        conjugate = options.posterior.conjugate is not False and conjugate_route(model, data if rows else None)
        return DataFacts(rows, units, experimental, observed_in_data(model, data), options.fitted is not None,
                         missing, conjugate, bool(data is not None and data.has_missing))


_NO_DATA_FACTS: dict[tuple, tuple[weakref.ref, DataFacts]] = {}


@dataclass(frozen=True, eq=False)
class Facts:
    model: ModelFacts
    query: QueryFacts
    data: DataFacts
    asked: str  # the method asked for
    ir: CausalModel
    spec: QuerySpec
    estimator: str = "auto"  # the estimator asked for identified queries on unit-level data
    device: str = "cpu"  # where sampling runs (the mini-batch of large data depends on it)

    @functools.cached_property
    def needed(self) -> tuple[str, ...]:
        """The variables the query and its identification estimands read (the query's alone if not identified)."""
        try:
            found = estimand_variables(self.ir, self.spec, self.data.observed)
        except Exception:  # a query identification does not take: its own variables
            found = ()
        return tuple(dict.fromkeys(self.query.variables + found))

    @functools.cached_property
    def untabulable(self) -> str | None:
        """Why exact enumeration cannot answer the query (None: it can): the model's reason when it has none
        of its own (every table finite), else the first leaf whose variables and their ancestors, after its
        ``do``, are not all finite with known mechanisms (the other tables are barren: they sum out)."""
        if self.model.untabulable is None:
            return None
        self.__dict__["_read_query"] = True  # read the query beyond its facts (see plan_query)
        for leaf in leaves(self.spec.term):
            reason = leaf_untabulable_reason(self.ir, leaf)
            if reason is not None:
                return reason
        return None

    @functools.cached_property
    def needs_continuous(self) -> str | None:
        """The first variable the query or its estimand reads that is not finite (None: all finite)."""
        return next((name for name in self.needed
                     if name in self.ir and not self.ir.variable(name).domain.is_finite), None)

    @functools.cached_property
    def backdoor(self) -> bool:
        """Every leaf has a back-door admissible set among the observed variables."""
        try:
            return engines.adjustment_plan(self.ir, self.spec, self.data.observed) is not None
        except (ValueError, KeyError):
            return False

    @functools.cached_property
    def plugin(self) -> str | None:
        """None when the plug-in estimator can sample every leaf's estimand; else why not."""
        try:
            engines.plugin_plans(self.ir, self.spec, self.data.observed)
        except engines.NotPlugin as error:
            return str(error)
        except (ValueError, KeyError, CausalPPLError):
            return "the query is not identified"
        return None

    @functools.cached_property
    def mediation(self) -> str | None:
        """None when the mediation formula identifies the counterfactual query; else why not."""
        try:
            engines.mediation_plan(self.ir, self.spec, self.data.observed)
        except engines.NotMediation as error:
            return str(error)
        return None

    @functools.cached_property
    def bounds_refusal(self) -> str | None:
        """Why the bounds engine cannot take a query with nested potential outcomes (None: it can, or none)."""
        if not _nested(self.spec):
            return None
        try:
            engines.LinearTranslator(self.ir, self.spec).translate()
        except CausalPPLError as error:
            return error.diagnostics[0].message
        return None

    @functools.cached_property
    def identified(self) -> bool:
        """Every leaf identified (ID/IDC) from the variables the data observe (or all observables)."""
        try:
            identified = identify_leaves(self.ir, self.spec, self.data.observed)
        except Exception:  # a query identification does not take (counterfactual, parameters): not identified
            return False
        return all(result.identifiable for result in identified.values())

    @functools.cached_property
    def observed_finite(self) -> bool:
        return all(v.domain.is_finite for v in self.ir.observables)


# ------------------------------------------------------------------ table ----

Rule = Callable[[Facts], "str | None"]  # None: the engine can answer; else why not


@dataclass(frozen=True)
class Engine:
    name: str
    methods: tuple[str, ...]  # the explicit methods that select it
    auto: bool  # whether ``auto`` may choose it
    scope: Rule  # the queries it is about (kind; potential outcomes or not)
    rule: Rule  # within its scope, whether it can answer
    reasons: Callable[[Facts], tuple[str, ...]]  # why it answers (the facts that chose it)
    build: Callable[[str], Answerer]  # the answerer for the asked method ("auto" or one of ``methods``)

    def verdict(self, facts: Facts) -> str | None:
        return self.scope(facts) or self.rule(facts)


def _kind(*kinds: str) -> Rule:
    def rule(f: Facts) -> str | None:
        if f.query.kind in kinds:
            return None
        return f"this is {_article(f.query.kind)} {f.query.kind} query, and it answers {' and '.join(kinds)} queries"
    return rule


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _all(*rules: Rule) -> Rule:
    def rule(facts: Facts) -> str | None:
        for each in rules:
            why = each(facts)
            if why is not None:
                return why
        return None
    return rule


def _counterfactual(wanted: bool) -> Rule:
    if wanted:
        return lambda f: None if f.query.counterfactual else "the query has no potential outcomes"
    return lambda f: "the query has potential outcomes" if f.query.counterfactual else None


def _rows(wanted: bool) -> Rule:
    if wanted:
        return lambda f: None if f.query.per_row else "the query has no per-row evidence"
    return lambda f: "the query takes each row's values (per-row evidence)" if f.query.per_row else None


def _known(f: Facts) -> str | None:
    if f.model.nonparametric:
        return f"'{f.model.nonparametric[0]}' has an unknown mechanism"
    if f.model.confounded:
        return f"'{f.model.confounded[0]}' is an unknown confounder"
    return None


def _unknown(f: Facts) -> str | None:
    return None if not f.model.known else "every mechanism is known"


def _has_unknowns(f: Facts) -> str | None:
    return None if f.model.has_unknowns else "the model has nothing to learn (every parameter fixed, every mechanism known)"


def _data(f: Facts) -> str | None:
    return None if f.data.present else "there are no data"


def _data_rows(f: Facts) -> str | None:
    if f.data.fitted:
        return "a fitted posterior answers the model's queries"
    return None if f.data.rows else "there are no data"


def _complete_or_confounded(f: Facts) -> str | None:
    """Identification reads complete rows only; with missing cells, a model without ``<->`` arcs is learnt
    by its likelihood instead, which uses every row."""
    if f.data.missing_cells and f.data.has_missing and not f.model.confounded:
        return "the data have missing values: the likelihood uses every row, where identification would " \
               "use complete rows only"
    return None


def _large(f: Facts) -> str | None:
    return None if f.data.large else f"there are at most {LARGE_DATA_ROWS:,} rows"


def _not_conjugate(f: Facts) -> str | None:
    return "exact conjugate updates need no sampler" if f.data.conjugate and f.asked == "auto" else None


def _large_text(f: Facts) -> str:
    batch = default_batch_size(f.data.rows, None, f.device)
    fit = "SVI on every row per step (a GPU takes up to 1,000,000)" if batch is None else \
        f"mini-batch SVI ({batch:,} rows per step, drawn at random)"
    return f"more than {LARGE_DATA_ROWS:,} rows: {fit} instead of NUTS, whose every step reads every row"


def _observational(f: Facts) -> str | None:
    return "experimental data (under do) are pooled by the Bayesian route" if f.data.experimental else None


def _no_data(f: Facts) -> str | None:
    return "there are data to learn from" if f.data.present else None


def _priors_and_data(f: Facts) -> str | None:
    return None if f.model.priors and f.data.present else "no parameter has a prior to learn from data"


def _not_priors_and_data(f: Facts) -> str | None:
    return "parameters with priors are learned from the data first" if f.model.priors and f.data.present else None


def _no_priors(f: Facts) -> str | None:
    return f"parameter '{f.model.priors[0]}' has a prior" if f.model.priors else None


def _tabulable(f: Facts) -> str | None:
    return None if f.untabulable is None else f"{f.untabulable}, so exact enumeration is impossible"


def _auto_not_tabulable(f: Facts) -> str | None:
    """Under ``auto``, exact enumeration goes first where it is possible."""
    return "exact enumeration answers it" if f.asked == "auto" and f.untabulable is None else None


def _exact_text(f: Facts) -> tuple[str, ...]:
    if f.model.untabulable is None:
        return ("every variable is finite and every mechanism is known",)
    return (f"{f.model.untabulable}, but the query reduces to finite variables with known mechanisms: a real "
            "variable it sets by do is a number its children read, one it compares with a number is a likelihood "
            "of its finite parents, one it averages is its mean given its parents, and exact enumeration sums "
            "out the rest",)


def _no_evidence(f: Facts) -> str | None:
    return "forward simulation cannot condition on evidence" if f.query.evidence else None


def _evidence(f: Facts) -> str | None:
    return None if f.query.evidence else "the query has no evidence to weigh"


def _identified(f: Facts) -> str | None:
    return None if f.identified else "the query is not identified from the observed variables"


def _not_identified(f: Facts) -> str | None:
    return "the query is identified" if f.identified else None


def _needed_finite(f: Facts) -> str | None:
    name = f.needs_continuous
    if name is None:
        return None
    return f"'{name}' is {f.ir.variable(name).domain.describe()}; the empirical joint is for finite variables"


def _observed_finite(f: Facts) -> str | None:
    if f.observed_finite:
        return None
    name = next(v.name for v in f.ir.observables if not v.domain.is_finite)
    return f"'{name}' is {f.ir.variable(name).domain.describe()}; bounds need every observed variable finite"


def _causal(f: Facts) -> str | None:
    return None if f.query.interventional or f.query.counterfactual else "the query is not causal"


def _not_distribution(f: Facts) -> str | None:
    return "bounds take events, not a distribution P(Y)" if f.query.distribution else None


def _unit_level(f: Facts) -> str | None:
    """Identified queries go to the unit-level estimators when a variable is continuous or one was asked for."""
    if f.needs_continuous is None and f.estimator == "auto":
        return "every variable the query reads is finite: the estimand is evaluated on the empirical joint"
    return None


def _estimator(*names: str) -> Rule:
    def rule(f: Facts) -> str | None:
        if f.estimator in names:
            return None
        return f"{spell_option('estimator', f.estimator)} was asked for"
    return rule


def _no_estimator(f: Facts) -> str | None:
    return None if f.estimator == "auto" else f"{spell_option('estimator', f.estimator)} is for identified queries"


def _learned_or_identify(f: Facts) -> str | None:
    return None if f.query.kind == "identify" else _unknown(f)


def _has_backdoor(f: Facts) -> str | None:
    return None if f.backdoor else "no back-door adjustment set among the observed variables"


def _aipw_applies(f: Facts) -> str | None:
    f.__dict__["_read_query"] = True  # the verdict read the query itself, beyond its facts (see plan_query)
    return engines.aipw_applies(f.ir, f.spec)


def _plugin(f: Facts) -> str | None:
    return None if f.plugin is None else f"the plug-in estimator cannot take it: {f.plugin}"


def _mediation(f: Facts) -> str | None:
    return None if f.mediation is None else f"not identified by the mediation formula: {f.mediation}"


def _bounds_take(f: Facts) -> str | None:
    if f.bounds_refusal is None:
        return None
    if "nested" in f.bounds_refusal:
        return f.bounds_refusal
    return f"{f.bounds_refusal} (the query has nested potential outcomes)"


def _nested(query: QuerySpec) -> bool:
    for leaf in leaves(query.term):
        refs = list(rx.counterfactuals_in(leaf.expr)) if isinstance(leaf, ExpectationSpec) else \
            [e.outcome for e in leaf.events + leaf.evidence]
        if any(isinstance(value, rx.CounterfactualRef) for ref in refs for _, value in ref.interventions):
            return True
    return False


def _event_not_distribution(f: Facts) -> str | None:
    return "the identification estimator takes events, not a distribution P(Y)" if f.query.distribution else None


def _facts_text(*parts: Callable[[Facts], str | None]) -> Callable[[Facts], tuple[str, ...]]:
    return lambda f: tuple(text for part in parts if (text := part(f)) is not None)


def _unknowns_text(f: Facts) -> str:
    found = ([f"parameters with priors ({', '.join(f.model.priors)})"] if f.model.priors else []) + (
        [f"unknown mechanisms ({', '.join(f.model.nonparametric)})"] if f.model.nonparametric else []) + (
        [f"unknown confounders ({', '.join(f.model.confounded)})"] if f.model.confounded else [])
    return "the model has " + " and ".join(found)


def _covariates_text(f: Facts) -> str | None:
    if not f.model.covariates:
        return None
    return (f"covariates {', '.join(f.model.covariates)} are conditioned on (read from the rows, never "
            "generated); queries draw units from the rows, reweighted by a Bayesian bootstrap per draw")


def _data_text(f: Facts) -> str:
    if f.data.fitted:
        return "a fitted posterior is given"
    if not f.data.present:
        return "no data"
    units = f" ({f.data.units:g} units)" if f.data.units != f.data.rows else ""
    return f"{f.data.rows} data rows{units}"


def _fixed(name: str) -> Callable[[str], Answerer]:
    """The answerer of that name in :mod:`causalppl.inference.engines`, whatever the method."""
    return lambda method: getattr(engines, name)


def _identification(method: str) -> Answerer:
    return answer_identify


def _bayesian(method: str) -> Answerer:
    sampler = "nuts" if method in ("auto", "mc") else method
    return functools.partial(engines.answer_bayesian, sampler=sampler, conjugate=method == "auto")


def _learned(method: str) -> Answerer:
    return functools.partial(engines.answer_learned, sampler="nuts" if method == "auto" else method,
                             conjugate=method == "auto")


def _large_bayesian(method: str) -> Answerer:
    return functools.partial(engines.answer_bayesian, sampler="svi", conjugate=method == "auto")


def _large_learned(method: str) -> Answerer:
    return functools.partial(engines.answer_learned, sampler="svi", conjugate=method == "auto")


def _counterfactual_mode(method: str) -> Answerer:
    return functools.partial(engines.answer_counterfactual, mode=method)


def _adjustment(estimator: str) -> Callable[[str], Answerer]:
    return lambda method: functools.partial(engines.answer_adjustment, estimator=estimator)


def _bounds(method: str) -> Answerer:
    return functools.partial(engines.answer_bounds, bayesian=method if method in ("nuts", "svi") else None)


def _row_mode(method: str) -> Answerer:
    return functools.partial(engines.answer_rows, mode=method)


def _rows_learned(method: str) -> Answerer:
    return functools.partial(engines.answer_rows_learned, sampler="nuts" if method == "auto" else method,
                             conjugate=method == "auto")


_ESTIMATE = _all(_kind("estimate"), _rows(False), _counterfactual(False))
_COUNTERFACTUAL = _all(_kind("estimate"), _rows(False), _counterfactual(True))
_ANY_ESTIMATE = _all(_kind("estimate"), _rows(False))
_PER_ROW = _all(_kind("estimate"), _rows(True))

_IDENTIFIED = _all(_kind("estimate", "identify"), _rows(False), _counterfactual(False))
_UNIT_LEVEL = _all(_learned_or_identify, _data_rows, _observational, _identified, _unit_level,
                   _event_not_distribution)

TABLE: tuple[Engine, ...] = (
    Engine("rows", ("exact", "mc"), True, _PER_ROW, _all(_known, _no_priors),
           _facts_text(lambda f: f"each row supplies {', '.join(f.query.per_row)}: one batch for every row",
                       lambda f: "every mechanism is known: exact contraction of the distinct rows (finite), "
                                 "one Gaussian solve for all rows (linear-Gaussian), else abduction draws per row"),
           _row_mode),
    Engine("rows-learned", ("nuts", "svi"), True, _PER_ROW, _has_unknowns,
           _facts_text(lambda f: f"each row supplies {', '.join(f.query.per_row)}", _unknowns_text, _data_text,
                       lambda f: "the posterior is fitted once; every row is answered under each posterior draw"),
           _rows_learned),
    Engine("adjustment", ("identification",), True, _IDENTIFIED,
           _all(_UNIT_LEVEL, _estimator("auto", "gformula"), _has_backdoor),
           _facts_text(_unknowns_text, _data_text,
                       lambda f: "the query is identified by back-door adjustment: the g-formula with an outcome "
                                 "regression on the rows, Bayesian-bootstrap interval"),
           _adjustment("gformula")),
    Engine("aipw", ("identification",), True, _IDENTIFIED,
           _all(_UNIT_LEVEL, _estimator("aipw"), _has_backdoor, _aipw_applies),
           _facts_text(_unknowns_text, _data_text,
                       lambda f: "the query is identified by back-door adjustment: the doubly robust AIPW estimator "
                                 "(outcome regression and propensity model), Bayesian-bootstrap interval"),
           _adjustment("aipw")),
    Engine("plug-in", ("identification",), True, _IDENTIFIED,
           _all(_UNIT_LEVEL, _estimator("auto", "plugin"), _plugin),
           _facts_text(_unknowns_text, _data_text,
                       lambda f: "the query is identified (ID/IDC): its estimand by plug-in -- regressions for its "
                                 "conditionals, ancestral sampling -- with a Bayesian-bootstrap interval"),
           _fixed("answer_plugin")),
    Engine("identification", ("identification",), True, _kind("identify"), lambda f: None,
           lambda f: ("an identify query: the ID/IDC estimand, estimated on "
                      + ("the data" if f.data.present else "the model's own distribution where it is known"),),
           _identification),
    Engine("bounds", ("bounds",), True, _kind("bounds"), _bounds_take,
           lambda f: ("a bounds query: sharp bounds by linear programming over response functions",),
           _bounds),
    Engine("bayesian-bounds", ("nuts", "svi"), False, _kind("bounds"), _bounds_take,
           lambda f: ("a bounds query with a sampler asked for: the posterior of the query under a Dirichlet "
                      "prior over response types, beside the sharp bounds",),
           _bounds),
    Engine("counterfactual", ("exact", "mc", "nuts"), True, _COUNTERFACTUAL, _all(_known, _not_priors_and_data),
           _facts_text(lambda f: "the query has potential outcomes",
                       lambda f: "every mechanism is known: abduction of the noise (exact where the model allows)",
                       lambda f: "parameters with priors are drawn from them, one draw per unit" if f.model.priors
                       else None),
           _counterfactual_mode),
    Engine("counterfactual-learned-large", ("svi",), True, _COUNTERFACTUAL, _all(_known, _priors_and_data, _large),
           _facts_text(lambda f: "the query has potential outcomes", _unknowns_text, _data_text, _large_text,
                       lambda f: "abduction inside each posterior draw of the parameters"),
           _large_learned),
    Engine("counterfactual-learned", ("nuts", "svi"), True, _COUNTERFACTUAL, _all(_known, _priors_and_data),
           _facts_text(lambda f: "the query has potential outcomes", _unknowns_text, _data_text,
                       lambda f: "abduction inside each posterior draw of the parameters"),
           _learned),
    Engine("identification-estimate", ("identification",), True, _ESTIMATE,
           _all(_unknown, _data_rows, _observational, _complete_or_confounded, _identified, _needed_finite,
                _event_not_distribution),
           _facts_text(_unknowns_text, _data_text,
                       lambda f: "the query is identified from the observed variables: its ID/IDC estimand on "
                                 "the data, with a Dirichlet posterior interval"),
           _identification),
    Engine("mediation", ("identification",), True, _COUNTERFACTUAL,
           _all(_unknown, _data_rows, _observational, _mediation),
           _facts_text(_unknowns_text, _data_text,
                       lambda f: "the potential outcomes are identified by the mediation formula (no mediator-outcome "
                                 "confounding): estimated from the data with a posterior interval"),
           _fixed("answer_mediation")),
    Engine("bounds-estimate", ("bounds",), True, _ANY_ESTIMATE,
           _all(_unknown, _data_rows, _not_identified, _causal, _observed_finite, _not_distribution, _bounds_take),
           _facts_text(_unknowns_text, _data_text,
                       lambda f: ("the counterfactual query" if f.query.counterfactual else "the causal query")
                       + " is not identified: sharp bounds instead of a point"),
           _bounds),
    Engine("exact", ("exact",), True, _ESTIMATE, _tabulable, _exact_text,
           _fixed("answer_exact")),
    Engine("bayesian-large", ("svi",), True, _ESTIMATE, _all(_has_unknowns, _data, _large, _not_conjugate),
           _facts_text(_unknowns_text, _data_text, _large_text,
                       lambda f: "their posterior by mini-batch SVI is pushed through the query"),
           _large_bayesian),
    Engine("bayesian", ("nuts", "svi"), True, _ESTIMATE, _all(_has_unknowns, _data, _no_estimator),
           _facts_text(_unknowns_text, _data_text, _covariates_text,
                       lambda f: ("exact conjugate updates of the tables" if f.data.conjugate else
                                  "their posterior by NUTS") + " are pushed through the query"
                       if f.asked == "auto" else f"their posterior by {f.asked} is pushed through the query"),
           _bayesian),
    Engine("prior", ("mc", "nuts", "svi"), True, _ESTIMATE, _all(_has_unknowns, _no_data, _no_estimator),
           _facts_text(_unknowns_text, _data_text,
                       lambda f: "every prior draw is pushed through the query (the answer's spread is the prior's)"),
           _bayesian),
    Engine("monte-carlo", ("mc",), True, _ESTIMATE, _all(_known, _no_priors, _no_evidence, _auto_not_tabulable),
           _facts_text(lambda f: f.untabulable, lambda f: "no evidence: forward simulation of the model"),
           _fixed("answer_mc")),
    Engine("weighting", ("mc",), True, _ESTIMATE, _all(_known, _no_priors, _evidence, _auto_not_tabulable),
           _facts_text(lambda f: f.untabulable,
                       lambda f: "evidence on a known model: simulated units weighted by its likelihood"),
           _fixed("answer_by_weighting")),
)


# ------------------------------------------------------------------- plan ----


@dataclass(frozen=True)
class Plan:
    """The planner's choice for one query, with the facts behind it and the roads not taken."""

    engine: str
    asked: str  # the method asked for
    reasons: tuple[str, ...]
    alternatives: tuple[tuple[str, str], ...]  # (engine, why it was not taken)
    facts: dict[str, Any]
    answerer: Answerer = None  # type: ignore[assignment]

    def to_json(self) -> dict[str, Any]:
        """The ``plan`` object of the JSON output (spec section 8): engine, reasons, rejected engines and why."""
        return {"engine": self.engine, "reasons": list(self.reasons),
                "rejected": {name: why for name, why in self.alternatives},
                "method": self.asked, "facts": dict(self.facts)}

    def explain(self) -> str:
        """A few lines for a terminal: the engine, why, and why not the others."""
        lines = [f"engine: {self.engine} (method {self.asked})"]
        lines += [f"  because {reason}" for reason in self.reasons]
        lines += [f"  not {name}: {why}" for name, why in self.alternatives]
        return "\n".join(lines)


def plan_query(model: CausalModel, query: QuerySpec, options: Options) -> Plan:
    """The engine that answers ``query`` under ``options`` (a user error when the asked method cannot).

    A plan whose verdicts read nothing of the query beyond its
    :class:`QueryFacts` (no identification, adjustment, plug-in, mediation
    or bounds analysis of the query itself) is kept for the model and reused
    by every query with the same facts.
    """
    asked = options.method
    query_facts = QueryFacts.of(query)
    data_facts = DataFacts.of(model, options)
    # the query's variables are read only through ``Facts.needed`` (a query reader): not part of the key
    key = (id(model), *(getattr(query_facts, name) for name in _KEYED_QUERY_FACTS), data_facts, asked,
           options.estimator)
    cached = _PLANS.get(key)
    if cached is not None and cached[0]() is model:
        return cached[1]
    facts = Facts(ModelFacts.of(model), query_facts, data_facts, asked, model, query, options.estimator,
                  options.device)
    plan = _plan(facts, query)
    if not _QUERY_READERS.intersection(facts.__dict__):
        if len(_PLANS) >= PLAN_CACHE_SIZE:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = (weakref.ref(model, lambda _, key=key, table=_PLANS: table.pop(key, None)), plan)
    return plan


PLAN_CACHE_SIZE = 1024
#: The query facts a cached plan is keyed by: all but the variables (a tuple, not ``dataclasses.replace``: per query)
_KEYED_QUERY_FACTS = tuple(f.name for f in fields(QueryFacts) if f.name != "variables")
_PLANS: dict[tuple, tuple[weakref.ref, Plan]] = {}
#: What a verdict may read of the query beyond its facts (the cached properties of ``Facts`` and a mark): a plan
#: that read any of them is made afresh for every query.
_QUERY_READERS = frozenset({"needed", "needs_continuous", "backdoor", "plugin", "mediation", "bounds_refusal",
                            "identified", "_read_query"})


def _plan(facts: Facts, query: QuerySpec) -> Plan:
    asked = facts.asked
    verdicts = [(engine, engine.verdict(facts)) for engine in TABLE]
    if asked == "auto":
        chosen = next((engine for engine, why in verdicts if why is None and engine.auto), None)
    else:
        chosen = next((engine for engine, why in verdicts if why is None and asked in engine.methods), None)
    if chosen is None:
        raise _refusal(query, facts, verdicts)
    alternatives = tuple((engine.name, why if why is not None else _passed_over(engine, asked))
                         for engine, why in verdicts if engine is not chosen and engine.scope(facts) is None)
    return Plan(chosen.name, asked, chosen.reasons(facts), alternatives, _facts_json(facts),
                chosen.build(asked))


def answer(model: CausalModel, query: QuerySpec, options: Options) -> Result:
    """Plan the query, run the chosen answerer, and attach the plan to the result."""
    if options.device != "cpu":  # a clear error when CUDA is asked for but absent (the CPU needs no torch here)
        engines.resolve_device(options.device, query.span)
    require_defined_means(model, query)
    plan = plan_query(model, query, options)
    try:
        result = plan.answerer(model, query, options)
    except InvalidSite as problem:
        raise invalid_site(problem, query.span) from None
    return replace(data_report(require_finite(result, query), plan.engine, options.data), plan=plan)


FIT_METHODS = ("auto", "nuts", "svi")


def fit_posterior(model: CausalModel, options: Options) -> Any:
    """``Model.fit``: the posterior of the model's unknowns given ``options.data`` (a Posterior).

    ``auto`` uses exact conjugate updates where the model has them, else NUTS
    (mini-batch SVI on more than 100,000 rows); ``nuts`` and ``svi`` run that sampler.
    """
    if options.method not in FIT_METHODS:
        raise method_cannot_answer(model.span, options.method, ["fitting learns a posterior"],
                                   [m for m in FIT_METHODS if m != "auto"])
    sampler = options.method
    if sampler == "auto":
        sampler = "svi" if DataFacts.of(model, options).large else "nuts"
    try:
        return engines.fit(model, options.data, sampler, options, conjugate=options.method == "auto")
    except InvalidSite as problem:
        raise invalid_site(problem, model.span) from None


def _passed_over(engine: Engine, asked: str) -> str:
    if asked == "auto":
        return "an earlier row of the table answers" if engine.auto else f"only on request ({_methods_of(engine)})"
    return f"{spell_option('method', asked)} was asked for"


def _methods_of(engine: Engine) -> str:
    return spell_methods(*engine.methods)


def _refusal(query: QuerySpec, facts: Facts, verdicts) -> Exception:
    """Why nothing (or nothing of the asked method) answers: the reasons of the engines in this query's scope."""
    asked = facts.asked
    in_scope = [(engine, why) for engine, why in verdicts if engine.scope(facts) is None]
    able = [m for m in METHODS if m != "auto" and any(why is None and m in engine.methods for engine, why in verdicts)]
    if asked == "auto":
        return no_engine(query.span, [(engine.name, why) for engine, why in in_scope if engine.auto])
    reasons = [why for engine, why in in_scope if asked in engine.methods]
    if not reasons:
        reasons = [why for engine, why in verdicts if asked in engine.methods]
    return method_cannot_answer(query.span, asked, reasons, able)


def _facts_json(facts: Facts) -> dict[str, Any]:
    model, query, data = facts.model, facts.query, facts.data
    return {
        "query_kind": query.kind, "counterfactual": query.counterfactual, "evidence": query.evidence,
        "per_row_evidence": list(query.per_row),
        "interventional": query.interventional, "finite": model.finite, "known_mechanisms": model.known,
        "parameters_with_priors": list(model.priors), "unknown_mechanisms": list(model.nonparametric),
        "unknown_confounders": list(model.confounded),
        "exact_enumeration": model.untabulable is None or (_ESTIMATE(facts) is None and facts.untabulable is None),
        "data_rows": data.rows, "fitted_posterior": data.fitted,
        "observed_in_data": sorted(data.observed) if data.observed is not None else None,
        "covariates": list(model.covariates), "large_data": data.large,
        "missing_cells": dict(data.missing_cells), "conjugate": data.conjugate,
    }


__all__ = ["Plan", "TABLE", "Engine", "ModelFacts", "QueryFacts", "DataFacts", "plan_query", "answer", "fit_posterior"]
