"""Counterfactual queries: potential outcomes by program transformation, with exact abduction.

Each leaf of a query becomes a multi-world model
(:func:`causalppl.transforms.worlds.build_worlds`) in which every world
shares the explicit exogenous noise; the evidence becomes a posterior over
that noise (abduction) and the leaf's function is averaged over it (see
:mod:`causalppl.inference.cf_leaf` for the methods).  Leaves combine by the
query's arithmetic.  ``docs/counterfactuals.md`` describes the semantics.

Public entry points:

* :func:`answer_counterfactual` — what the engine calls for queries with potential outcomes;
* :func:`counterfactual_source` — the generated multi-world Pyro program of a query;
* :func:`counterfactual` — draws (and exact distributions) of every variable in every world.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Mapping, Sequence

import torch

from causalppl.backends import runtime as rt
from causalppl.backends.counterfactual_codegen import multiworld_source
from causalppl.backends.exact import EnumerationTooLarge
from causalppl.backends.factors import NotTabulable
from causalppl.diagnostics import Span
from causalppl.inference.abduction import ImpossibleEvidence, Observation
from causalppl.inference.cf_exact import exact_posterior
from causalppl.inference.cf_leaf import LeafAnswer, answer_leaf
from causalppl.inference.cf_plan import LeafPlan, leaf_outcomes, plan_leaf
from causalppl.inference.cf_sampling import parameters, sample_plan
from causalppl.inference.combine import Estimate, evaluate_term
from causalppl.inference.engine import QueryOptions, point_result
from causalppl.inference.errors import query_error
from causalppl.inference.gaussian_abduction import linear_gaussian_posterior
from causalppl.inference.results import Result
from causalppl.ir.model import CausalModel
from causalppl.semantics import expressions as rx
from causalppl.semantics.queries import ExpectationSpec, ProbabilitySpec, QuerySpec, leaves
from causalppl.transforms.do import InterventionError, do
from causalppl.transforms.noise import NoiseError, NoiseSource, explicit_noise
from causalppl.transforms.worlds import MultiWorldModel, ancestral, build_worlds

DTYPE = torch.float64
METHOD_RANK = {"exact": 0, "abduction": 1, "mc": 2}

Leaf = ProbabilitySpec | ExpectationSpec


# ------------------------------------------------------------------ queries ----


def answer_counterfactual(model: CausalModel, query: QuerySpec, options: QueryOptions) -> Result:
    """The answer to a query containing potential outcomes (exact when the model allows it)."""
    _require_coupling(model, query)
    if options.data is not None and any(p.mechanism is not None for p in model.parameters):
        from causalppl.inference.cf_learned import answer_learned

        return answer_learned(model, query, options, answer_fixed)
    if options.method == "svi":
        raise query_error(query.span, "counterfactual queries are answered by abduction, not SVI",
                          "use --method auto, exact, mc or nuts")
    return answer_fixed(model, query, options)


def answer_fixed(model: CausalModel, query: QuerySpec, options: QueryOptions) -> Result:
    """The answer with the parameters as the model states them (fixed, or drawn from their priors)."""
    answers: list[LeafAnswer] = []
    with _numerics(options.seed):
        params = parameters(model, options.samples)

        def leaf(spec: Leaf) -> Estimate:
            answers.append(answer_leaf(_plan(model, spec), params, options.method, options.samples))
            return answers[-1].estimate

        estimate = evaluate_term(query.term, leaf)
    return _result(query, estimate, answers)


def _require_coupling(model: CausalModel, query: QuerySpec) -> None:
    try:
        explicit_noise(model)
    except NoiseError as error:
        raise query_error(query.span, str(error)) from None


def _result(query: QuerySpec, estimate: Estimate, answers: list[LeafAnswer]) -> Result:
    method = max((a.method for a in answers), key=METHOD_RANK.__getitem__)
    notes = tuple(dict.fromkeys(note for a in answers for note in a.notes))
    diagnostics = {key: value for a in answers for key, value in a.diagnostics.items()} or None
    if len(answers) == 1 and answers[0].distribution is not None:
        answer = answers[0]
        distribution = {label: float(p) for label, p in zip(answer.labels, answer.distribution)}
        return Result(query.name, query.text, distribution=distribution, method=method, notes=notes,
                      diagnostics=diagnostics)
    return point_result(query, estimate, method, notes=notes, diagnostics=diagnostics)


def _plan(model: CausalModel, spec: Leaf) -> LeafPlan:
    try:
        return plan_leaf(model, spec)
    except (NoiseError, InterventionError) as error:
        raise query_error(spec.span, str(error)) from None


@contextlib.contextmanager
def _numerics(seed: int | None) -> Iterator[None]:
    """Float64 arithmetic; a private random stream when a seed is given."""
    with rt.default_dtype(DTYPE):
        if seed is None:
            yield
            return
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            yield


# ---------------------------------------------------------- generated code ----


def counterfactual_source(model: Any, spec: QuerySpec | str) -> str:
    """The multi-world Pyro program (Python source) of a counterfactual query.

    ``model`` is a :class:`CausalModel` (or a ``causalppl.Model``); ``spec`` a
    checked query (or, with a ``causalppl.Model``, the query's text).
    """
    ir, spec = _source_inputs(model, spec)
    specs = leaves(spec.term)
    interventions = {tuple(leaf.interventions) for leaf in specs}
    if len(interventions) > 1:
        raise query_error(spec.span, "the leaves of this query use different do(...) conditions, so they have "
                                     "different multi-world programs", "compile each term as its own query")
    base = do(ir, dict(specs[0].interventions), spec.span) if specs and specs[0].interventions else ir
    try:
        multi = build_worlds(base, [ref for leaf in specs for ref in leaf_outcomes(leaf)])
    except (NoiseError, InterventionError) as error:
        raise query_error(spec.span, str(error)) from None
    evidence = tuple(dict.fromkeys((multi.name_of(e.outcome), e.op, float(e.value))
                                   for leaf in specs for e in leaf.evidence))
    return multiworld_source(multi, spec.text, evidence)


def _source_inputs(model: Any, spec: QuerySpec | str) -> tuple[CausalModel, QuerySpec]:
    ir = getattr(model, "ir", model)
    if isinstance(spec, str):
        if not hasattr(model, "program"):
            raise TypeError("query text needs a causalppl.Model (to check it); pass a checked QuerySpec otherwise")
        from causalppl.semantics import check_query
        from causalppl.syntax import parse_query

        spec = check_query(parse_query(spec), model.program)
    return ir, spec


# ------------------------------------------------------------------ Python ----


def counterfactual(model: Any, evidence: Mapping[str, Any],
                   interventions: Mapping[str, Any] | Sequence[Mapping[str, Any]], n: int = 1000,
                   seed: int | None = None) -> dict[str, Any]:
    """Posterior draws of every variable in the factual world and in each intervened world.

    ``evidence`` and ``interventions`` map variable names to numbers (or level
    names); ``interventions`` may be a list of such maps, one world each.
    Returns a dict with keys ``samples`` (world label → variable → tensor of
    ``n`` draws, equally weighted; labels are ``"factual"`` and e.g.
    ``"do(X = 1)"``), ``noise`` (noise site → draws), ``distributions`` (world
    label → variable → {level: probability}, exact, for finite models; else
    None), ``method`` and ``notes``.
    """
    ir = getattr(model, "ir", model)
    sets = [interventions] if isinstance(interventions, Mapping) else list(interventions)
    sets = [{name: _position(ir, name, value) for name, value in s.items()} for s in sets]
    observations = tuple(Observation(name, "=", _position(ir, name, value)) for name, value in evidence.items())
    multi = _world_model(ir, sets)
    with _numerics(seed):
        draws, method, notes = _world_draws(ir, multi, observations, n)
        distributions = _exact_distributions(multi, observations)
    labels = {multi.worlds.world(w.id).label: w for w in multi.worlds.worlds}
    samples = {label: {v.name: draws[world.name_of(v.name)] for v in ir.model_variables}
               for label, world in labels.items()}
    noise = {v.name: draws[v.name] for v in multi.model.model_variables if isinstance(v.mechanism, NoiseSource)}
    return {"samples": samples, "noise": noise, "distributions": distributions,
            "method": "exact" if distributions is not None else method, "notes": list(notes)}


def _world_model(ir: CausalModel, sets: list[dict[str, float]]) -> MultiWorldModel:
    span = Span.unknown("<counterfactual>")
    refs = [rx.CounterfactualRef(v.name, tuple(s.items()), span) for s in sets for v in ir.model_variables]
    try:
        return build_worlds(ir, refs)
    except (NoiseError, InterventionError) as error:
        raise query_error(span, str(error)) from None


def _world_draws(ir: CausalModel, multi: MultiWorldModel, observations, n: int):
    params = parameters(ir, n)
    if params.fixed:
        gaussian = linear_gaussian_posterior(multi.model, observations, params.values)
        if gaussian is not None:
            return gaussian.sample(n), "abduction", ("exact Gaussian posterior of the noise",)
    try:
        sampled = sample_plan(multi.model, observations, params, n, "auto")
    except ImpossibleEvidence as error:
        raise query_error(Span.unknown("<counterfactual>"), f"the evidence has probability zero ({error})") from None
    values = dict(sampled.draws.values)
    if not sampled.exact:
        index = torch.multinomial(sampled.weights, n, replacement=True)
        values = {k: v[index] if v.dim() > 0 and v.shape[0] == sampled.weights.shape[0] else v
                  for k, v in values.items()}
    method = "abduction" if sampled.exact else "mc"
    notes = params.notes + sampled.notes + (() if sampled.exact else ("draws resampled by their weights",))
    return values, method, notes


def _exact_distributions(multi: MultiWorldModel, observations) -> dict[str, dict[str, dict[str, float]]] | None:
    try:
        result: dict[str, dict[str, dict[str, float]]] = {}
        for world in multi.worlds.worlds:
            result[world.label] = {}
            for variable in multi.factual.model_variables:
                if isinstance(variable.mechanism, NoiseSource):
                    continue
                name = world.name_of(variable.name)
                domain = multi.model.variable(name).domain
                relevant = ancestral(multi.model, (name,) + tuple(o.name for o in observations))
                posterior = exact_posterior(relevant, observations, (name,))
                probabilities = posterior.distribution(name, domain.size)
                result[world.label][variable.name] = {l: float(p) for l, p in zip(domain.labels, probabilities)}
        return result
    except (NotTabulable, EnumerationTooLarge):
        return None
    except ImpossibleEvidence as error:
        raise query_error(Span.unknown("<counterfactual>"), f"the evidence has probability zero ({error})") from None


def _position(model: CausalModel, name: str, value: Any) -> float:
    if name not in model:
        raise query_error(Span.unknown("<counterfactual>"), f"unknown variable '{name}'")
    domain = model.variable(name).domain
    if isinstance(value, str) and domain.is_finite:
        position = domain.position(value)
        if position is None:
            raise query_error(Span.unknown("<counterfactual>"), f"'{value}' is not a level of '{name}' "
                                                                f"({domain.describe()})")
        return float(position)
    return float(value)
