"""Regressions on typed columns, fitted for a batch of row-weight vectors in one solve.

A :class:`Design` turns columns into a feature matrix: an intercept, each
real column standardised, each finite column one-hot (its first level the
reference), and -- for the names in ``interact`` -- the product of each of
their features with each other feature (a fully interacted model: with a
binary treatment, one regression per arm).

Fits take a weight matrix ``W`` of shape ``(B, n)``: one row of weights per
fit.  The point fit uses the data's own weights (``B = 1``); the Bayesian
bootstrap's draws are Dirichlet weights (Newton & Raftery's weighted
likelihood bootstrap: each draw maximises a randomly weighted likelihood,
which approximates a posterior draw without assuming the model's noise
law).  Every fit is batched over ``B``: normal equations for least squares,
Newton's method for the multinomial logit, with a tiny ridge that keeps
separated data finite.

>>> import torch
>>> x = torch.linspace(-1, 1, 50, dtype=torch.float64)
>>> design = Design.of({"x": x}, {"x": None}, ("x",))
>>> X = design.matrix({"x": x})
>>> beta = least_squares(X, 1 + 2 * x, torch.ones(1, 50, dtype=torch.float64) / 50)
>>> [round(float(b), 6) for b in (X @ beta[0])[[0, -1]]]
[-1.0, 3.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

DTYPE = torch.float64
MEMORY_BUDGET = 256 * 2**20  # bytes for one batch's (B, n, p) intermediate
LS_RIDGE = 1e-9
LOGIT_RIDGE = 1e-6
NEWTON_STEPS = 50
NEWTON_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Feature:
    """One column's features: a standardised real column, or the one-hot levels 1.. of a finite one."""

    name: str
    levels: int | None  # None: real
    center: float = 0.0
    scale: float = 1.0

    @property
    def width(self) -> int:
        return 1 if self.levels is None else self.levels - 1

    def columns(self, values: torch.Tensor) -> torch.Tensor:
        values = torch.as_tensor(values)
        if self.levels is None:
            return ((values.to(DTYPE) - self.center) / self.scale).unsqueeze(-1)
        positions = values.long()
        return torch.stack([(positions == level).to(DTYPE) for level in range(1, self.levels)], dim=-1)


@dataclass(frozen=True)
class Design:
    """Intercept, main effects, and the interactions of ``interact`` with every other feature."""

    features: tuple[Feature, ...]
    interact: tuple[str, ...] = ()

    @staticmethod
    def of(columns: Mapping[str, torch.Tensor], levels: Mapping[str, int | None], names: tuple[str, ...],
           interact: tuple[str, ...] = (), weights: torch.Tensor | None = None) -> "Design":
        """A design over ``names`` (``levels[name]``: number of levels, None for real), scaled on ``columns``."""
        features = []
        for name in names:
            if levels[name] is not None:
                features.append(Feature(name, int(levels[name])))
                continue
            values = torch.as_tensor(columns[name]).to(DTYPE)
            w = torch.ones_like(values) if weights is None else torch.as_tensor(weights, dtype=DTYPE)
            mean = float((w * values).sum() / w.sum())
            sd = float(((w * (values - mean) ** 2).sum() / w.sum()).sqrt())
            features.append(Feature(name, None, mean, sd if sd > 0 else 1.0))
        return Design(tuple(features), tuple(name for name in interact if name in names))

    @property
    def width(self) -> int:
        main = sum(f.width for f in self.features)
        inter = sum(f.width for f in self.features if f.name in self.interact)
        other = main - inter
        return 1 + main + inter * other

    def matrix(self, columns: Mapping[str, torch.Tensor], rows: int | None = None) -> torch.Tensor:
        """``(n, width)`` features of the rows in ``columns`` (which may set a treatment to one value).

        ``rows`` gives ``n`` where no column does (a design of the intercept alone, over no columns).
        """
        blocks = {f.name: f.columns(columns[f.name]) for f in self.features}
        n = next(iter(blocks.values())).shape[0] if blocks else (_rows(columns) if columns else rows)
        if n is None:
            raise ValueError("a design over no columns needs the number of rows")
        parts = [torch.ones(n, 1, dtype=DTYPE)] + [blocks[f.name] for f in self.features]
        others = [blocks[f.name] for f in self.features if f.name not in self.interact]
        for name in self.interact:
            for other in others:
                parts.append((blocks[name].unsqueeze(-1) * other.unsqueeze(-2)).reshape(n, -1))
        return torch.cat(parts, dim=-1)


def _rows(columns: Mapping[str, torch.Tensor]) -> int:
    return int(torch.as_tensor(next(iter(columns.values()))).shape[0])


def batch_size(n: int, p: int, k: int = 1) -> int:
    """How many weight vectors one batched fit may take within :data:`MEMORY_BUDGET`."""
    return max(1, MEMORY_BUDGET // max(1, n * p * k * 8))


def least_squares(X: torch.Tensor, y: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """Weighted least squares for each row of ``W`` (B, n): coefficients (B, p)."""
    X, y, W = X.to(DTYPE), y.to(DTYPE), W.to(DTYPE)
    weighted = W.unsqueeze(-1) * X  # (B, n, p)
    gram = weighted.transpose(1, 2) @ X  # (B, p, p)
    gram = gram + LS_RIDGE * W.sum(-1)[:, None, None] * torch.eye(X.shape[1], dtype=DTYPE)
    rhs = weighted.transpose(1, 2) @ y  # (B, p)
    return torch.linalg.solve(gram, rhs)


def multinomial_logit(X: torch.Tensor, y: torch.Tensor, k: int, W: torch.Tensor) -> torch.Tensor:
    """Weighted multinomial logistic regression (level 0 the reference) per row of ``W``: (B, p, k - 1).

    Newton's method on the ridge-penalised log-likelihood, all fits at once;
    with ``k = 2`` it is logistic regression.
    """
    X, W = X.to(DTYPE), W.to(DTYPE)
    B, (n, p) = W.shape[0], X.shape
    onehot = torch.nn.functional.one_hot(torch.as_tensor(y).long(), k).to(DTYPE)[:, 1:]  # (n, k-1)
    theta = torch.zeros(B, p, k - 1, dtype=DTYPE)
    eye = torch.eye(p * (k - 1), dtype=DTYPE)
    ridge = LOGIT_RIDGE * W.sum(-1)[:, None, None]
    for _ in range(NEWTON_STEPS):
        probs = _upper_probs(X, theta)  # (B, n, k-1)
        gradient = torch.einsum("np,bn,bnc->bpc", X, W, onehot - probs) - ridge * theta
        hessian = torch.zeros(B, p, k - 1, p, k - 1, dtype=DTYPE)
        for c in range(k - 1):
            for d in range(k - 1):
                curvature = probs[..., c] * ((1.0 if c == d else 0.0) - probs[..., d])  # (B, n)
                hessian[:, :, c, :, d] = (W * curvature).unsqueeze(-1).mul(X).transpose(1, 2) @ X
        flat = hessian.reshape(B, p * (k - 1), p * (k - 1)) + ridge * eye
        step = torch.linalg.solve(flat, gradient.reshape(B, -1)).reshape(B, p, k - 1)
        theta = theta + step
        if float(step.abs().max()) < NEWTON_TOLERANCE:
            break
    return theta


def _upper_probs(X: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """P(level c | features) for the levels c = 1..k-1: (B, n, k-1)."""
    logits = torch.einsum("np,bpc->bnc", X, theta)
    if logits.shape[-1] == 1:  # binary: a sigmoid (softmax over a last axis of 2 is slow)
        return torch.sigmoid(logits)
    shift = logits.clamp(min=0.0).amax(dim=-1, keepdim=True)  # the reference level's logit is 0
    exp = torch.exp(logits - shift)
    return exp / (torch.exp(-shift) + exp.sum(dim=-1, keepdim=True))


def _probs(X: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    upper = _upper_probs(X, theta)
    return torch.cat([1.0 - upper.sum(-1, keepdim=True), upper], dim=-1)


def class_probabilities(X: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """P(level | features) under each fit: (B, n, k)."""
    return _probs(X.to(DTYPE), theta)


def logistic_mean(X: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """P(y = 1 | features) of a binary fit: (B, n)."""
    return _upper_probs(X.to(DTYPE), theta)[..., 0]




# ------------------------------------------------------------- Bayesian fits ----


@dataclass(frozen=True)
class GaussianPosterior:
    """The exact posterior of a linear regression with flat priors on (beta, log sigma) (Gelman et al., BDA 14.2).

    ``beta | sigma^2 ~ N(beta_hat, sigma^2 (X'CX)^-1)`` and ``sigma^2 ~ Inv-chi^2(nu, s^2)`` with
    ``nu = sum(c) - p`` for frequency weights ``c``.
    """

    beta_hat: torch.Tensor  # (p,)
    chol: torch.Tensor  # (p, p) Cholesky factor of (X'CX)^-1
    s2: float
    nu: float

    @staticmethod
    def fit(X: torch.Tensor, y: torch.Tensor, counts: torch.Tensor) -> "GaussianPosterior":
        X, y, c = X.to(DTYPE), y.to(DTYPE), counts.to(DTYPE)
        total = float(c.sum())
        beta = least_squares(X, y, (c / total).unsqueeze(0))[0]
        gram = (c.unsqueeze(-1) * X).T @ X + LS_RIDGE * total * torch.eye(X.shape[1], dtype=DTYPE)
        nu = max(total - X.shape[1], 1.0)
        s2 = float((c * (y - X @ beta) ** 2).sum()) / nu
        return GaussianPosterior(beta, torch.linalg.cholesky(torch.linalg.inv(gram)), s2, nu)

    def draws(self, size: int, rng: np.random.Generator) -> torch.Tensor:
        """``size`` posterior draws of the coefficients: (size, p)."""
        sigma2 = torch.from_numpy(self.nu * self.s2 / rng.chisquare(self.nu, size))
        z = torch.from_numpy(rng.standard_normal((size, self.beta_hat.shape[0])))
        return self.beta_hat + sigma2.sqrt().unsqueeze(-1) * (z @ self.chol.T)


@dataclass(frozen=True)
class LogisticPosterior:
    """A logistic regression's posterior by the Laplace approximation: N(theta_hat, H^-1) at the MLE."""

    theta_hat: torch.Tensor  # (p,)
    chol: torch.Tensor  # (p, p) Cholesky factor of H^-1

    @staticmethod
    def fit(X: torch.Tensor, y: torch.Tensor, counts: torch.Tensor) -> "LogisticPosterior":
        X, c = X.to(DTYPE), counts.to(DTYPE)
        total = float(c.sum())
        theta = multinomial_logit(X, y, 2, (c / total).unsqueeze(0))[0, :, 0]
        p = torch.sigmoid(X @ theta)
        hessian = ((c * p * (1 - p)).unsqueeze(-1) * X).T @ X
        hessian = hessian + LOGIT_RIDGE * total * torch.eye(X.shape[1], dtype=DTYPE)
        return LogisticPosterior(theta, torch.linalg.cholesky(torch.linalg.inv(hessian)))

    def draws(self, size: int, rng: np.random.Generator) -> torch.Tensor:
        """``size`` draws of the coefficients, shaped like a batch of fits: (size, p, 1)."""
        z = torch.from_numpy(rng.standard_normal((size, self.theta_hat.shape[0])))
        return (self.theta_hat + z @ self.chol.T).unsqueeze(-1)


__all__ = ["Feature", "Design", "least_squares", "multinomial_logit", "class_probabilities", "logistic_mean",
           "GaussianPosterior", "LogisticPosterior",
           "batch_size"]
