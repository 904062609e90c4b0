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

import functools
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from causalppl.backends.compiled import compiled_network
from causalppl.backends.tabulable import NotTabulable, has_likelihood
from causalppl.data.rows import RowBatch
from causalppl.inference.devices import on_cpu
from causalppl.inference.estimate.exact import (
    exact_distribution,
    exact_leaf,
    exact_rows,
    on_finite_part,
    point_rows,
    with_model_settings,
)
from causalppl.inference.messages import query_error
from causalppl.inference.rows.values import RowEstimate
from causalppl.ir import expressions as rx
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import ExpectationSpec, ProbabilitySpec

Leaf = ProbabilitySpec | ExpectationSpec
#: A leaf's answer per row: (estimate, None, ()) or, for a distribution, (None, probabilities, level labels).
CompiledRows = tuple[RowEstimate | None, np.ndarray | None, tuple[str, ...]]


def compiled_rows(model: CausalModel, leaf: Leaf, rows: RowBatch, device: object = None,
                  impossible: Callable[[int], Exception] | None = None) -> CompiledRows | None:
    """The leaf for every row by the compiled network, or None where that does not apply.

    Returns ``(estimate, None, ())`` or, for a distribution ``P(Y | ...)``,
    ``(None, probabilities (rows, levels), level labels)``.
    ``impossible(row)`` makes the error for a row whose evidence has probability zero.
    """
    if _factual(leaf):  # (a leaf on the finite part of a model with real variables: that part's network)
        model, leaf = on_finite_part(model, leaf)
    if not any(e.per_row for e in leaf.evidence):
        return _same_for_every_row(model, leaf, rows)
    points = _point_columns(model, leaf, rows)
    if points is not None:  # evidence at a point on real variables, row by row: likelihoods of their parents
        with on_cpu():
            answer = point_rows(model, leaf, points, impossible)
        if answer is not None:
            if isinstance(leaf, ProbabilitySpec) and leaf.is_distribution:
                return None, answer, tuple(model.variable(leaf.events[0].outcome.variable).domain.labels)
            return RowEstimate.exact(answer), None, ()
    leaf = with_model_settings(model, leaf)  # (a do model: the variables it sets are fixed, never columns)
    columns = _columns(model, leaf, rows)
    if columns is None or not _compiles(model, leaf):
        return None
    fixed_leaf = _without_row_evidence(leaf)
    on = None if device is None or str(device) == "cpu" else str(device)  # (a torch device or its name)
    # the batch's columns are level positions checked against their variables when they were read
    values = exact_rows(model, fixed_leaf, columns, device=on, impossible=impossible, checked=True,
                        by_level=True)
    answer = np.asarray(values, dtype=np.float64)  # numpy: no torch (a distribution's is in F order: kept)
    if isinstance(leaf, ProbabilitySpec) and leaf.is_distribution:
        labels = model.variable(leaf.events[0].outcome.variable).domain.labels
        return None, answer, tuple(labels)
    return RowEstimate.exact(answer), None, ()


@functools.lru_cache(maxsize=256)
def _without_row_evidence(leaf: Leaf) -> Leaf:
    """The leaf less its per-row evidence: one object per leaf, so that the compiled network's set-up of the
    query (kept per leaf object) serves chunk after chunk."""
    return replace(leaf, evidence=tuple(e for e in leaf.evidence if not e.per_row))


def _compiles(model: CausalModel, leaf: Leaf) -> bool:
    """Whether the model's compiled network answers the leaf (not when it is too large to compile whole, or a
    fixed level is off the variable's levels: those go the general way)."""
    try:
        compiled = compiled_network(model)
    except NotTabulable:
        return False
    return compiled.network is not None and _levels_valid(model, leaf)


def _same_for_every_row(model: CausalModel, leaf: Leaf, rows: RowBatch) -> CompiledRows | None:
    """A factual leaf without per-row evidence (``P(Y = 1)`` in ``P(Y = 1 | X) - P(Y = 1)``): one exact answer,
    the same for every row."""
    if not _factual(leaf) or not _compiles(model, leaf):
        return None
    with on_cpu():
        if isinstance(leaf, ProbabilitySpec) and leaf.is_distribution:
            distribution = exact_distribution(model, leaf)
            labels = tuple(distribution)
            return None, np.tile(np.array([distribution[k] for k in labels]), (rows.n_rows, 1)), labels
        return RowEstimate.exact(np.full(rows.n_rows, exact_leaf(model, leaf).value)), None, ()


def _factual(leaf: Leaf) -> bool:
    """Whether the leaf asks of one world only (no potential outcome in its events, evidence or expression)."""
    if any(not e.is_factual for e in leaf.evidence):
        return False
    if isinstance(leaf, ProbabilitySpec):
        return all(e.is_factual for e in leaf.events)
    return not rx.counterfactuals_in(leaf.expr)


def _columns(model: CausalModel, leaf: Leaf, rows: RowBatch) -> dict[str, np.ndarray] | None:
    """The per-row evidence columns (level positions), or None when the leaf is not a plain factual one."""
    per_row = [e.outcome.variable for e in leaf.evidence if e.per_row]
    if not per_row or len(set(per_row)) != len(per_row):
        return None
    if not _factual(leaf):
        return None
    if isinstance(leaf, ProbabilitySpec):
        read = {e.outcome.variable for e in leaf.events}
    else:
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


def _point_columns(model: CausalModel, leaf: Leaf, rows: RowBatch) -> dict[str, np.ndarray] | None:
    """The per-row evidence columns when every one is a real variable observed at a point, with no missing
    value (None otherwise: finite columns go by :func:`_columns`)."""
    if not _factual(leaf):
        return None
    per_row = [e.outcome.variable for e in leaf.evidence if e.per_row]
    if not per_row or len(set(per_row)) != len(per_row):
        return None
    columns = {}
    for name in per_row:
        variable = model.variable(name)
        if variable.domain.is_finite or not has_likelihood(variable, "="):
            return None
        column = np.asarray(rows.columns[name], dtype=np.float64)
        if not np.isfinite(column).all():
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


def impossible_row(rows: RowBatch, index: int, leaf: Leaf, model: CausalModel | None = None) -> Exception:
    """The error for row ``index`` of ``rows``, whose evidence has probability zero (its values shown by label)."""
    names = [e.outcome.variable for e in leaf.evidence if e.per_row]
    shown = ", ".join(f"{name} = {_shown(rows.columns[name][index], name, model)}" for name in names)
    return query_error(leaf.span, f"{rows.where(index)}: the evidence ({shown}) has probability zero under the "
                                  "model, so the query is undefined for this row",
                       "remove the row, or check its values against the model")


def _shown(value, name: str, model: CausalModel | None) -> str:
    """A row's value as the user wrote it: a finite variable's level by its label (the row holds its position)."""
    if model is not None and name in model and model.variable(name).domain.is_finite:
        labels = model.variable(name).domain.labels
        if 0 <= int(value) < len(labels):
            return labels[int(value)]
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
