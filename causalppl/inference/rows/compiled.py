"""Factual per-row leaves on a finite model: the compiled network's batched posterior, not the twin network.

A leaf without potential outcomes (``P(Y | do(X = 1), Age, Sex)``,
``E[Y | A, B]``) asks of one world only, so it needs no multi-world model:
the model's compiled network
(:func:`~causalppl.backends.compiled.compiled_network`, built once per model
and kept) answers every row at once through
:func:`~causalppl.inference.estimate.exact.exact_rows`. Its rows are
numbered and de-duplicated in linear time, the evidence columns that cannot
change the answer are left out by relevance reasoning (read once per
query), ``do(...)`` is surgery on the compiled structure, and the plans are
kept for the next chunk of the same query. Anything else (a potential
outcome, per-row evidence on a variable the leaf also fixes or reads, a
model too large to compile) returns None and goes the general way
(:mod:`.leaf`).

>>> import causalppl as cp
>>> import numpy as np
>>> from causalppl.data.rows import RowBatch
>>> m = cp.loads("model M { X ~ Bernoulli(0.3)\\n Y ~ Bernoulli(if X then 0.9 else 0.2) }")
>>> leaf = m._check_query_text("P(Y = 1 | X)", per_row=True).term
>>> rows = RowBatch({"X": np.array([1, 0, 1])}, 3, "<rows>")
>>> compiled_rows(m.ir, leaf, rows, None)[0].value.round(decimals=12).tolist()
[0.9, 0.2, 0.9]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch

from causalppl.backends.compiled import compiled_network
from causalppl.backends.tabulable import NotTabulable
from causalppl.data.rows import RowBatch
from causalppl.inference.estimate.exact import exact_rows
from causalppl.inference.rows.values import RowEstimate
from causalppl.ir import expressions as rx
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import ExpectationSpec, ProbabilitySpec

Leaf = ProbabilitySpec | ExpectationSpec
#: A leaf's answer per row: (estimate, None, ()) or, for a distribution, (None, probabilities, level labels).
CompiledRows = tuple[RowEstimate | None, torch.Tensor | None, tuple[str, ...]]


def compiled_rows(model: CausalModel, leaf: Leaf, rows: RowBatch, device: torch.device | None,
                  impossible: Callable[[int], Exception] | None = None) -> CompiledRows | None:
    """The leaf for every row by the compiled network, or None where that does not apply.

    Returns ``(estimate, None, ())`` or, for a distribution ``P(Y | ...)``,
    ``(None, probabilities (rows, levels), level labels)``.
    ``impossible(row)`` makes the error for a row whose evidence has probability zero.
    """
    columns = _columns(model, leaf, rows)
    if columns is None:
        return None
    try:
        compiled = compiled_network(model)
    except NotTabulable:
        return None
    if compiled.network is None or not _levels_valid(model, leaf):
        return None  # too large to compile whole, or a fixed level off the variable's levels: the general way
    fixed_leaf = replace(leaf, evidence=tuple(e for e in leaf.evidence if not e.per_row))
    on = None if device is None or device.type == "cpu" else str(device)
    # the batch's columns are level positions checked against their variables when they were read
    values = exact_rows(model, fixed_leaf, columns, device=on, impossible=impossible, checked=True,
                        by_level=True)
    answer = torch.from_numpy(np.asarray(values, dtype=np.float64))  # (a distribution's is in F order: kept)
    if isinstance(leaf, ProbabilitySpec) and leaf.is_distribution:
        labels = model.variable(leaf.events[0].outcome.variable).domain.labels
        return None, answer, tuple(labels)
    return RowEstimate.exact(answer), None, ()


def _columns(model: CausalModel, leaf: Leaf, rows: RowBatch) -> dict[str, np.ndarray] | None:
    """The per-row evidence columns (level positions), or None when the leaf is not a plain factual one."""
    per_row = [e.outcome.variable for e in leaf.evidence if e.per_row]
    if not per_row or len(set(per_row)) != len(per_row):
        return None
    if any(not e.is_factual for e in leaf.evidence):
        return None
    if isinstance(leaf, ProbabilitySpec):
        if any(not e.is_factual for e in leaf.events):
            return None
        read = {e.outcome.variable for e in leaf.events}
    else:
        if rx.counterfactuals_in(leaf.expr):
            return None
        read = set(rx.variables_in(leaf.expr))
    fixed = {e.outcome.variable for e in leaf.evidence if not e.per_row} | {name for name, _ in leaf.interventions}
    if any(name in fixed or name in read for name in per_row):
        return None
    columns = {}
    for name in per_row:
        if not model.variable(name).domain.is_finite:
            return None
        column = np.asarray(rows.columns[name])
        if column.dtype.kind not in "iu":
            return None
        columns[name] = column
    return columns


def _levels_valid(model: CausalModel, leaf: Leaf) -> bool:
    """Whether every fixed ``=`` evidence value and every intervention is a level of its variable."""
    pairs = [(e.outcome.variable, e.value) for e in leaf.evidence if e.op == "=" and not e.per_row]
    pairs += list(leaf.interventions)
    for name, value in pairs:
        number = float(value)
        if not (number.is_integer() and 0 <= number < model.variable(name).domain.size):
            return False
    return True
