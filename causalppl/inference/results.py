"""The answer to one query, in the shape the spec's JSON output fixes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Result:
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

    @property
    def interval_is_posterior(self) -> bool:
        """True when ``interval`` is a posterior credible interval rather than a Monte Carlo one."""
        return self.method in ("nuts", "svi", "conjugate", "prior") or self.kind in ("bounds", "identify")

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the spec (section 6), with ``std_error`` in diagnostics."""
        data = asdict(self)
        for key in ("std_error", "notes", "inference_data", "kind"):
            data.pop(key)
        data["interval"] = list(self.interval) if self.interval is not None else None
        data["bounds"] = list(self.bounds) if self.bounds is not None else None
        diagnostics = dict(self.diagnostics or {})
        if self.std_error is not None:
            diagnostics["std_error"] = self.std_error
        if self.notes:
            diagnostics["notes"] = list(self.notes)
        data["diagnostics"] = diagnostics or None
        return data
