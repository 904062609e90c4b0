"""One posterior draw → a fully known model (an IR with no unknowns left).

Each parameter with a prior becomes a fixed parameter (``param b = value``),
each nonparametric mechanism becomes a conditional table with the drawn
rows, and each ``<->`` arc between nonparametric variables becomes an
explicit latent class ``U_A_B`` (a root with the drawn class weights) that
the tables of A and B take as their first parents, as in the generated
program.  The result is an ordinary model: the exact engine and forward
sampling answer queries on it, and ``do`` applies to it as to any model.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import torch

from causalppl.backends.pyro_codegen import LATENT_CLASSES
from causalppl.backends.symbols import SiteNames, site_names
from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import NonparametricMechanism, Parametric, TableMechanism
from causalppl.ir.model import CausalModel, Confounder, Variable
from causalppl.ir.types import levels


def instantiate(model: CausalModel, draw: Mapping[str, torch.Tensor]) -> CausalModel:
    """``model`` with every global site fixed to its value in ``draw`` (one draw, no leading axis)."""
    sites = site_names(model)
    parameters = [_fixed_parameter(p, draw) for p in model.parameters]
    classes = [_latent_class(c, draw, sites) for c in model.confounders]
    variables = [_known_mechanism(model, v, draw, sites) for v in model.model_variables]
    return model.with_variables(parameters + classes + variables, confounders=())


def _fixed_parameter(parameter: Variable, draw: Mapping[str, torch.Tensor]) -> Variable:
    if parameter.mechanism is None:
        return parameter
    value = _constant_expr(draw[parameter.name], parameter.span)
    return replace(parameter, mechanism=None, fixed_value=value)


def _constant_expr(value: torch.Tensor, span: Span) -> rx.Expr:
    value = torch.as_tensor(value).detach().to("cpu", torch.float64)
    if value.dim() == 0:
        return rx.Const(float(value), span)
    return rx.VectorLiteral(tuple(rx.Const(float(item), span) for item in value.reshape(-1)), span)


def _latent_class(confounder: Confounder, draw: Mapping[str, torch.Tensor], sites: SiteNames) -> Variable:
    weights = _simplex(draw[sites.weights[confounder.name]])
    probs = rx.VectorLiteral(tuple(rx.Const(float(w), confounder.span) for w in weights), confounder.span)
    mechanism = Parametric("Categorical", (("probs", probs),), confounder.span)
    domain = levels(*(f"class{k}" for k in range(LATENT_CLASSES)))
    return Variable(sites.classes[confounder.name], "latent", domain, mechanism, confounder.span)


def _known_mechanism(model: CausalModel, variable: Variable, draw: Mapping[str, torch.Tensor],
                     sites: SiteNames) -> Variable:
    if not isinstance(variable.mechanism, NonparametricMechanism):
        return variable
    classes = tuple(sites.classes[c.name] for c in model.confounders if c.touches([variable.name]))
    parents = classes + tuple(variable.mechanism.parents)
    sizes = (LATENT_CLASSES,) * len(classes) + tuple(model.variable(p).domain.size for p in variable.mechanism.parents)
    table = _simplex(draw[sites.probs[variable.name]]).reshape(-1, variable.domain.size)
    rows = tuple(tuple(float(p) for p in row) for row in table)
    return replace(variable, mechanism=TableMechanism(parents, sizes, rows, variable.mechanism.span))


def _simplex(probs: torch.Tensor) -> torch.Tensor:
    """Rows renormalised in float64 (draws come in the sampler's dtype)."""
    probs = torch.as_tensor(probs).detach().to("cpu", torch.float64).clamp_min(0.0)
    return probs / probs.sum(-1, keepdim=True)
