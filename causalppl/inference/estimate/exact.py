"""Exact answers for finite discrete models: do-surgery, then factor contraction.

Evidence ``X = x`` fixes a level; other relations (``X > 1``) multiply in an
indicator factor.  Only the ancestors of the query and evidence variables
are contracted (barren tables are pruned).

>>> import causalppl as cp
>>> m = cp.loads("model M { Z ~ Bernoulli(0.5)\\n X ~ Bernoulli(if Z then 0.8 else 0.2)\\n Y := X and Z }")
>>> seen = answer_exact(m.ir, m._check_query_text("P(Y = 1 | X = 1)"), Options())
>>> done = answer_exact(m.ir, m._check_query_text("P(Y = 1 | do(X = 1))"), Options())
>>> round(seen.estimate, 6), round(done.estimate, 6), done.method
(0.8, 0.5, 'exact')
"""

from __future__ import annotations

import math
from dataclasses import replace
import threading
import weakref
from types import MappingProxyType
from collections.abc import Callable, Mapping

import numpy as np
from causalppl.lazy import torch

from causalppl.backends import runtime as rt
from causalppl.backends.compiled import (
    ModelNetwork,
    check_tabulation,
    compiled_network,
    finite_submodel,
    with_point_evidence,
    with_real_constants,
)
from causalppl.backends.exact import DEFAULT_MAX_BYTES, EnumerationTooLarge, Factor, marginal, prune_barren
from causalppl.backends.exact.errors import describe_bytes
from causalppl.backends.factors import (
    FactorGraph,
    NotTabulable,
    factors_for,
    fixed_parameter_values,
    log_likelihood_weights,
)
from causalppl.backends.point_evidence import ImpossiblePoint, InfiniteDensity
from causalppl.backends.tabulable import (
    expectation_by_means,
    leaf_variables,
    observed_real,
    relevant_variables,
    untabulable_reason,
)
from causalppl.backends.tensor_eval import evaluate, evaluate_numpy
from causalppl.inference.devices import on_cpu
from causalppl.inference.messages import (
    cannot_enumerate,
    impossible_evidence,
    infinite_density,
    too_large_for_exact,
)
from causalppl.inference.options import Options
from causalppl.inference.results import Estimate, Result, point_result
from causalppl.ir import expressions as rx
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import (
    COMPARISONS,
    EventSpec,
    ExpectationSpec,
    ProbabilitySpec,
    QuerySpec,
    fold_term,
)
from causalppl.transforms.do import do


def answer_exact(model: CausalModel, query: QuerySpec, options: Options) -> Result:
    """Exact answer of an estimate query by factor contraction (finite models with every mechanism known)."""
    with on_cpu():
        if isinstance(query.term, ProbabilitySpec) and query.term.is_distribution:
            return Result(query.name, query.text, distribution=exact_distribution(model, query.term), method="exact")
        estimate = fold_term(query.term, lambda leaf: exact_leaf(model, leaf), number=Estimate)
    return point_result(query, estimate, "exact")


def can_enumerate(model: CausalModel) -> bool:
    try:
        compiled_network(model)
    except NotTabulable:
        return False
    return True


def exact_leaf(model: CausalModel, leaf: ProbabilitySpec | ExpectationSpec) -> Estimate:
    model, leaf = on_finite_part(model, leaf)
    leaf = with_model_settings(model, leaf)
    if isinstance(leaf, ExpectationSpec):
        return Estimate(_expectation(model, leaf))
    return Estimate(_probability(model, leaf))


def exact_distribution(model: CausalModel, leaf: ProbabilitySpec) -> dict[str, float]:
    model, leaf = on_finite_part(model, leaf)
    leaf = with_model_settings(model, leaf)
    variable = model.variable(leaf.events[0].outcome.variable)
    joint, keep, _ = _posterior_joint(model, leaf, (variable.name,))
    probabilities = joint if keep else _fixed_distribution(model, leaf, variable.name)
    return dict(zip(variable.domain.labels, probabilities.tolist()))


def exact_rows(model: CausalModel, leaf: ProbabilitySpec | ExpectationSpec, rows: Mapping[str, object],
               device: str | None = None, impossible: Callable[[int], Exception] | None = None,
               checked: bool = False, by_level: bool = False) -> np.ndarray:
    """One query leaf answered for every row of per-row evidence at once, on the compiled network.

    (``causalppl score`` answers its per-row queries through
    :mod:`causalppl.inference.rows`, on factor lists, not through this.)

    ``rows`` maps variable names to integer arrays of level positions, one
    entry per row (all of one length): row ``r`` adds the evidence
    ``name = rows[name][r]`` to the leaf's own evidence and interventions.
    Returns one value per row (``P(...)`` and ``E[...]`` leaves) or, for a
    distribution ``P(Y)``, one row of probabilities per row (shape
    ``(rows, levels of Y)``, C order; with ``by_level=True`` it is the
    transpose of a C-ordered ``(levels, rows)`` block, each level's column
    contiguous, as a data frame's block is). Rows are de-duplicated, the columns the
    answer does not need are left out (their rows still checked for
    possibility), and the rest contracted together, chunked to the memory
    budget (see
    :meth:`~causalppl.backends.exact.network.CompiledNetwork.batched_posterior`);
    normalising and weighing run once per distinct row, and the answers are
    spread to the rows at the end.
    ``device="cuda"`` runs the contraction on the GPU when it is vectorised.

    ``checked=True`` says the columns were validated already (1-d integer
    arrays of one length, each a level position of its variable, as a
    :class:`~causalppl.data.rows.RowBatch` holds them): they are not read
    again to check them.

    Raises a user error when a row's evidence has probability zero (naming
    the row: ``impossible(row)`` when given, the row's position otherwise),
    or when the model is too large to compile.
    """
    model, leaf = on_finite_part(model, leaf)
    compiled = _compiled(model, leaf)
    if compiled.network is None:
        raise _too_large(compiled.too_large, leaf)
    names, fixed, keep, keep_ids, hard, soft, do_levels = _row_query(compiled, leaf)
    columns = {compiled.index[name]: values for name, values in rows.items()}
    try:
        values, numbers = compiled.network.batched_posterior(keep_ids, columns, hard, soft, do_levels,
                                                             device=device, checked=checked)
    except EnumerationTooLarge as error:
        raise _too_large(error, leaf) from None
    # everything below runs once per distinct row; the answers are spread to the rows at the end
    axes = tuple(range(1, values.ndim))
    mass = values.sum(axis=axes) if axes else values
    if values.shape[0] and float(mass.min()) <= 0.0:
        row = numbers.first(np.flatnonzero(mass <= 0.0))
        if row is not None:  # (None: only settings no row holds are impossible)
            raise impossible(row) if impossible is not None else impossible_evidence(leaf.span, f"in row {row}")
        mass = np.where(mass > 0.0, mass, 1.0)
    joint = values / mass.reshape((-1,) + (1,) * len(axes))
    if isinstance(leaf, ProbabilitySpec) and leaf.is_distribution:
        name = leaf.events[0].outcome.variable
        if name in fixed:  # (by the leaf's evidence or interventions, or its model's)
            point = np.eye(model.variable(name).domain.size, dtype=np.float64)[fixed[name]]
            return np.tile(point, (numbers.rows, 1))
        if by_level:  # spread as levels × rows (each level's column contiguous), returned as its transpose
            return numbers.spread(np.ascontiguousarray(joint.T), axis=1).T
        return numbers.spread(np.ascontiguousarray(joint))  # one gather of whole rows: about 2x cheaper
    shape = tuple(joint.shape[1:])
    if isinstance(leaf, ExpectationSpec):
        weights = _expression_values(model, leaf, keep, fixed, shape)
    else:
        weights = np.ones(shape, dtype=bool)
        for event in leaf.events:
            weights = weights & _event_holds(event, keep, fixed, shape)
    weighted = joint * weights
    return numbers.spread(weighted.reshape(len(weighted), math.prod(shape)).sum(axis=1))


def on_finite_part(model: CausalModel, leaf):
    """The model and leaf to answer exactly: the model itself when it compiles whole; else, when the leaf
    reads only variables of its finite part (the variables it reads and their ancestors after its ``do`` are
    finite, with known mechanisms), the sub-model on that part, whose compiled network serves every such
    query, and the leaf less interventions on variables outside it (they cannot reach what the leaf reads).
    Otherwise the model itself: a query whose ``do`` cuts off what is not finite is tabulated on its own
    relevant tables (:func:`_pruned_joint`), and one that reads what is not finite is refused with the reason.
    Interventions on real (or unbounded integer) variables are applied first and their numbers written into the
    children's mechanisms (:func:`~causalppl.transforms.inline.inline_constants`); point evidence on a real
    variable (``S = 3.2``) becomes a likelihood node observed true
    (:func:`~causalppl.backends.compiled.with_point_evidence`).

    >>> import causalppl as cp
    >>> m = cp.loads("model N { X ~ Bernoulli(0.3)\\n W ~ Normal(X, 1) }")
    >>> sub, leaf = on_finite_part(m.ir, m._check_query_text("P(X = 1)").term)
    >>> sub.topological_names()
    ('X',)
    """
    model, leaf = _real_settings_applied(model, leaf)
    by_means = expectation_by_means(model, leaf)
    if by_means is not None:  # E[Y] for a real Y with finite parents: the expectation of its mean given them
        leaf = replace(leaf, expr=by_means)
    points = observed_real(model, leaf)
    if points:  # evidence S = 3.2 (or S > 3) on a real S: a likelihood of its parents (a bool node observed true)
        events = () if isinstance(leaf, ExpectationSpec) else leaf.events
        observed = tuple((e.outcome.variable, e.op, float(e.value), is_evidence)
                         for group, is_evidence in ((events, False), (leaf.evidence, True))
                         for e in group if e.outcome.variable in points)
        try:
            model = with_point_evidence(model, observed)
        except ImpossiblePoint:
            raise impossible_evidence(leaf.span) from None
        except InfiniteDensity as error:
            raise infinite_density(leaf.span, error.name, error.value) from None
        except NotTabulable as error:
            raise cannot_enumerate(leaf.span, str(error)) from None
        leaf = replace(leaf, evidence=tuple(replace(e, op="=", value=1.0) if e.outcome.variable in points else e
                                            for e in leaf.evidence))
        if events:
            leaf = replace(leaf, events=tuple(replace(e, op="=", value=1.0) if e.outcome.variable in points else e
                                              for e in leaf.events))
    return _on_part_with(model, leaf, set())


def point_rows(model: CausalModel, leaf, values: Mapping[str, np.ndarray],
               impossible: Callable[[int], Exception] | None = None) -> np.ndarray | None:
    """A leaf whose per-row evidence is all at points on real variables (``P(D = 1 | S)`` scored on rows of
    ``S``), answered exactly for every row at once; None where that does not apply (a point variable with a
    real parent, with a child the leaf reads, or read by the leaf itself).

    The leaf's joint over what it reads and the points' parents is computed once, on the compiled network;
    each row weighs it by the likelihood of its values (:func:`~causalppl.backends.factors.log_likelihood_weights`,
    one batched evaluation per point variable) and normalises. Returns one value per row, or for a
    distribution ``P(Y | S)`` one row of probabilities per row.

    >>> import causalppl as cp
    >>> m = cp.loads("model T { D ~ Bernoulli(0.1)\\n S ~ Normal(if D then 5 else 2, 1) }")
    >>> leaf = m._check_query_text("P(D = 1 | S)", per_row=True).term
    >>> point_rows(m.ir, leaf, {"S": np.array([3.2, 5.0])}).round(6).tolist()
    [0.043222, 0.909107]
    """
    model, leaf = _real_settings_applied(model, leaf)
    leaf = replace(leaf, evidence=tuple(e for e in leaf.evidence if not (e.per_row and e.outcome.variable in values)))
    if isinstance(leaf, ExpectationSpec):
        read = tuple(rx.variables_in(leaf.expr))
    else:
        read = tuple(dict.fromkeys(event.outcome.variable for event in leaf.events))
    points = tuple(values)
    if any(name in read or name in dict(leaf.interventions) for name in points) or \
            any(e.outcome.variable in points for e in leaf.evidence):
        return None
    parents = tuple(dict.fromkeys(p for name in points for p in model.variable(name).parents))
    if any(not model.variable(p).domain.is_finite for p in parents):
        return None
    observed = {e.outcome.variable for e in leaf.evidence}
    relevant = relevant_variables(model, set(read) | set(parents) | observed, dict(leaf.interventions), points)
    if any(set(model.variable(name).parents) & set(points) for name in relevant):
        return None  # a child of a point that the leaf reads would read each row's own number
    if untabulable_reason(model, relevant, intervened=set(dict(leaf.interventions)) & relevant) is not None:
        return None
    full = model  # (the points' mechanisms; the part below may leave them out)
    model, leaf = _on_part_with(model, leaf, set(read) | set(parents))
    leaf = with_model_settings(model, leaf)
    names = tuple(dict.fromkeys(read + parents))
    joint, keep, fixed = _posterior_joint(model, leaf, names)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if len(keep) >= len(letters):
        return None
    axis = {name: letters[k] for k, name in enumerate(keep)}
    distribution = isinstance(leaf, ProbabilitySpec) and leaf.is_distribution
    target = axis.get(leaf.events[0].outcome.variable) if distribution else None
    if distribution:
        measure = None
    elif isinstance(leaf, ExpectationSpec):
        measure = np.asarray(_expression_values(model, leaf, keep, fixed, joint.shape), dtype=np.float64)
    else:
        holds = np.ones(joint.shape, dtype=bool)
        for event in leaf.events:
            holds &= _event_holds(event, keep, fixed, joint.shape)
        measure = holds.astype(np.float64)
    joint_spec = "".join(axis[name] for name in keep)
    n_rows = len(next(iter(values.values())))
    # rows in slices whose weight arrays stay within the budget (a row weighs every configuration it reads)
    step = max(1, POINT_ROWS_BYTES // (8 * max(1, joint.size) * (len(points) + 2)))
    answers = []
    for first in range(0, n_rows, step):
        rows = slice(first, min(n_rows, first + step))
        operands, specs = [joint], [joint_spec]
        for name in points:
            variable = full.variable(name)
            logs = log_likelihood_weights(full, variable, np.asarray(values[name][rows], dtype=np.float64))
            index = tuple(slice(None) if p in axis else fixed[p] for p in variable.parents)
            logs = logs[(slice(None),) + index]
            top = logs.reshape(len(logs), -1).max(axis=1) if logs.ndim > 1 else logs
            top = np.where(np.isfinite(top), top, 0.0).reshape((-1,) + (1,) * (logs.ndim - 1))
            operands.append(np.exp(logs - top))  # (scaled per row: it cancels, and far tails keep their digits)
            specs.append("Z" + "".join(axis[p] for p in variable.parents if p in axis))
        mass = np.einsum(",".join(specs) + "->Z", *operands, optimize=True)
        zero = np.flatnonzero(~(mass > 0))
        if zero.size:
            row = first + int(zero[0])
            raise impossible(row) if impossible is not None else impossible_evidence(leaf.span, f"in row {row}")
        if distribution and target is None:  # (its variable is fixed: every row has it at its level)
            fixed_levels = _fixed_distribution(model, leaf, leaf.events[0].outcome.variable)
            answers.append(np.tile(fixed_levels, (len(mass), 1)))
        elif distribution:
            answers.append(np.einsum(",".join(specs) + "->Z" + target, *operands, optimize=True) / mass[:, None])
        else:
            answers.append(np.einsum(",".join(specs + [joint_spec]) + "->Z", *operands, measure, optimize=True)
                           / mass)
    return np.concatenate(answers) if answers else np.zeros((0,))


#: Memory for one slice of rows' likelihood weights in :func:`point_rows`.
POINT_ROWS_BYTES = 64 * 2**20


def _real_settings_applied(model: CausalModel, leaf):
    """The leaf's interventions on real (or unbounded integer) variables applied to the model as numbers its
    children read (:func:`~causalppl.backends.compiled.with_real_constants`; a real variable has no levels to
    tabulate over), and the leaf less them."""
    real = tuple((name, value) for name, value in leaf.interventions if not model.variable(name).domain.is_finite)
    if real:
        leaf = replace(leaf, interventions=tuple(pair for pair in leaf.interventions if pair not in real))
    return with_real_constants(model, real), leaf


def _on_part_with(model: CausalModel, leaf, names: set[str]):
    """:func:`on_finite_part` for a leaf that reads ``names`` besides its own variables."""
    try:
        compiled_network(model)
        return model, leaf
    except NotTabulable:
        pass
    found = finite_submodel(model)
    if found is None:
        return model, leaf
    sub, part = found
    interventions = dict(leaf.interventions)
    if not relevant_variables(model, leaf_variables(leaf) | names, interventions) <= part:
        return model, leaf
    if not set(interventions) <= part:
        leaf = replace(leaf, interventions=tuple((n, v) for n, v in leaf.interventions if n in part))
    return sub, leaf


def with_model_settings(model: CausalModel, leaf):
    """The leaf with the interventions its model's compiled network applies to every query written in as its
    own (a ``do`` model answered on its original's network, see
    :func:`~causalppl.backends.compiled.compiled_network`); the leaf's own ``do`` of the same variable wins.
    The leaf itself when there are none."""
    try:
        settings = compiled_network(model).settings
    except NotTabulable:
        return leaf
    return _under(leaf, settings)


def _under(leaf, settings: tuple[tuple[str, float], ...]):
    """The leaf with ``settings`` as interventions of its own (its own ``do`` of the same variable wins)."""
    if not settings:
        return leaf
    merged = dict(settings)
    merged.update(dict(leaf.interventions))
    return replace(leaf, interventions=tuple(merged.items()))


def _row_query(compiled: ModelNetwork, leaf) -> tuple:
    """What ``exact_rows`` asks the compiled network for a leaf, worked out once per leaf and network (a batch
    query is asked again for every chunk of its rows): the leaf's variables, the levels evidence or
    interventions fix, the kept variables (names and numbers), the fixed evidence, inequality weights and
    interventions by number."""
    with _ROW_QUERIES_LOCK:
        known = _ROW_QUERIES.setdefault(compiled, {})
        found = known.get(id(leaf))  # (by identity: hashing a leaf walks its whole tree)
    if found is not None and found[0] is leaf:
        return found[1]
    asked = _under(leaf, compiled.settings)  # (a do model on its original's network: its interventions too)
    names = _leaf_variables(asked)
    interventions, equalities, fixed, keep = _fixed_and_kept(asked, names)
    soft = _soft_evidence(compiled, asked)
    for weights in soft.values():
        weights.flags.writeable = False
    found = (names, MappingProxyType(fixed), keep, tuple(compiled.index[n] for n in keep),
             MappingProxyType(compiled.levels(equalities)), MappingProxyType(soft),
             MappingProxyType(compiled.levels(interventions)))  # shared by the leaf's batches: read-only
    with _ROW_QUERIES_LOCK:
        if len(known) >= ROW_QUERIES_KEPT:
            known.clear()
        known[id(leaf)] = (leaf, found)  # (the leaf held: its id is not reused while kept)
    return found


#: Leaves whose row query is kept per compiled network (a query's leaves; more are worked out again).
ROW_QUERIES_KEPT = 256
_ROW_QUERIES: "weakref.WeakKeyDictionary[ModelNetwork, dict]" = weakref.WeakKeyDictionary()
_ROW_QUERIES_LOCK = threading.Lock()


def _leaf_variables(leaf) -> tuple[str, ...]:
    if isinstance(leaf, ExpectationSpec):
        return tuple(rx.variables_in(leaf.expr))
    return tuple(dict.fromkeys(event.outcome.variable for event in leaf.events))


def _soft_evidence(compiled: ModelNetwork, leaf) -> dict[int, np.ndarray]:
    """The leaf's inequalities (``X > 1``) as 0/1 weights on levels, one vector per variable."""
    soft: dict[int, np.ndarray] = {}
    for event in leaf.evidence:
        if event.op == "=":
            continue
        v = compiled.index[event.outcome.variable]
        weights = _indicator_weights(compiled.cardinalities[v], event)
        soft[v] = soft[v] * weights if v in soft else weights
    return soft


# ------------------------------------------------------------- internals ----


def _probability(model: CausalModel, leaf: ProbabilitySpec) -> float:
    names = tuple(dict.fromkeys(event.outcome.variable for event in leaf.events))
    joint, keep, fixed = _posterior_joint(model, leaf, names)
    holds = np.ones(joint.shape, dtype=bool)
    for event in leaf.events:
        holds &= _event_holds(event, keep, fixed, joint.shape)
    return float(joint[holds].sum())


def _event_holds(event: EventSpec, keep: tuple[str, ...], fixed: dict[str, int], shape) -> np.ndarray:
    """Where the event holds, over the axes of ``keep`` (broadcastable to ``shape``)."""
    name = event.outcome.variable
    if name in fixed:
        return np.full(shape, bool(COMPARISONS[event.op](float(fixed[name]), event.value)))
    axis = keep.index(name)
    levels = np.arange(shape[axis], dtype=np.float64).reshape([-1 if k == axis else 1 for k in range(len(shape))])
    return np.broadcast_to(COMPARISONS[event.op](levels, event.value), shape)


def _expectation(model: CausalModel, leaf: ExpectationSpec) -> float:
    names = rx.variables_in(leaf.expr)
    joint, keep, fixed = _posterior_joint(model, leaf, names)
    values = _expression_values(model, leaf, keep, fixed, joint.shape)
    return float((np.asarray(joint, dtype=np.float64) * values).sum())


def _expression_values(model: CausalModel, leaf: ExpectationSpec, keep, fixed, shape) -> np.ndarray:
    """The expectation's expression at every setting of ``keep`` (shape ``shape``), the fixed variables at their
    levels: with numpy where it covers the expression (no torch), else with torch."""
    grids = np.meshgrid(*(np.arange(s, dtype=np.float64) for s in shape), indexing="ij") if shape else ()
    env = {name: grid for name, grid in zip(keep, grids)}
    env.update({name: np.float64(value) for name, value in fixed.items()})
    values = evaluate_numpy(leaf.expr, env)
    if values is not None:
        return np.broadcast_to(values, shape)
    with on_cpu():  # (a per-row query may have set another default device for its sampled leaves)
        return _expression_values_torch(model, leaf, keep, fixed, shape).numpy()


def _expression_values_torch(model: CausalModel, leaf: ExpectationSpec, keep, fixed, shape) -> torch.Tensor:
    env = dict(fixed_parameter_values(model))
    env.update({name: grid for name, grid in zip(keep, _grids(shape))})
    env.update({name: torch.tensor(float(value), dtype=torch.float64) for name, value in fixed.items()})
    with rt.default_dtype(torch.float64):
        return evaluate(leaf.expr, env).to(torch.float64)


def _fixed_and_kept(leaf, names: tuple[str, ...]):
    """The leaf's interventions and ``=`` evidence (levels by name), the levels they fix among ``names``, and
    the names left free (kept)."""
    interventions = {name: int(value) for name, value in leaf.interventions}
    equalities = {e.outcome.variable: int(e.value) for e in leaf.evidence if e.op == "="}
    fixed = dict(equalities)
    fixed.update({name: value for name, value in interventions.items() if name in names})
    return interventions, equalities, fixed, tuple(name for name in names if name not in fixed)


def _posterior_joint(model: CausalModel, leaf, names: tuple[str, ...]):
    """Normalized joint over the query variables not fixed by evidence; and the fixed values."""
    interventions, equalities, fixed, keep = _fixed_and_kept(leaf, names)
    try:
        compiled = compiled_network(model)
    except NotTabulable:  # (its ``do`` may cut off all that is not finite: the leaf's own tables, if they are)
        compiled = None
    if compiled is not None and compiled.network is not None:
        joint = _network_joint(compiled, model, leaf, keep, equalities, interventions)
    else:
        joint = _pruned_joint(model, leaf, keep, equalities, compiled.too_large if compiled else None)
    mass = float(joint.sum())
    if mass <= 0.0:
        raise impossible_evidence(leaf.span)
    return np.asarray(joint / mass, dtype=np.float64), keep, fixed  # (an array even when every variable is fixed)


def _compiled(model: CausalModel, leaf) -> ModelNetwork:
    try:
        return compiled_network(model)
    except NotTabulable as error:
        raise cannot_enumerate(leaf.span, str(error)) from None


def _network_joint(compiled: ModelNetwork, model: CausalModel, leaf, keep, equalities, interventions) -> torch.Tensor:
    """The conditional joint from the compiled network (zeros: impossible evidence): interventions by surgery,
    inequalities as weights."""
    for name, value in interventions.items():
        if not 0 <= value < compiled.cardinalities[compiled.index[name]]:
            raise cannot_enumerate(leaf.span, f"do({name} = {value}) is outside the levels of '{name}'")
    soft = _soft_evidence(compiled, leaf)
    try:
        joint = compiled.network.posterior(tuple(compiled.index[name] for name in keep),
                                           compiled.levels(equalities), soft, compiled.levels(interventions))
    except EnumerationTooLarge as error:
        raise _too_large(error, leaf) from None
    return joint


def _indicator_weights(size: int, event: EventSpec) -> np.ndarray:
    return COMPARISONS[event.op](np.arange(size, dtype=np.float64), event.value).astype(np.float64)


def _pruned_joint(model: CausalModel, leaf, keep, equalities, too_large: EnumerationTooLarge | None) -> torch.Tensor:
    """A model too large to compile whole: tabulate and contract only this query's relevant tables.

    Every table is sized before it is built, and the contraction plan before
    it runs; a query that still does not fit is refused with the sizes.
    """
    intervened = do(model, dict(leaf.interventions))
    needed = set(keep) | set(equalities) | {e.outcome.variable for e in leaf.evidence}
    ancestors = intervened.ancestors(needed & set(intervened.topological_names()))
    reason = untabulable_reason(intervened, ancestors)
    if reason is not None:
        raise cannot_enumerate(leaf.span, reason)
    try:
        check_tabulation(intervened, ancestors, DEFAULT_MAX_BYTES)
    except EnumerationTooLarge as error:
        raise _too_large(error, leaf) from None
    graph = _factor_graph(intervened, leaf, needed)
    factors = list(graph.factors) + [_indicator(intervened, e) for e in leaf.evidence if e.op != "="]
    heads = list(graph.heads) + [None] * (len(factors) - len(graph.factors))
    factors = prune_barren(factors, heads, needed)
    return _contract(factors, keep, dict(equalities), leaf).numpy()


def _factor_graph(model: CausalModel, leaf, needed: set[str]) -> FactorGraph:
    """Tables of the needed variables and their ancestors; the others would sum to one (barren)."""
    try:
        return factors_for(model, model.ancestors(needed & set(model.topological_names())))
    except NotTabulable as error:
        raise cannot_enumerate(leaf.span, str(error)) from None


def _contract(factors: list[Factor], keep: tuple[str, ...], evidence: dict[str, int], leaf) -> torch.Tensor:
    try:
        return marginal(factors, keep, evidence)
    except EnumerationTooLarge as error:
        raise _too_large(error, leaf) from None


def _too_large(error: EnumerationTooLarge, leaf):
    limit = describe_bytes(error.max_bytes) if error.max_bytes is not None else None
    return too_large_for_exact(leaf.span, describe_bytes(error.required_bytes), len(error.largest_factor_vars),
                               limit, total=error.total)


def _indicator(model: CausalModel, event: EventSpec) -> Factor:
    size = model.variable(event.outcome.variable).domain.size
    return Factor((event.outcome.variable,), torch.from_numpy(_indicator_weights(size, event)))


def _grids(shape) -> tuple[torch.Tensor, ...]:
    if not shape:
        return ()
    return torch.meshgrid(*(torch.arange(s, dtype=torch.float64) for s in shape), indexing="ij")


def _fixed_distribution(model: CausalModel, leaf: ProbabilitySpec, name: str) -> np.ndarray:
    """The point mass of a variable that the leaf's evidence or intervention fixes."""
    size = model.variable(name).domain.size
    value = dict(leaf.interventions).get(name)
    if value is None:
        value = next(e.value for e in leaf.evidence if e.outcome.variable == name and e.op == "=")
    return np.eye(size, dtype=np.float64)[int(value)]
