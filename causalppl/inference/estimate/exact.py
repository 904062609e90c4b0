"""Exact answers for finite discrete models: do-surgery, then factor contraction.

Evidence ``X = x`` fixes a level; other relations (``X > 1``) multiply in an
indicator factor.  Only the ancestors of the query and evidence variables
are contracted (barren tables are pruned).
"""

from __future__ import annotations

import numpy as np
import torch

from causalppl.backends import runtime as rt
from causalppl.backends.compiled import ModelNetwork, check_tabulation, compiled_network
from causalppl.backends.exact import DEFAULT_MAX_BYTES, EnumerationTooLarge, Factor, marginal, prune_barren
from causalppl.backends.exact.errors import describe_bytes
from causalppl.backends.factors import (
    DTYPE,
    FactorGraph,
    NotTabulable,
    factors_for,
    fixed_parameter_values,
)
from causalppl.backends.tensor_eval import evaluate
from causalppl.inference.devices import on_cpu
from causalppl.inference.messages import (
    cannot_enumerate,
    impossible_evidence,
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
    if isinstance(leaf, ExpectationSpec):
        return Estimate(_expectation(model, leaf))
    return Estimate(_probability(model, leaf))


def exact_distribution(model: CausalModel, leaf: ProbabilitySpec) -> dict[str, float]:
    variable = model.variable(leaf.events[0].outcome.variable)
    joint, keep, _ = _posterior_joint(model, leaf, (variable.name,))
    probabilities = joint if keep else _fixed_distribution(model, leaf, variable.name)
    return {label: float(p) for label, p in zip(variable.domain.labels, probabilities)}


# ------------------------------------------------------------- internals ----


def _probability(model: CausalModel, leaf: ProbabilitySpec) -> float:
    names = tuple(dict.fromkeys(event.outcome.variable for event in leaf.events))
    joint, keep, fixed = _posterior_joint(model, leaf, names)
    mask = torch.ones_like(joint)
    for event in leaf.events:
        mask = mask * _event_mask(event, keep, fixed, joint.shape)
    return float((joint * mask).sum())


def _expectation(model: CausalModel, leaf: ExpectationSpec) -> float:
    names = rx.variables_in(leaf.expr)
    joint, keep, fixed = _posterior_joint(model, leaf, names)
    env = dict(fixed_parameter_values(model))
    grids = _grids(joint.shape)
    env.update({name: grid for name, grid in zip(keep, grids)})
    env.update({name: torch.tensor(float(value), dtype=DTYPE) for name, value in fixed.items()})
    with rt.default_dtype(DTYPE):
        values = evaluate(leaf.expr, env).to(DTYPE)
    return float((joint * values).sum())


def _posterior_joint(model: CausalModel, leaf, names: tuple[str, ...]):
    """Normalized joint over the query variables not fixed by evidence; and the fixed values."""
    interventions = {name: int(value) for name, value in leaf.interventions}
    equalities = {e.outcome.variable: int(e.value) for e in leaf.evidence if e.op == "="}
    fixed = dict(equalities)
    fixed.update({name: value for name, value in interventions.items() if name in names})
    keep = tuple(name for name in names if name not in fixed)
    compiled = _compiled(model, leaf)
    if compiled.network is not None:
        joint = _network_joint(compiled, model, leaf, keep, equalities, interventions)
    else:
        joint = _pruned_joint(model, leaf, keep, equalities, compiled.too_large)
    mass = joint.sum()
    if float(mass) <= 0.0:
        raise impossible_evidence(leaf.span)
    return joint / mass, keep, fixed


def _compiled(model: CausalModel, leaf) -> ModelNetwork:
    try:
        return compiled_network(model)
    except NotTabulable as error:
        raise cannot_enumerate(leaf.span, str(error)) from None


def _network_joint(compiled: ModelNetwork, model: CausalModel, leaf, keep, equalities, interventions) -> torch.Tensor:
    """The joint from the compiled network: interventions by surgery, inequalities as weights."""
    for name, value in interventions.items():
        if not 0 <= value < compiled.cardinalities[compiled.index[name]]:
            raise cannot_enumerate(leaf.span, f"do({name} = {value}) is outside the levels of '{name}'")
    soft: dict[int, np.ndarray] = {}
    for event in leaf.evidence:
        if event.op == "=":
            continue
        v = compiled.index[event.outcome.variable]
        weights = _indicator_weights(compiled.cardinalities[v], event)
        soft[v] = soft[v] * weights if v in soft else weights
    try:
        joint = compiled.network.query(tuple(compiled.index[name] for name in keep), compiled.levels(equalities),
                                       soft, compiled.levels(interventions))
    except EnumerationTooLarge as error:
        raise _too_large(error, leaf) from None
    return torch.from_numpy(np.ascontiguousarray(joint, dtype=np.float64))


def _indicator_weights(size: int, event: EventSpec) -> np.ndarray:
    values = torch.arange(size, dtype=DTYPE)
    return COMPARISONS[event.op](values, event.value).to(DTYPE).numpy()


def _pruned_joint(model: CausalModel, leaf, keep, equalities, too_large: EnumerationTooLarge | None) -> torch.Tensor:
    """A model too large to compile whole: tabulate and contract only this query's relevant tables.

    Every table is sized before it is built, and the contraction plan before
    it runs; a query that still does not fit is refused with the sizes.
    """
    intervened = do(model, dict(leaf.interventions))
    needed = set(keep) | set(equalities) | {e.outcome.variable for e in leaf.evidence}
    ancestors = intervened.ancestors(needed & set(intervened.topological_names()))
    try:
        check_tabulation(intervened, ancestors, DEFAULT_MAX_BYTES)
    except EnumerationTooLarge as error:
        raise _too_large(error, leaf) from None
    graph = _factor_graph(intervened, leaf, needed)
    factors = list(graph.factors) + [_indicator(intervened, e) for e in leaf.evidence if e.op != "="]
    heads = list(graph.heads) + [None] * (len(factors) - len(graph.factors))
    factors = prune_barren(factors, heads, needed)
    return _contract(factors, keep, dict(equalities), leaf)


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
                               limit)


def _indicator(model: CausalModel, event: EventSpec) -> Factor:
    size = model.variable(event.outcome.variable).domain.size
    values = torch.arange(size, dtype=DTYPE)
    return Factor((event.outcome.variable,), COMPARISONS[event.op](values, event.value).to(DTYPE))


def _event_mask(event: EventSpec, keep: tuple[str, ...], fixed: dict[str, int], shape) -> torch.Tensor:
    name = event.outcome.variable
    if name in fixed:
        holds = COMPARISONS[event.op](torch.tensor(float(fixed[name])), event.value)
        return torch.full(shape, float(holds), dtype=DTYPE)
    axis = keep.index(name)
    grid = _grids(shape)[axis]
    return COMPARISONS[event.op](grid, event.value).to(DTYPE)


def _grids(shape) -> tuple[torch.Tensor, ...]:
    if not shape:
        return ()
    return torch.meshgrid(*(torch.arange(s, dtype=DTYPE) for s in shape), indexing="ij")


def _fixed_distribution(model: CausalModel, leaf: ProbabilitySpec, name: str) -> torch.Tensor:
    size = model.variable(name).domain.size
    value = dict(leaf.interventions).get(name)
    if value is None:
        value = next(e.value for e in leaf.evidence if e.outcome.variable == name and e.op == "=")
    return torch.nn.functional.one_hot(torch.tensor(int(value)), size).to(DTYPE)
