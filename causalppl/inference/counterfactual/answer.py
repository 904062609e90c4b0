"""Counterfactual queries on a known model: potential outcomes by program transformation, exact abduction.

Each leaf of a query becomes a multi-world model
(:func:`causalppl.transforms.worlds.build_worlds`) in which every world
shares the explicit exogenous noise; the evidence becomes a posterior over
that noise (abduction) and the leaf's function is averaged over it (see
:mod:`causalppl.inference.counterfactual.leaf` for the modes).  Leaves
combine by the query's arithmetic.  ``docs/counterfactuals.md`` describes
the semantics.  The planner (:mod:`causalppl.inference.plan`) calls
:func:`answer_counterfactual` with the mode it chose; parameters learned
from data go through :mod:`causalppl.inference.counterfactual.learned`.

>>> import causalppl as cp
>>> m = cp.loads("model M { X ~ Bernoulli(0.5)\\n Y ~ Bernoulli(if X then 0.9 else 0.2) }")
>>> query = m._check_query_text("P(Y[X = 0] = 1 | X = 1, Y = 1)")  # would Y have happened without X?
>>> result = answer_counterfactual(m.ir, query, Options())
>>> round(result.estimate, 4), result.method  # 0.2 / 0.9: U_Y < 0.2 given U_Y < 0.9
(0.2222, 'exact')
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch

from causalppl.backends import runtime as rt
from causalppl.data.covariates import covariate_rows
from causalppl.inference.counterfactual.leaf import LeafAnswer, answer_leaf
from causalppl.inference.budget import require_units_fit
from causalppl.inference.counterfactual.leaves import LeafPlan, leaf_outcomes, plan_leaf
from causalppl.inference.counterfactual.sampling import parameters, with_covariates
from causalppl.inference.covariates import covariate_pool
from causalppl.inference.messages import query_error
from causalppl.inference.options import Options
from causalppl.inference.results import Estimate, Result, point_result
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import ExpectationSpec, ProbabilitySpec, QuerySpec, fold_term, leaves
from causalppl.transforms.do import InterventionError
from causalppl.transforms.do import do as do_transform
from causalppl.transforms.noise import NoiseError, explicit_noise

DTYPE = torch.float64
METHOD_RANK = {"exact": 0, "abduction": 1, "mc": 2}
MODES = ("auto", "exact", "mc", "nuts")  # see causalppl.inference.counterfactual.leaf

Leaf = ProbabilitySpec | ExpectationSpec


def answer_counterfactual(model: CausalModel, query: QuerySpec, options: Options, mode: str = "auto",
                          bootstrap: bool = False) -> Result:
    """The answer with the parameters as the model states them (fixed, or one prior draw per unit).

    ``mode``: "auto" (exact when the model allows it, else exact Gaussian
    abduction, else sampling), "exact" (or an error), "mc" (abduction by
    sampling), "nuts" (NUTS over the unobserved noise).  Covariates come from
    the rows of ``options.data`` (reweighted by a Bayesian bootstrap when
    ``bootstrap``); each unit keeps its covariates in every world.
    """
    require_coupling(model, query)
    require_units_fit(model, options.samples, query.span, "counterfactual sampling", worlds=_worlds(query))
    answers: list[LeafAnswer] = []
    rows = covariate_rows(model, options.data)
    with numerics(options.seed):
        params = parameters(model, options.samples)

        def leaf(spec: Leaf) -> Estimate:
            plan = _plan(model, spec)
            pool = covariate_pool(do_transform(model, dict(spec.interventions)), spec, rows)
            leaf_params = with_covariates(params, pool, options.samples, bootstrap)
            answers.append(answer_leaf(plan, leaf_params, mode, options.samples))
            return answers[-1].estimate

        estimate = fold_term(query.term, leaf, number=Estimate)
    return _result(query, estimate, answers)


def _worlds(query: QuerySpec) -> int:
    """An upper bound on the worlds of any leaf: the factual one, one per potential outcome, and the noise."""
    refs = [ref for leaf in leaves(query.term) for ref in leaf_outcomes(leaf) if ref.interventions]
    return 2 + len(refs)


def require_coupling(model: CausalModel, query: QuerySpec) -> None:
    """A user error when the model has no explicit noise (unknown mechanisms, ``<->`` arcs)."""
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
def numerics(seed: int | None) -> Iterator[None]:
    """Float64 arithmetic; a private random stream when a seed is given."""
    with rt.default_dtype(DTYPE):
        if seed is None:
            yield
            return
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            yield
