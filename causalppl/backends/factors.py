"""IR → factor tables for the exact engine: one conditional table per finite variable.

Tables are taken as written; Bernoulli, Categorical and deterministic
mechanisms over finite parents are tabulated by evaluating their arguments
on every parent configuration at once.  Fixed parameters are substituted.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np

from causalppl.lazy import torch

from causalppl.backends import runtime as rt
from causalppl.backends.exact import Factor
from causalppl.backends.tabulable import CDF_FAMILIES, NotTabulable
from causalppl.backends.tensor_eval import evaluate
from causalppl.ir.mechanisms import (
    ConstantMechanism,
    Deterministic,
    NonparametricMechanism,
    Parametric,
    TableMechanism,
)
from causalppl.ir.model import CausalModel, Variable
from causalppl.ir.queries import COMPARISONS



def __getattr__(name: str):
    """``DTYPE``, the tables' dtype (float64), without importing torch before a table is evaluated."""
    if name == "DTYPE":
        return torch.float64
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class FactorGraph:
    factors: tuple[Factor, ...]
    heads: tuple[str, ...]  # factors[i] is the conditional table of heads[i]


def model_factors(model: CausalModel) -> FactorGraph:
    if model.confounders:
        arc = model.confounders[0]
        raise NotTabulable(f"'{arc.a} <-> {arc.b}' is an unknown confounder: exact answers need every mechanism "
                           "known; ask for 'bounds' or 'identify' instead")
    with rt.default_dtype(torch.float64):
        values = fixed_parameter_values(model)
        factors = tuple(variable_factor(model, v, values) for v in model.model_variables)
    return FactorGraph(factors, tuple(v.name for v in model.model_variables))


def factors_for(model: CausalModel, names: Iterable[str]) -> FactorGraph:
    """The tables of the named variables only (a query's relevant ancestors), in topological order.

    Written tables (``~ table(...)``) are converted once and reused by later
    queries on the same mechanism.
    """
    _require_no_confounders(model)
    wanted = set(names)
    chosen = [v for v in model.model_variables if v.name in wanted]
    with rt.default_dtype(torch.float64):
        values = fixed_parameter_values(model)
        factors = tuple(_table_factor(v) if isinstance(v.mechanism, TableMechanism) else
                        variable_factor(model, v, values) for v in chosen)
    return FactorGraph(factors, tuple(v.name for v in chosen))


_TABLE_FACTORS: dict[int, tuple[weakref.ref, Factor]] = {}


def _table_factor(variable: Variable) -> Factor:
    mechanism = variable.mechanism
    key = id(mechanism)
    cached = _TABLE_FACTORS.get(key)
    if cached is not None and cached[0]() is mechanism and cached[1].variables[-1] == variable.name:
        return cached[1]
    factor = variable_factor(None, variable, {})
    _TABLE_FACTORS[key] = (weakref.ref(mechanism, lambda _, key=key, table=_TABLE_FACTORS: table.pop(key, None)), factor)
    return factor


def _require_no_confounders(model: CausalModel) -> None:
    if model.confounders:
        arc = model.confounders[0]
        raise NotTabulable(f"'{arc.a} <-> {arc.b}' is an unknown confounder: exact answers need every mechanism "
                           "known; ask for 'bounds' or 'identify' instead")


def fixed_parameter_values(model: CausalModel) -> dict[str, torch.Tensor]:
    """Values of the fixed parameters (``param b = ...``), in float64."""
    values: dict[str, torch.Tensor] = {}
    for parameter in model.parameters:
        if parameter.mechanism is not None:
            raise NotTabulable(f"parameter '{parameter.name}' has a prior: its value must be learned from data "
                               "(--method nuts or svi), not enumerated")
        with rt.default_dtype(torch.float64):
            values[parameter.name] = evaluate(parameter.fixed_value, values).to(torch.float64)
    return values


def variable_factor(model: CausalModel, variable: Variable, params: Mapping[str, torch.Tensor]) -> Factor:
    if not variable.domain.is_finite:
        raise NotTabulable(f"'{variable.name}' is {variable.domain.describe()}, and exact enumeration needs finite "
                           "variables")
    mechanism = variable.mechanism
    if isinstance(mechanism, TableMechanism):
        shape = mechanism.parent_sizes + (variable.domain.size,)
        table = torch.tensor(mechanism.rows.array, dtype=torch.float64).reshape(shape)
        return Factor(mechanism.parents + (variable.name,), table)
    if isinstance(mechanism, ConstantMechanism):
        return Factor((variable.name,), _one_hot(torch.tensor(int(mechanism.value)), variable.domain.size))
    if isinstance(mechanism, NonparametricMechanism) or mechanism is None:
        raise NotTabulable(f"'{variable.name}' has an unknown mechanism: learn it from data or ask for 'bounds'")
    return _tabulated(model, variable, params)


def _tabulated(model: CausalModel, variable: Variable, params: Mapping[str, torch.Tensor]) -> Factor:
    parents = variable.parents
    sizes = tuple(model.variable(p).domain.size for p in parents)
    for parent in parents:
        if not model.variable(parent).domain.is_finite:
            raise NotTabulable(f"'{variable.name}' depends on '{parent}', which is not finite")
    grid = torch.meshgrid(*(torch.arange(s, dtype=torch.float64) for s in sizes), indexing="ij") if sizes else ()
    env = dict(params)
    env.update({name: axis for name, axis in zip(parents, grid)})
    table = _conditional_table(variable, env, sizes)
    return Factor(parents + (variable.name,), table)


def _conditional_table(variable: Variable, env: dict, sizes: tuple[int, ...]) -> torch.Tensor:
    mechanism = variable.mechanism
    k = variable.domain.size
    if isinstance(mechanism, Deterministic):
        value = evaluate(mechanism.expr, env).to(torch.float64).expand(sizes)
        return _deterministic_table(variable, value)
    if isinstance(mechanism, Parametric) and mechanism.family == "Bernoulli":
        p = _bernoulli_probability(mechanism, env).expand(sizes)
        return torch.stack([1 - p, p], dim=-1)
    if isinstance(mechanism, Parametric) and mechanism.family == "Categorical":
        return _categorical_table(mechanism, env, sizes, k)
    family = mechanism.family if isinstance(mechanism, Parametric) else type(mechanism).__name__
    raise NotTabulable(f"'{variable.name}' ~ {family} is not finite: exact enumeration covers Bernoulli, "
                       "Categorical, tables and deterministic mechanisms")


def _bernoulli_probability(mechanism: Parametric, env: dict) -> torch.Tensor:
    probs = mechanism.argument("probs")
    if probs is not None:
        return evaluate(probs, env).to(torch.float64)
    return torch.sigmoid(evaluate(mechanism.argument("logits"), env).to(torch.float64))


def _categorical_table(mechanism: Parametric, env: dict, sizes: tuple[int, ...], k: int) -> torch.Tensor:
    probs = mechanism.argument("probs")
    if probs is not None:
        table = evaluate(probs, env).to(torch.float64)
    else:
        table = torch.softmax(evaluate(mechanism.argument("logits"), env).to(torch.float64), dim=-1)
    return table.expand(sizes + (k,))


def _deterministic_table(variable: Variable, value: torch.Tensor) -> torch.Tensor:
    k = variable.domain.size
    rounded = torch.round(value)
    if bool(((rounded - value).abs() > 1e-9).any()) or bool(((rounded < 0) | (rounded >= k)).any()):
        raise NotTabulable(f"'{variable.name}' := ... gives values outside {variable.domain.describe()}")
    return _one_hot(rounded.long(), k)


def _one_hot(index: torch.Tensor, size: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(index, size).to(torch.float64)


def log_likelihood_weights(model: CausalModel, variable: Variable, value, op: str = "="):
    """The log of how likely ``variable op value`` is under each configuration of its finite parents (a numpy
    array of their sizes; -inf where impossible). For ``=``: the density of a continuous family at the value,
    the probability of a count family, 1 or 0 for a deterministic mechanism. For ``<``, ``<=``, ``>``, ``>=``:
    the probability of the event (a continuous family's cdf or survival function, computed in the log
    domain so that far tails keep their digits, see :data:`~causalppl.backends.tabulable.CDF_FAMILIES`; a
    deterministic mechanism's indicator). Exact enumeration reads evidence ``S = 3.2`` (or ``S > 3``) on a
    real ``S`` as this likelihood of its parents. ``value`` may be an array of one value per row: the weights
    then have a leading axis of rows.

    >>> import causalppl as cp
    >>> m = cp.loads("model T { D ~ Bernoulli(0.1)\\n S ~ Normal(if D then 5 else 2, 1) }").ir
    >>> np.exp(log_likelihood_weights(m, m.variable("S"), 2.0)).round(4).tolist()
    [0.3989, 0.0044]
    >>> np.exp(log_likelihood_weights(m, m.variable("S"), 3.0, ">")).round(4).tolist()
    [0.1587, 0.9772]
    >>> float(log_likelihood_weights(m, m.variable("S"), 45.0, ">")[0]).__round__(1)  # P about 1e-400
    -929.2
    """
    parents = variable.parents
    for parent in parents:
        if not model.variable(parent).domain.is_finite:
            raise NotTabulable(f"'{variable.name}' depends on '{parent}', which is not finite")
    sizes = tuple(model.variable(p).domain.size for p in parents)
    with rt.default_dtype(torch.float64):
        env = dict(fixed_parameter_values(model))
        grid = torch.meshgrid(*(torch.arange(s, dtype=torch.float64) for s in sizes), indexing="ij") if sizes else ()
        env.update({name: axis for name, axis in zip(parents, grid)})
        mechanism = variable.mechanism
        rows = np.ndim(value) > 0
        point = torch.tensor(np.array(value, dtype=np.float64))
        shape = ((len(point),) if rows else ()) + sizes
        point = point.reshape(point.shape + (1,) * len(sizes))
        if isinstance(mechanism, Deterministic):
            computed = evaluate(mechanism.expr, env).to(torch.float64)
            if op == "=":
                holds = (computed - point).abs() <= 1e-9 * torch.clamp(point.abs(), min=1.0)
            else:
                holds = torch.as_tensor(COMPARISONS[op](computed, point))
            logs = torch.where(holds, torch.zeros(()), torch.full((), -math.inf))
        else:
            args = {name: evaluate(expr, env).to(torch.float64) for name, expr in mechanism.arguments}
            law = getattr(torch.distributions, mechanism.family)(**args, validate_args=False)
            if op == "=":
                inside = torch.as_tensor(law.support.check(point))
                safe = torch.where(inside, point, torch.as_tensor(_inside_point(law), dtype=torch.float64))
                logs = torch.where(inside, law.log_prob(safe), torch.full((), -math.inf))
                if mechanism.family == "Binomial":  # (torch clamps p away from 0 and 1: impossible counts stay so)
                    p, n = args["probs"], args["total_count"]
                    logs = torch.where(((p == 0) & (point > 0)) | ((p == 1) & (point < n)),
                                       torch.full((), -math.inf), logs)
            elif op == "!=":
                logs = torch.zeros_like(point)  # (a continuous law puts no mass on one value)
            else:
                logs = _log_event_probability(mechanism.family, args, point, below=op in ("<", "<="))
        logs = logs.to(torch.float64).expand(shape)
    return logs.detach().cpu().numpy().copy()


def _log_event_probability(family: str, args: dict, value, below: bool):
    """log P(X < value) (``below``) or log P(X > value) for a continuous family, accurate in both tails."""
    special = torch.special
    if family in ("Normal", "LogNormal"):
        if family == "LogNormal":
            positive = value > 0
            value = torch.log(torch.where(positive, value, torch.ones(())))
        z = (value - args["loc"]) / args["scale"]
        logs = special.log_ndtr(z if below else -z)
        if family == "LogNormal":
            logs = torch.where(positive, logs, torch.full((), -math.inf if below else 0.0))
        return logs
    if family == "HalfNormal":
        z = torch.clamp(value, min=0.0) / args["scale"]
        if below:  # P(X < v) = erf(v / (scale sqrt 2)), direct near 0
            return torch.log(torch.erf(z / math.sqrt(2.0)))
        return math.log(2.0) + special.log_ndtr(-z)  # P(X > v) = 2 Phi(-v / scale)
    if family == "Laplace":
        z = (value - args["loc"]) / args["scale"]
        tail = math.log(0.5) - z.abs()  # the probability beyond value on its far side
        near = _log1mexp(tail)
        return torch.where(z < 0, tail, near) if below else torch.where(z > 0, tail, near)
    if family in ("Cauchy", "HalfCauchy"):
        loc = args.get("loc", torch.zeros(()))
        z = (value - loc) / args["scale"]
        if family == "HalfCauchy":
            z = torch.clamp(z, min=0.0)
            if below:  # P(X < v) = (2 / pi) atan(v / scale), direct near 0
                return torch.log(2.0 * torch.atan(z) / math.pi)
            return torch.log(2.0 * torch.atan2(torch.ones(()), z) / math.pi)
        return torch.log(torch.atan2(torch.ones(()), (-z if below else z)) / math.pi)
    if family == "Exponential":
        x = torch.clamp(value, min=0.0)
        upper = -args["rate"] * x
        return _log1mexp(upper) if below else upper
    if family == "Gamma":
        a, x = torch.broadcast_tensors(torch.as_tensor(args["concentration"], dtype=torch.float64),
                                       torch.clamp(value, min=0.0) * args["rate"])
        return _log_gamma_tail(a, x, below)
    if family == "Uniform":
        low, high = args["low"], args["high"]
        fraction = torch.clamp((value - low) / (high - low), 0.0, 1.0)
        return torch.log(fraction if below else 1.0 - fraction)
    raise NotTabulable(f"{family} has no cdf for an event")


def _log_gamma_tail(a, x, below: bool):
    """log P(a, x) (``below``) or log Q(a, x), the regularized incomplete gamma functions, with their leading
    asymptotic terms where the functions underflow: x^a / Gamma(a + 1) near 0 for P, and
    x^(a - 1) e^(-x) (1 + (a - 1) / x) / Gamma(a) far out for Q (relative error O(1 / x^2) past x = 700)."""
    special = torch.special
    if below:
        direct = torch.log(special.gammainc(a, x))
        near_zero = a * torch.log(x) - torch.lgamma(a + 1.0)
        return torch.where(torch.isfinite(direct) | (x <= 0), direct, near_zero)
    direct = torch.log(special.gammaincc(a, x))
    far = (a - 1.0) * torch.log(x) - x - torch.lgamma(a) + torch.log1p((a - 1.0) / x)
    return torch.where(torch.isfinite(direct) | (x <= 0), direct, far)


def _log1mexp(logs):
    """log(1 - exp(logs)) for logs <= 0, accurate near 0 and far below it."""
    return torch.where(logs > -math.log(2.0), torch.log(-torch.expm1(logs)), torch.log1p(-torch.exp(logs)))


def _inside_point(law) -> float:
    """A value inside the law's support (to take a log density at where the observed one is outside it)."""
    support = law.support
    low = getattr(support, "lower_bound", None)
    high = getattr(support, "upper_bound", None)
    if low is not None and high is not None:
        return float(torch.as_tensor((torch.as_tensor(low) + torch.as_tensor(high)) / 2).reshape(-1)[0])
    if low is not None:
        return float(torch.as_tensor(low).reshape(-1)[0]) + 1.0
    if high is not None:
        return float(torch.as_tensor(high).reshape(-1)[0]) - 1.0
    return 0.0
