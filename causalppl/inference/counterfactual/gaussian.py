"""Exact abduction for linear-Gaussian models: the Gaussian posterior of the noise given evidence.

Applies when every noise site is a standard Normal, every mechanism is
``Normal(affine in parents, scale free of variables)``, deterministic and
affine, or a constant, parameters are fixed, and all evidence is ``=``.
Every variable of every world is then ``b + A u`` with ``u ~ N(0, I)``;
conditioning on ``A_O u = x_O - b_O`` gives the exact posterior
``N(K r, I - K A_O)`` with ``K = A_O^T (A_O A_O^T)^+``.  ``A`` and ``b`` are
read off by evaluating the structural equations at ``u = 0`` and at each
unit vector (exact, since the map is affine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import torch

from causalppl.backends import structural
from causalppl.inference.counterfactual.abduction import ImpossibleEvidence, Observation
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import (
    ConstantMechanism,
    Coupled,
    Covariate,
    Deterministic,
    NoiseSource,
)
from causalppl.ir.model import CausalModel

CONSISTENCY_TOLERANCE = 1e-7
RANK_TOLERANCE = 1e-10
ROUNDING = 1e-10  # relative posterior variance treated as zero (the evidence pins it)


@dataclass(frozen=True)
class GaussianPosterior:
    """The exact posterior of the noise vector, and the affine map from noise to every variable."""

    sites: tuple[str, ...]
    mean: torch.Tensor  # (m,)
    covariance: torch.Tensor  # (m, m)
    model: CausalModel
    params: Mapping[str, torch.Tensor]

    def values_at(self, noise: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every variable at a batch of noise vectors ``(n, m)``."""
        return evaluate_at(self.model, self.sites, noise, self.params)

    def moments(self, function: Callable[[Mapping[str, torch.Tensor]], torch.Tensor]) -> tuple[float, float]:
        """Posterior mean and standard deviation of a function that is affine in the variables."""
        m = len(self.sites)
        points = self.mean.unsqueeze(0) + torch.cat([torch.zeros(1, m, dtype=self.mean.dtype),
                                                      torch.eye(m, dtype=self.mean.dtype)])
        values = function(self.values_at(points)).expand(m + 1)
        gradient = values[1:] - values[0]
        variance = float(gradient @ self.covariance @ gradient)
        scale = float(gradient @ gradient)
        return float(values[0]), (variance if variance > ROUNDING * scale else 0.0) ** 0.5

    def sample(self, n: int) -> dict[str, torch.Tensor]:
        """``n`` exact posterior draws of every variable."""
        eigenvalues, vectors = torch.linalg.eigh(self.covariance)
        root = vectors * torch.where(eigenvalues > ROUNDING, eigenvalues, 0.0).sqrt()
        z = torch.randn(n, len(self.sites), dtype=self.mean.dtype)
        return self.values_at(self.mean + z @ root.T)


def linear_gaussian_posterior(model: CausalModel, observations: tuple[Observation, ...],
                              params: Mapping[str, torch.Tensor]) -> GaussianPosterior | None:
    """The exact posterior, or None when the model or evidence is not linear-Gaussian."""
    if not is_linear_gaussian(model) or any(o.op != "=" for o in observations):
        return None
    system = affine_system(model, tuple(o.name for o in observations), params)
    target = torch.tensor([float(o.value) for o in observations], dtype=system.matrix.dtype)
    conditioned = condition_rows(system, target.unsqueeze(0))
    if not bool(conditioned.consistent[0]):
        raise ImpossibleEvidence("the evidence contradicts the model's equations (probability zero)")
    return GaussianPosterior(system.sites, conditioned.means[0], conditioned.covariance, model, params)


@dataclass(frozen=True)
class AffineSystem:
    """The observed variables as ``offset + matrix @ u`` over the noise sites ``u ~ N(0, I)``."""

    sites: tuple[str, ...]
    offset: torch.Tensor  # (k,)
    matrix: torch.Tensor  # (k, m)


@dataclass(frozen=True)
class ConditionedRows:
    """The posterior of the noise for many rows of evidence at once: the covariance is the same for all."""

    means: torch.Tensor  # (B, m)
    covariance: torch.Tensor  # (m, m)
    consistent: torch.Tensor  # (B,) bool: False where a row's evidence contradicts the equations


def affine_system(model: CausalModel, names: tuple[str, ...], params: Mapping[str, torch.Tensor]) -> AffineSystem:
    """``names`` as affine functions of the noise, read off at ``u = 0`` and each unit vector (exact)."""
    sites = tuple(v.name for v in model.model_variables if isinstance(v.mechanism, NoiseSource))
    m = len(sites)
    basis = torch.cat([torch.zeros(1, m), torch.eye(m)]).to(torch.get_default_dtype())
    values = evaluate_at(model, sites, basis, params)
    offset = torch.stack([values[name][0] for name in names]) if names else torch.zeros(0, dtype=basis.dtype)
    rows = torch.stack([values[name][1:] - values[name][0] for name in names]) if names \
        else torch.zeros(0, m, dtype=basis.dtype)
    return AffineSystem(sites, offset.to(basis.dtype), rows.to(basis.dtype))


def condition_rows(system: AffineSystem, values: torch.Tensor) -> ConditionedRows:
    """Condition ``u ~ N(0, I)`` on ``matrix @ u = values[b] - offset`` for every row ``b`` in one solve.

    By SVD the posterior is the prior projected onto the solutions: the mean
    is the minimum-norm solution (one matrix product for all rows), the
    covariance the projector on the null space, the same for every row.
    """
    rows, m = system.matrix, len(system.sites)
    identity = torch.eye(m, dtype=rows.dtype)
    n = values.shape[0]
    if rows.shape[0] == 0:
        return ConditionedRows(torch.zeros(n, m, dtype=rows.dtype), identity, torch.ones(n, dtype=torch.bool))
    target = values.to(rows.dtype) - system.offset
    left, singular, right_t = torch.linalg.svd(rows, full_matrices=False)
    rank = int((singular > RANK_TOLERANCE * float(singular.max())).sum()) if singular.numel() else 0
    basis = right_t[:rank].T  # (m, rank): the directions the evidence pins
    solve = (left[:, :rank] / singular[:rank]) @ basis.T  # (k, m): the minimum-norm solution operator
    means = target @ solve
    residual = (means @ rows.T - target).abs().amax(dim=1)
    consistent = residual <= CONSISTENCY_TOLERANCE * (1 + target.abs().amax(dim=1))
    return ConditionedRows(means, identity - basis @ basis.T, consistent)


def evaluate_at(model: CausalModel, sites: tuple[str, ...], noise: torch.Tensor,
                params: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    n = noise.shape[0]
    env: dict[str, torch.Tensor] = dict(params)
    env.update({site: noise[:, i] for i, site in enumerate(sites)})
    for variable in model.model_variables:
        if not isinstance(variable.mechanism, NoiseSource):
            env[variable.name] = structural.value_of(variable, env, n)
    return env


def is_linear_gaussian(model: CausalModel) -> bool:
    if any(p.mechanism is not None for p in model.parameters):
        return False
    return all(_linear_gaussian_variable(v.mechanism) for v in model.model_variables)


def _linear_gaussian_variable(mechanism) -> bool:
    if isinstance(mechanism, NoiseSource):
        return mechanism.law == "Normal"
    if isinstance(mechanism, (ConstantMechanism, Covariate)):  # a covariate's value is given with the parameters
        return True
    if isinstance(mechanism, Deterministic):
        return is_affine(mechanism.expr)
    if isinstance(mechanism, Coupled) and mechanism.family == "Normal":
        loc, scale = mechanism.base.argument("loc"), mechanism.base.argument("scale")
        return is_affine(loc) and not rx.variables_in(scale)
    return False


def is_affine(expr: rx.Expr) -> bool:
    """True when ``expr`` is affine in the variables (and potential outcomes) it reads."""
    if not _reads_variables(expr):
        return True
    if isinstance(expr, (rx.VarRef, rx.CounterfactualRef)):
        return True
    if isinstance(expr, rx.Unary):
        return expr.op == "-" and is_affine(expr.operand)
    if isinstance(expr, rx.Binary):
        if expr.op in ("+", "-"):
            return is_affine(expr.left) and is_affine(expr.right)
        if expr.op == "*":
            return (not _reads_variables(expr.left) and is_affine(expr.right)) or \
                (not _reads_variables(expr.right) and is_affine(expr.left))
        if expr.op == "/":
            return not _reads_variables(expr.right) and is_affine(expr.left)
    return False


def _reads_variables(expr: rx.Expr) -> bool:
    return any(isinstance(node, (rx.VarRef, rx.CounterfactualRef)) for node in rx.walk(expr))
