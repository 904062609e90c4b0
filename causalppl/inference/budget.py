"""Memory for simulated units, estimated before it is spent: batch sizes, and refusals with the size.

Forward Monte Carlo streams: it simulates :func:`batch_units` units at a
time and keeps running sums, so ``--samples 1000000000`` takes time, not
memory.  Engines that hold every unit at once (likelihood weighting,
counterfactual abduction, ``Model.sample``) call :func:`require_units_fit`
first and refuse, with the size and a remedy, what would not fit in
:data:`SAMPLE_MEMORY_LIMIT`.

>>> import causalppl as cp
>>> m = cp.loads("model M { X ~ Normal(0, 1)\\n Y ~ Normal(X, 1) }")
>>> unit_bytes(m.ir)
64
>>> batch_units(m.ir) >= 1_000_000
True
"""

from __future__ import annotations

from causalppl.diagnostics import Span
from causalppl.inference.messages import too_many_units
from causalppl.ir.model import CausalModel

#: The most memory the simulated units of one query may take at once.
SAMPLE_MEMORY_LIMIT = 2 * 2**30
#: Memory of one streamed batch of Monte Carlo units.
BATCH_MEMORY = 256 * 2**20
#: Per variable and unit: its value, its noise and the temporaries of the arithmetic (float64 slots).
SLOTS_PER_VARIABLE = 4
MAX_BATCH_UNITS = 2_000_000


def unit_bytes(model: CausalModel, worlds: int = 1) -> int:
    """Bytes one simulated unit takes (every variable of every world, with its temporaries)."""
    variables = max(len(model.model_variables), 1) * max(worlds, 1)
    return 8 * SLOTS_PER_VARIABLE * variables


def batch_units(model: CausalModel) -> int:
    """How many units one Monte Carlo batch simulates."""
    return int(max(1_000, min(MAX_BATCH_UNITS, BATCH_MEMORY // unit_bytes(model))))


def require_units_fit(model: CausalModel, units: int, span: Span, what: str, worlds: int = 1) -> None:
    """A user error when ``units`` simulated units, held at once, would exceed :data:`SAMPLE_MEMORY_LIMIT`."""
    needed = units * unit_bytes(model, worlds)
    if needed > SAMPLE_MEMORY_LIMIT:
        largest = SAMPLE_MEMORY_LIMIT // unit_bytes(model, worlds)
        raise too_many_units(span, what, units, needed, SAMPLE_MEMORY_LIMIT, largest)


__all__ = ["SAMPLE_MEMORY_LIMIT", "unit_bytes", "batch_units", "require_units_fit"]
