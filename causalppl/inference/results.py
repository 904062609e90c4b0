"""The answer to one query, in the shape the spec's JSON output fixes; and estimates with their error.

:class:`Estimate` carries a value and the variance of its Monte Carlo error
through the query's arithmetic (independent leaves; the delta method for
products and ratios), so ``fold_term(query.term, leaf)`` combines leaf
estimates directly.

>>> a, b = Estimate(0.5, 0.01), Estimate(0.25, 0.0)
>>> (a - b).value, round((a - b).variance, 6)
(0.25, 0.01)
>>> (a / b).value
2.0
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from causalppl.ir.queries import ProbabilitySpec

Z_95 = 1.959963984540054


def is_probability(term: Any) -> bool:
    """Whether a query's term is one probability ``P(event | ...)`` (its value and interval lie in [0, 1])."""
    return isinstance(term, ProbabilitySpec) and not term.is_distribution


@dataclass(frozen=True)
class Estimate:
    """A value and the variance of its Monte Carlo error (0 for exact answers)."""

    value: float
    variance: float = 0.0

    @staticmethod
    def of(number: Any) -> "Estimate":
        return number if isinstance(number, Estimate) else Estimate(float(number))

    def __neg__(self) -> "Estimate":
        return Estimate(-self.value, self.variance)

    def __add__(self, other: Any) -> "Estimate":
        other = Estimate.of(other)
        return Estimate(self.value + other.value, self.variance + other.variance)

    def __sub__(self, other: Any) -> "Estimate":
        other = Estimate.of(other)
        return Estimate(self.value - other.value, self.variance + other.variance)

    def __mul__(self, other: Any) -> "Estimate":
        other = Estimate.of(other)
        return Estimate(self.value * other.value,
                        _square(other.value) * self.variance + _square(self.value) * other.variance)

    def __truediv__(self, other: Any) -> "Estimate":
        other = Estimate.of(other)
        if other.value == 0:
            return Estimate(math.nan, math.nan)
        ratio = _divide(self.value, other.value)
        square = _square(other.value)
        return Estimate(ratio, _divide(self.variance, square) + _divide(_square(self.value) * other.variance,
                                                                        _square(square)))

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other: Any) -> "Estimate":
        return Estimate.of(other) - self

    def __rtruediv__(self, other: Any) -> "Estimate":
        return Estimate.of(other) / self


def _square(number: float) -> float:
    """``number ** 2``, overflowing to inf as IEEE arithmetic does (``**`` raises OverflowError)."""
    return number * number


def _divide(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` as IEEE arithmetic has it: a denominator that underflowed to 0 gives inf or nan
    (the query's answer is then undefined, which is reported as an error), not ZeroDivisionError."""
    if denominator != 0:
        return numerator / denominator
    return math.nan if numerator == 0 or math.isnan(numerator) else math.copysign(math.inf, numerator)


@dataclass(frozen=True)
class Result:
    """The answer to one query: an estimate, bounds or a distribution, with its method, plan and diagnostics."""

    name: str | None
    text: str
    estimate: float | None = None
    interval: tuple[float, float] | None = None
    bounds: tuple[float, float] | None = None
    distribution: dict[str, float] | None = None
    identifiable: bool | None = None
    estimand: str | None = None
    method: str = "exact"
    diagnostics: dict[str, Any] | None = None
    std_error: float | None = None
    notes: tuple[str, ...] = field(default=())
    kind: str = "estimate"
    inference_data: Any = field(default=None, compare=False, repr=False)
    plan: Any = field(default=None, compare=False, repr=False)  # the planner's choice (causalppl.inference.plan.Plan)
    rows: Any = field(default=None, compare=False, repr=False)  # per-row answers (causalppl.inference.rows.RowValues)

    @property
    def interval_is_posterior(self) -> bool:
        """True when ``interval`` is a posterior credible interval rather than a Monte Carlo one."""
        return (self.method in ("nuts", "svi", "conjugate", "prior", "identification", "g-formula", "aipw",
                                "plug-in", "mediation")
                or self.kind in ("bounds", "identify"))

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the spec (section 6), with ``std_error`` in diagnostics and the ``plan``."""
        data = asdict(self)
        for key in ("std_error", "notes", "inference_data", "kind", "plan", "rows"):
            data.pop(key)
        data["interval"] = list(self.interval) if self.interval is not None else None
        data["bounds"] = list(self.bounds) if self.bounds is not None else None
        diagnostics = dict(self.diagnostics or {})
        if self.std_error is not None:
            diagnostics["std_error"] = self.std_error
        if self.notes:
            diagnostics["notes"] = list(self.notes)
        data["diagnostics"] = diagnostics or None
        if self.plan is not None:
            data["plan"] = self.plan.to_json()
        return data


def point_result(query: Any, estimate: Estimate, method: str, **extra: Any) -> Result:
    """A :class:`Result` for a point estimate; a 95% interval from its Monte Carlo standard error (within [0, 1]
    when the query is a probability)."""
    std_error = math.sqrt(estimate.variance) if estimate.variance > 0 else None
    probability = is_probability(getattr(query, "term", None))
    value = estimate.value
    if probability and math.isfinite(value):  # (a weighted mean of indicators can round past 1 by an ulp)
        value = min(max(value, 0.0), 1.0)
    interval = None
    if std_error is not None:
        low, high = value - Z_95 * std_error, value + Z_95 * std_error
        if probability:
            low, high = max(low, 0.0), min(high, 1.0)
        interval = (low, high)
    return Result(query.name, query.text, estimate=value, interval=interval, method=method,
                  std_error=std_error, **extra)
