"""Answering one checked query: pick the method, run it, shape the :class:`Result`.

``auto`` chooses, in order: bounds/identification for those query kinds;
exact enumeration when every mechanism is finite and known; Monte Carlo
forward sampling when there is no evidence.  The chosen method is reported
in the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch

from causalppl.inference.bayesian.devices import resolve_device, running_on
from causalppl.inference.combine import Estimate, evaluate_term, fold_term, is_linear
from causalppl.inference.errors import query_error
from causalppl.inference.exact import can_enumerate, exact_distribution, exact_leaf
from causalppl.inference.montecarlo import mc_distribution, mc_leaf, mc_leaf_values, sample_mean
from causalppl.inference.results import Result
from causalppl.ir.model import CausalModel
from causalppl.semantics.queries import ProbabilitySpec, QuerySpec, has_counterfactuals, leaves

METHODS = ("auto", "exact", "mc", "nuts", "svi")
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class QueryOptions:
    method: str = "auto"
    samples: int = 10_000
    seed: int | None = None
    device: str = "cpu"
    data: Any = None  # a causalppl.data.Dataset, when the model is to be learned from data
    quiet: bool = True
    extra: dict = field(default_factory=dict)


def query_options(data: Any, options: dict[str, Any]) -> QueryOptions:
    """Options from keyword arguments: known ones become fields, the rest goes to ``extra``."""
    known = {name: options.pop(name) for name in list(options) if name in QueryOptions.__dataclass_fields__}
    known.pop("extra", None)
    if known.get("method", "auto") not in METHODS:
        raise ValueError(f"unknown method {known['method']!r}; choose one of {', '.join(METHODS)}")
    return QueryOptions(data=data, extra=dict(options), **{k: v for k, v in known.items() if k != "data"})


def answer(model: CausalModel, query: QuerySpec, options: QueryOptions) -> Result:
    resolve_device(options.device, query.span)  # a clear error when CUDA is asked for but absent
    if query.kind == "bounds":
        from causalppl.inference.bounds import answer_bounds

        return answer_bounds(model, query, options)
    if query.kind == "identify":
        from causalppl.inference.identify import answer_identify

        return answer_identify(model, query, options)
    if has_counterfactuals(query.term):
        from causalppl.inference.counterfactual import answer_counterfactual

        return answer_counterfactual(model, query, options)
    return _answer_estimate(model, query, options, choose_method(model, query, options))


def choose_method(model: CausalModel, query: QuerySpec, options: QueryOptions) -> str:
    if options.method != "auto":
        return options.method
    if options.data is not None and _needs_learning(model):
        return "nuts"
    if can_enumerate(model):
        return "exact"
    if any(leaf.evidence for leaf in leaves(query.term)) or _needs_learning(model):
        return "nuts"
    return "mc"


def _needs_learning(model: CausalModel) -> bool:
    return any(p.mechanism is not None for p in model.parameters) or any(
        v.noise.value == "response-function" for v in model.model_variables
    )


def _answer_estimate(model: CausalModel, query: QuerySpec, options: QueryOptions, method: str) -> Result:
    if method in ("nuts", "svi"):
        from causalppl.inference.bayesian import answer_bayesian

        return answer_bayesian(model, query, options, method)
    if _is_distribution(query):
        return _distribution_result(model, query, options, method)
    if method == "mc" and is_linear(query.term):
        with running_on(resolve_device(options.device, query.span)):
            return point_result(query, _paired_mc(model, query, options), method)
    leaf = (lambda l: exact_leaf(model, l)) if method == "exact" else (
        lambda l: mc_leaf(model, l, options.samples, options.seed))
    estimate = evaluate_term(query.term, leaf)
    return point_result(query, estimate, method)


def _paired_mc(model: CausalModel, query: QuerySpec, options: QueryOptions) -> Estimate:
    """Common random numbers: every term sees the same noise draws, so differences are precise."""
    seed = options.seed if options.seed is not None else int(torch.randint(0, 2**31 - 1, ()).item())
    values = fold_term(query.term, lambda leaf: mc_leaf_values(model, leaf, options.samples, seed))
    if not isinstance(values, torch.Tensor):
        return Estimate(float(values))
    return sample_mean(values)


def point_result(query: QuerySpec, estimate: Estimate, method: str, **extra: Any) -> Result:
    std_error = math.sqrt(estimate.variance) if estimate.variance > 0 else None
    interval = None
    if std_error is not None:
        interval = (estimate.value - Z_95 * std_error, estimate.value + Z_95 * std_error)
    return Result(query.name, query.text, estimate=estimate.value, interval=interval, method=method,
                  std_error=std_error, **extra)


def _is_distribution(query: QuerySpec) -> bool:
    return isinstance(query.term, ProbabilitySpec) and query.term.is_distribution


def _distribution_result(model: CausalModel, query: QuerySpec, options: QueryOptions, method: str) -> Result:
    leaf = query.term
    if method == "exact":
        distribution = exact_distribution(model, leaf)
    elif method == "mc":
        distribution = mc_distribution(model, leaf, options.samples, options.seed)
    else:
        raise query_error(query.span, f"unknown method '{method}'", "choose one of " + ", ".join(METHODS))
    return Result(query.name, query.text, distribution=distribution, method=method)
