"""Run-time checks of a generated program's sites, so that invalid numbers become located user errors.

A mechanism can be valid as written and still get invalid arguments when it
runs: ``Normal(0, Z)`` with ``Z`` able to be negative, ``Bernoulli(Z)``,
``Categorical([Z, 1 - Z])``, a posterior draw of a parameter.  torch would
raise a bare ``ValueError`` from a distribution's constructor, naming
neither the variable nor the unit.  Instead, generated programs run under
:func:`checked_program`: torch's own validation is off while they run and
:class:`SiteChecks` checks every ``pyro.sample`` site itself:

- every argument against its family's constraint (nan breaks every one; an
  infinite argument is allowed, as torch allows it: under NUTS an overflowing
  proposal must be a divergence, not an error);
- an observed value (a data column, or evidence) against the family's support;
- a ``:=`` variable's value for being finite (``sqrt`` of a negative, ``log(0)``).

A failure raises :class:`InvalidSite` -- the site, the argument, the
constraint in words, how many units broke it, the first such unit (its data
row, when the program reads data) and an example value.  The inference stage
turns it into a user error at the mechanism's argument
(:func:`causalppl.inference.messages.invalid_site`).
"""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar
from typing import Any, Callable, Iterator

import pyro
import torch
from pyro.poutine.messenger import Messenger
from pyro.poutine.subsample_messenger import _Subsample
from torch.distributions import constraints as c
from torch.distributions.utils import lazy_property

from causalppl.backends.invalid_site import InvalidSite

UNITS_PLATE = "units"
#: The largest Poisson rate a count is drawn from (its counts stay far below 2**63).
MAX_POISSON_RATE = 1e18

#: Per family, the arguments any invalid value of which (nan, or outside the family's constraint) makes the
#: log density non-finite at every value, with torch's validation off and the other arguments valid.  An
#: unchecked evaluation that gives one of them an invalid value has a non-finite potential, so the test of
#: finiteness that sends an evaluation to the checks (``Likelihood.checked_on_failure``) catches it without
#: torch's validation.  The others do not: a Bernoulli's or a Categorical's probs are clamped into (0, 1), a
#: Gamma's, a Beta's or a Dirichlet's concentration goes through ``lgamma`` (finite for negative numbers), a
#: Poisson's rate through ``xlogy`` (0 at a count of 0), a Binomial's counts likewise; only torch's
#: validation (or the checks) refuses those.  ``tests/backends/test_site_checks.py`` verifies every entry.
NONFINITE_WHEN_INVALID: dict[str, frozenset[str]] = {
    "Normal": frozenset({"loc", "scale"}),
    "LogNormal": frozenset({"loc", "scale"}),
    "StudentT": frozenset({"df", "loc", "scale"}),
    "Cauchy": frozenset({"loc", "scale"}),
    "Laplace": frozenset({"loc", "scale"}),
    "Uniform": frozenset({"low", "high"}),
    "Gamma": frozenset({"rate"}),
    "Exponential": frozenset({"rate"}),
    "HalfNormal": frozenset({"scale"}),
    "HalfCauchy": frozenset({"scale"}),
    "Bernoulli": frozenset({"logits"}),
    "Categorical": frozenset({"logits"}),
}


def checked_program(program: Callable, model: Any = None) -> Callable:
    """``program`` run with :class:`SiteChecks` (torch's argument validation off meanwhile)."""
    @functools.wraps(program)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            with pyro.validation_enabled(False), SiteChecks():
                return program(*args, **kwargs)
        except InvalidSite as problem:
            if problem.model is None:
                problem.model = model
            raise
    run.unchecked = program  # type: ignore[attr-defined]
    return run


#: True while a sampler (NUTS, SVI) runs the program: parameter values are its proposals, and a
#: ``:=`` value that overflows to ±inf is a proposal to reject, not a user error (nan still is one).
_SAMPLING: ContextVar[bool] = ContextVar("causalppl_site_checks_sampling", default=False)
#: False while a sampler re-evaluates rows whose observed values were already checked once.
_CHECK_OBSERVED: ContextVar[bool] = ContextVar("causalppl_site_checks_observed", default=True)


@contextlib.contextmanager
def sampler_proposals(check_observed: bool = True) -> Iterator[None]:
    """Checks as for a sampler's proposals: an infinite ``:=`` value is allowed (the sampler rejects it).

    ``check_observed=False`` skips the observed values: the same rows, already checked on a first evaluation.
    """
    tokens = (_SAMPLING.set(True), _CHECK_OBSERVED.set(check_observed))
    try:
        yield
    finally:
        _CHECK_OBSERVED.reset(tokens[1])
        _SAMPLING.reset(tokens[0])


class SiteChecks(Messenger):
    """Checks each sample site's arguments, observed value and deterministic value; raises :class:`InvalidSite`."""

    def __init__(self) -> None:
        super().__init__()
        self.units: torch.Tensor | None = None  # rows of the current (sub)sample of the units plate

    def _pyro_post_sample(self, msg: dict) -> None:
        if msg["name"] == UNITS_PLATE and isinstance(msg["fn"], _Subsample):
            self.units = msg["value"]

    def _pyro_sample(self, msg: dict) -> None:
        fn = msg["fn"]
        if isinstance(fn, _Subsample):
            return
        in_plate = any(frame.name == UNITS_PLATE for frame in msg["cond_indep_stack"])
        mask = msg["mask"] if isinstance(msg["mask"], torch.Tensor) else None
        if msg["infer"].get("_deterministic"):
            value = msg["value"]
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                valid = ~torch.isnan(value) if _SAMPLING.get() else torch.isfinite(value)
                self._require(msg["name"], "value", ":=", "a finite number", valid, value, in_plate, mask)
            return
        family = _family_name(fn)
        for layer in _layers(fn):
            for name, constraint in _argument_constraints(layer):
                value = getattr(layer, name)
                if not isinstance(value, torch.Tensor) or not value.is_floating_point():
                    continue
                event_dim = constraint.event_dim
                # the family's own constraint, as torch checks it (nan breaks every one); an infinite
                # argument is left to the sampler, for which an overflowing proposal is a divergence
                valid = constraint.check(value)
                boundary = _on_boundary(constraint, value) if _SAMPLING.get() else None
                if boundary is not None:  # a proposal that under- or overflows onto a bound (a scale of
                    valid = torch.logical_or(valid, boundary)  # exp(-800) = 0) is a divergence too
                self._require(msg["name"], name, family, describe(constraint), valid, value, in_plate, mask,
                              event_dim)
            if family == "Uniform" and layer is fn:
                self._require(msg["name"], "low", family, "below high", fn.low < fn.high, fn.low, in_plate, mask)
        if family == "Poisson" and not msg["is_observed"]:  # a drawn count must fit the 64-bit integers it becomes
            rate = _layers(fn)[-1].rate
            self._require(msg["name"], "rate", family, f"at most {MAX_POISSON_RATE:g} (a count drawn from it must "
                          "fit a 64-bit integer)", ~(rate > MAX_POISSON_RATE), rate, in_plate, mask)
        # Observed values: a sampler evaluating the same rows at every step checks them on its first evaluation.
        if msg["is_observed"] and isinstance(msg["value"], torch.Tensor) and _CHECK_OBSERVED.get():
            support = fn.support
            value = msg["value"]
            checked = value.to(torch.get_default_dtype()) if not value.is_floating_point() else value
            valid = support.check(checked)
            if checked.is_floating_point():
                finite = torch.isfinite(checked)
                for _ in range(support.event_dim):
                    finite = finite.all(-1)
                valid = valid & finite
            self._require(msg["name"], "value", family, describe(support), valid, checked, in_plate, mask,
                          support.event_dim, observed=True)

    def _require(self, site: str, what: str, family: str, requirement: str, valid: torch.Tensor,
                 value: torch.Tensor, in_plate: bool, mask: torch.Tensor | None, event_dim: int = 0,
                 observed: bool = False) -> None:
        if not isinstance(valid, torch.Tensor):
            return
        bad = ~valid
        if mask is not None:
            bad = bad & mask.to(torch.bool)
        if not bool(bad.any()):
            return
        count, total = int(bad.sum()), bad.numel()
        unit = None
        position = bad.nonzero()[0] if bad.dim() else None
        if in_plate and position is not None and bad.shape[-1] > 1:
            unit = int(position[-1])
            total = bad.shape[-1]
            count = int(bad.reshape(-1, bad.shape[-1]).any(0).sum())
            if self.units is not None and self.units.numel() == bad.shape[-1]:
                unit = int(self.units[unit])
        raise InvalidSite(site, what, family, requirement, count, total, _example(value, bad, event_dim),
                          unit, observed)


def _on_boundary(constraint: c.Constraint, value: torch.Tensor) -> torch.Tensor | None:
    """Values equal to a bound of an interval-like constraint (the limit of valid values), or None without bounds."""
    base = getattr(constraint, "base_constraint", constraint)  # independent(...) wraps the elementwise one
    limits = [limit for limit in (getattr(base, "lower_bound", None), getattr(base, "upper_bound", None))
              if isinstance(limit, (int, float, torch.Tensor))]
    if not limits:
        return None
    found = torch.zeros_like(value, dtype=torch.bool)  # tensors throughout: the JIT traces this
    for limit in limits:
        found = torch.logical_or(found, value == limit)
    for _ in range(constraint.event_dim):
        found = found.all(-1)
    return found


def _layers(fn: Any) -> list[Any]:
    """The distribution and those it wraps (``expand``, ``to_event``, ``mask``), outermost first."""
    layers = [fn]
    while hasattr(layers[-1], "base_dist") and len(layers) < 8:
        layers.append(layers[-1].base_dist)
    return layers


def _family_name(fn: Any) -> str:
    layers = _layers(fn)
    wrappers = {"Independent", "ExpandedDistribution", "MaskedDistribution", "ScaledDistribution"}
    for layer in layers:
        if type(layer).__name__ not in wrappers:
            return type(layer).__name__
    return type(layers[-1]).__name__


def _argument_constraints(layer: Any) -> list[tuple[str, c.Constraint]]:
    """The arguments a distribution object holds (lazily computed ones skipped, as torch does)."""
    try:
        found = layer.arg_constraints
    except NotImplementedError:
        return []
    return [(name, constraint) for name, constraint in found.items()
            if not c.is_dependent(constraint)
            and (name in layer.__dict__ or not isinstance(getattr(type(layer), name, None), lazy_property))]


def describe(constraint: c.Constraint) -> str:
    """A constraint in words, for messages."""
    if isinstance(constraint, c.independent):
        return describe(constraint.base_constraint)
    if isinstance(constraint, c._GreaterThan):
        return "positive" if _is_zero(constraint.lower_bound) else f"greater than {_n(constraint.lower_bound)}"
    if isinstance(constraint, c._GreaterThanEq):
        return f"at least {_n(constraint.lower_bound)}"
    if isinstance(constraint, c._LessThan):
        return f"less than {_n(constraint.upper_bound)}"
    if isinstance(constraint, c._Interval):
        return f"between {_n(constraint.lower_bound)} and {_n(constraint.upper_bound)}"
    if isinstance(constraint, c._HalfOpenInterval):
        return f"in [{_n(constraint.lower_bound)}, {_n(constraint.upper_bound)})"
    if isinstance(constraint, c._IntegerGreaterThan):
        return "a whole number ≥ " + _n(constraint.lower_bound)
    if isinstance(constraint, c._IntegerInterval):
        return f"a whole number from {_n(constraint.lower_bound)} to {_n(constraint.upper_bound)}"
    if isinstance(constraint, c._Simplex):
        return "probabilities that are not negative and not all zero"
    if isinstance(constraint, c._Boolean):
        return "0 or 1"
    if isinstance(constraint, c._Real):
        return "a finite number"
    return str(constraint)


def _is_zero(bound: Any) -> bool:
    return bool((torch.as_tensor(bound) == 0).all())


def _example(value: torch.Tensor, bad: torch.Tensor, event_dim: int) -> str:
    value, bad = value.detach(), bad.detach()
    try:
        expanded = value.expand(bad.shape + value.shape[value.dim() - event_dim:]) if event_dim else \
            value.expand(bad.shape)
        picked = expanded[bad][0]
    except RuntimeError:
        picked = value.reshape(-1)[0]
    if picked.dim() == 0:
        return _n(float(picked))
    return "[" + ", ".join(_n(float(v)) for v in picked.reshape(-1)[:6]) + (", ..." if picked.numel() > 6 else "") + "]"


def _n(value: Any) -> str:
    if isinstance(value, torch.Tensor) and value.numel() != 1:
        distinct = torch.unique(value.detach()) if value.numel() else value
        if distinct.numel() != 1:
            return "a bound that varies by unit"
        value = distinct
    value = float(value)
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"


__all__ = ["InvalidSite", "SiteChecks", "checked_program", "describe", "sampler_proposals"]
