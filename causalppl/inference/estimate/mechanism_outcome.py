"""The outcome's own mechanism, as written, for the g-formula's Bayesian outcome model.

When the model writes the outcome's mechanism -- ``Y ~ Normal(b0 + tau * X
+ b * Z, sigma)`` with priors on its parameters -- and the outcome's other
parents (with the leaf's evidence) are a back-door set for the treatment,
``E[Y | do(x)] = E_Z[mean of Y's law at (x, Z)]``: the g-formula needs only
the posterior of the mechanism's parameters given the rows' Y and parents,
not a default regression.  That posterior is approximated by Laplace's
method: the mode of the log posterior (priors as written, the mechanism's
likelihood of every row, rows weighted by their counts) found by Newton's
method in a trust region in Pyro's unconstrained space, and a Gaussian with the inverse Hessian there.

Families whose mean the g-formula takes: Normal, StudentT and Laplace (the
location), Bernoulli (the probability), Poisson (the rate), LogNormal
(``exp(loc + scale^2 / 2)``).  Vector parameters are not supported here
(the default regression is used instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import pyro
import pyro.distributions as dist
import torch
from pyro import poutine
from scipy.optimize import minimize
from pyro.infer.autoguide.initialization import init_to_median
from pyro.infer.mcmc.util import initialize_model

from causalppl.backends import runtime as rt
from causalppl.backends.tensor_eval import evaluate
from causalppl.identification import ADMG
from causalppl.inference.messages import query_error
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import Parametric
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import ExpectationSpec

Args = Mapping[str, torch.Tensor]

MEANS: dict[str, Callable[[Args], torch.Tensor]] = {
    "Normal": lambda a: a["loc"],
    "StudentT": lambda a: a.get("loc", torch.tensor(0.0, dtype=torch.float64)),
    "Laplace": lambda a: a["loc"],
    "Bernoulli": lambda a: a["probs"] if "probs" in a else torch.sigmoid(a["logits"]),
    "Poisson": lambda a: a["rate"],
    "LogNormal": lambda a: torch.exp(a["loc"] + a["scale"] ** 2 / 2),
}


@dataclass(frozen=True)
class MechanismOutcome:
    """Y's written mechanism and the parameters it reads (with their priors' parameters), in model order."""

    variable: str
    mechanism: Parametric
    parameters: tuple[str, ...]

    def describe(self) -> str:
        arguments = ", ".join(f"{name}={rx.to_text(expr)}" for name, expr in self.mechanism.arguments)
        return f"{self.variable} ~ {self.mechanism.family}({arguments}), as written (Laplace posterior)"


def mechanism_outcome(model: CausalModel, admg: ADMG, leaf, treatments: frozenset[str]) -> MechanismOutcome | None:
    """The leaf's outcome mechanism when the g-formula can use it as written, else None."""
    if not isinstance(leaf, ExpectationSpec) or not isinstance(leaf.expr, rx.VarRef) or not treatments:
        return None
    name = leaf.expr.name
    mechanism = model.variable(name).mechanism
    if not isinstance(mechanism, Parametric) or mechanism.family not in MEANS:
        return None
    if any(c.touches([name]) for c in model.confounders) or name not in admg.nodes:
        return None
    parents = set(mechanism.parents)
    if not parents <= set(admg.nodes):
        return None
    evidence = {event.outcome.variable for event in leaf.evidence}
    adjustment = (parents - treatments) | evidence
    if adjustment & admg.descendants(treatments):
        return None
    if not admg.remove_outgoing(treatments).is_d_separated(treatments, {name}, adjustment):
        return None
    parameters = _parameters(model, mechanism.parameters)
    if parameters is None:
        return None
    return MechanismOutcome(name, mechanism, parameters)


def _parameters(model: CausalModel, direct: tuple[str, ...]) -> tuple[str, ...] | None:
    needed, frontier = set(), list(direct)
    while frontier:
        name = frontier.pop()
        if name in needed:
            continue
        variable = model.variable(name)
        if variable.size is not None:
            return None
        needed.add(name)
        frontier += list(variable.parameters)
    return tuple(v.name for v in model.parameters if v.name in needed)


@dataclass(frozen=True, eq=False)
class LaplacePosterior:
    """Gaussian approximation of the mechanism's parameters' posterior, in Pyro's unconstrained space."""

    outcome: MechanismOutcome
    model: CausalModel
    names: tuple[str, ...]  # sampled parameters
    shapes: tuple[torch.Size, ...]
    mode: torch.Tensor  # (d,)
    chol: torch.Tensor  # (d, d)
    transforms: dict

    @staticmethod
    def fit(model: CausalModel, outcome: MechanismOutcome, columns: Mapping[str, torch.Tensor],
            weights: torch.Tensor, span) -> "LaplacePosterior":
        with rt.default_dtype(torch.float64):
            program = _program(model, outcome, columns, weights)
            init, potential_fn, transforms, _ = initialize_model(program, init_strategy=init_to_median)
            names = tuple(sorted(init))
            shapes = tuple(init[n].shape for n in names)
            if not names:  # the mechanism has no unknown parameters: its law is known, nothing to fit
                return LaplacePosterior(outcome, model, (), (), torch.zeros(0, dtype=torch.float64),
                                        torch.zeros(0, 0, dtype=torch.float64), dict(transforms))
            start = torch.cat([init[n].reshape(-1).to(torch.float64) for n in names])

            def potential(flat: torch.Tensor) -> torch.Tensor:
                return potential_fn(_unflatten(flat, names, shapes))

            def value_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
                flat = torch.from_numpy(x).requires_grad_(True)
                try:
                    value = potential(flat)
                except ValueError:  # a trial step out of the laws' support (a scale underflowing to 0)
                    return float("inf"), np.zeros_like(x)
                (gradient,) = torch.autograd.grad(value, flat)
                if not torch.isfinite(value) or not bool(torch.isfinite(gradient).all()):
                    return float("inf"), np.zeros_like(x)
                return float(value.detach()), gradient.numpy().astype(np.float64)

            def hessian_of(x: np.ndarray) -> np.ndarray:
                return torch.autograd.functional.hessian(potential, torch.from_numpy(x), vectorize=True).numpy()

            # Newton's method in a trust region (few parameters: exact Hessians are cheap, and scale-free where
            # quasi-Newton methods crawl on badly scaled regressions); torch.optim would also import the compiler
            found = minimize(value_and_gradient, start.numpy(), jac=True, hess=hessian_of, method="trust-exact",
                             options={"maxiter": 500, "gtol": 1e-8, "initial_trust_radius": 1e3,
                                      "max_trust_radius": 1e12})
            mode = torch.from_numpy(found.x)
            hessian = torch.autograd.functional.hessian(potential, mode)
            try:
                chol = torch.linalg.cholesky(torch.linalg.inv((hessian + hessian.T) / 2))
            except RuntimeError:
                raise query_error(span, f"the posterior of {outcome.variable}'s mechanism has no proper mode (its "
                                        "parameters are not determined by the data)",
                                  "give the parameters proper priors, or write the outcome nonparametrically") from None
        return LaplacePosterior(outcome, model, names, shapes, mode, chol, dict(transforms))

    def parameter_draws(self, size: int | None, rng: np.random.Generator | None) -> dict[str, torch.Tensor]:
        """Constrained parameter values, each with a leading axis: the mode (size None) or ``size`` draws."""
        if size is None:
            flat = self.mode.unsqueeze(0)
        else:
            z = torch.from_numpy(rng.standard_normal((size, self.mode.shape[0])))
            flat = self.mode + z @ self.chol.T
        values = {}
        offset = 0
        for name, shape in zip(self.names, self.shapes):
            width = int(torch.tensor(shape).prod()) if len(shape) else 1
            raw = flat[:, offset:offset + width].reshape((flat.shape[0],) + tuple(shape))
            values[name] = self.transforms[name](raw) if name in self.transforms else raw
            offset += width
        return values

    def means(self, columns: Mapping[str, torch.Tensor], draws: dict[str, torch.Tensor]) -> torch.Tensor:
        """The mean of Y's law on every row under each set of parameter values (``parameter_draws``): (b, n)."""
        with rt.default_dtype(torch.float64):
            env = {name: value.unsqueeze(-1) for name, value in draws.items()}
            env = _fixed_parameters(self.model, self.outcome.parameters, env)
            env.update({name: value.to(torch.float64) for name, value in columns.items()})
            args = {name: evaluate(expr, env) for name, expr in self.outcome.mechanism.arguments}
            mean = MEANS[self.outcome.mechanism.family](args)
        n = next(iter(columns.values())).shape[0]
        return torch.broadcast_to(mean, (next(iter(draws.values())).shape[0] if draws else 1, n))


def _fixed_parameters(model: CausalModel, names: tuple[str, ...], env: dict) -> dict:
    for name in names:
        variable = model.variable(name)
        if name not in env and variable.mechanism is None:
            env[name] = evaluate(variable.fixed_value, env)
    return env


def _program(model: CausalModel, outcome: MechanismOutcome, columns: Mapping[str, torch.Tensor],
             weights: torch.Tensor):
    observed = columns[outcome.variable].to(torch.float64)
    data = {name: value.to(torch.float64) for name, value in columns.items()}
    family = getattr(dist, outcome.mechanism.family)
    n = observed.shape[0]

    def program():
        env: dict[str, torch.Tensor] = {}
        for name in outcome.parameters:
            variable = model.variable(name)
            if variable.mechanism is None:
                env[name] = evaluate(variable.fixed_value, env)
                continue
            prior = variable.mechanism
            arguments = {arg: evaluate(expr, env) for arg, expr in prior.arguments}
            env[name] = pyro.sample(name, getattr(dist, prior.family)(**arguments))
        arguments = {arg: evaluate(expr, {**env, **data}) for arg, expr in outcome.mechanism.arguments}
        with pyro.plate("units", n), poutine.scale(scale=weights.to(torch.float64)):
            pyro.sample("outcome", family(**arguments), obs=observed)

    return program


def _unflatten(flat: torch.Tensor, names, shapes) -> dict[str, torch.Tensor]:
    values, offset = {}, 0
    for name, shape in zip(names, shapes):
        width = int(torch.tensor(shape).prod()) if len(shape) else 1
        values[name] = flat[offset:offset + width].reshape(shape)
        offset += width
    return values


__all__ = ["MechanismOutcome", "LaplacePosterior", "mechanism_outcome", "MEANS"]
