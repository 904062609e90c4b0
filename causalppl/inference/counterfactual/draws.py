r"""Draws of every variable in the factual world and in intervened worlds, given evidence (``Model.counterfactual``).

>>> import causalppl as cp
>>> m = cp.loads("model C { X ~ Normal(0, 1)\n Y ~ Normal(2 * X, 1) }")
>>> out = m.counterfactual({"X": 1.0, "Y": 3.0}, {"X": 0.0}, n=10, seed=0)
>>> round(float(out["samples"]["do(X = 0)"]["Y"][0]), 6)
1.0
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch

from causalppl.backends.exact import EnumerationTooLarge
from causalppl.backends.factors import NotTabulable
from causalppl.diagnostics import Span
from causalppl.inference.counterfactual.abduction import ImpossibleEvidence, Observation
from causalppl.inference.counterfactual.answer import numerics
from causalppl.inference.counterfactual.exact import exact_posterior
from causalppl.inference.counterfactual.gaussian import linear_gaussian_posterior
from causalppl.data.covariates import covariate_names, fixed_rows
from causalppl.inference.counterfactual.sampling import parameters, sample_plan, with_covariates
from causalppl.inference.messages import covariate_without_data, query_error
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import NoiseSource
from causalppl.ir.model import CausalModel
from causalppl.ir.values import BadValue, variable_value
from causalppl.transforms.do import InterventionError
from causalppl.transforms.noise import NoiseError
from causalppl.transforms.worlds import MultiWorldModel, ancestral, build_worlds


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
    if not isinstance(evidence, Mapping):
        raise TypeError(f"evidence must be a mapping of variable names to values, such as {{'X': 1}}, "
                        f"not {type(evidence).__name__}")
    if isinstance(interventions, (str, bytes)) or not isinstance(interventions, (Mapping, Sequence)) or \
            not all(isinstance(s, Mapping) for s in ([interventions] if isinstance(interventions, Mapping)
                                                     else interventions)):
        raise TypeError("interventions must be a mapping of variable names to values, such as {'X': 0}, "
                        "or a list of them (one world each)")
    sets = [interventions] if isinstance(interventions, Mapping) else list(interventions)
    sets = [{name: _position(ir, name, value) for name, value in s.items()} for s in sets]
    observations = tuple(Observation(name, "=", _position(ir, name, value)) for name, value in evidence.items())
    multi = _world_model(ir, sets)
    with numerics(seed):
        draws, method, notes = _world_draws(ir, multi, observations, n)
        distributions = _exact_distributions(multi, observations)
    labels = {world_label(ir, w): w for w in multi.worlds.worlds}
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
    params = with_covariates(parameters(ir, n), _pinned_covariates(ir, observations), n)
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


def _pinned_covariates(ir: CausalModel, observations):
    """Covariates must be given in the evidence here (there are no data rows to draw them from)."""
    names = covariate_names(ir)
    if not names:
        return None
    given = {o.name: o.value for o in observations}
    for name in names:
        if name not in given:
            raise covariate_without_data(Span.unknown("<counterfactual>"), name)
    return fixed_rows({name: given[name] for name in names})


def _exact_distributions(multi: MultiWorldModel, observations) -> dict[str, dict[str, dict[str, float]]] | None:
    try:
        result: dict[str, dict[str, dict[str, float]]] = {}
        for world in multi.worlds.worlds:
            label = world_label(multi.factual, world)
            result[label] = {}
            for variable in multi.factual.model_variables:
                if isinstance(variable.mechanism, NoiseSource):
                    continue
                name = world.name_of(variable.name)
                domain = multi.model.variable(name).domain
                relevant = ancestral(multi.model, (name,) + tuple(o.name for o in observations))
                posterior = exact_posterior(relevant, observations, (name,))
                probabilities = posterior.distribution(name, domain.size)
                result[label][variable.name] = {l: float(p) for l, p in zip(domain.labels, probabilities)}
        return result
    except (NotTabulable, EnumerationTooLarge):
        return None
    except ImpossibleEvidence as error:
        raise query_error(Span.unknown("<counterfactual>"), f"the evidence has probability zero ({error})") from None


def _position(model: CausalModel, name: str, value: Any) -> float:
    """The IR value of ``value`` for ``name`` (:func:`causalppl.ir.values.variable_value`)."""
    position = variable_value(model, name, value)
    if isinstance(position, BadValue):
        raise position.error(Span.unknown("<counterfactual>"))
    return position


def world_label(model: CausalModel, world: Any) -> str:
    """``factual``, or ``do(X = x, ...)`` with level names for finite variables (``do(Dose = high)``)."""
    if not world.interventions:
        return world.label
    texts = []
    for name, value in world.interventions:
        domain = model.variable(name).domain if name in model else None
        if domain is not None and domain.is_finite and isinstance(value, (int, float)):
            texts.append(f"{name} = {domain.labels[int(value)]}")
        else:
            texts.append(f"{name} = {value if isinstance(value, str) else _number_text(value)}")
    return f"do({', '.join(texts)})"


def _number_text(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
