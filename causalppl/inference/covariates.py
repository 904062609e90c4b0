"""Which covariate rows a query leaf draws its simulated units from.

A covariate (``X : real`` or ``X : int`` with no mechanism) has no
distribution of its own in the model: its values come from the data rows.
Every simulated unit takes all the covariates of one row.  Evidence on a
covariate (``Age > 50``, ``Age = 30``) conditions the rows themselves.
Without data, a leaf can still be answered when every covariate it depends
on is fixed, by ``do`` or by evidence ``X = x``; otherwise it is a user
error that says why (the covariate's distribution is unknown).
"""

from __future__ import annotations

from typing import Iterable

from causalppl.data.covariates import CovariateRows, covariate_names, fixed_rows
from causalppl.inference.messages import covariate_without_data, no_covariate_rows
from causalppl.ir import expressions as rx
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import EventSpec, ExpectationSpec, ProbabilitySpec

PLACEHOLDER = 1.0  # the value given to a covariate that nothing the leaf reads depends on

Leaf = ProbabilitySpec | ExpectationSpec


def leaf_variables(leaf: Leaf) -> set[str]:
    """The model variables a leaf reads: its events or expression, its potential outcomes, its evidence."""
    if isinstance(leaf, ExpectationSpec):
        names = set(rx.variables_in(leaf.expr)) | {ref.variable for ref in rx.counterfactuals_in(leaf.expr)}
    else:
        names = {event.outcome.variable for event in leaf.events}
    return names | {event.outcome.variable for event in leaf.evidence}


def covariate_evidence(model: CausalModel, evidence: Iterable[EventSpec]) -> list[EventSpec]:
    """The factual evidence events about covariates of ``model``."""
    covariates = set(covariate_names(model))
    return [e for e in evidence if e.is_factual and e.outcome.variable in covariates]


def covariate_pool(model: CausalModel, leaf: Leaf, rows: CovariateRows | None) -> CovariateRows | None:
    """The rows the leaf's units are drawn from, over every covariate of ``model`` (None: it has none).

    ``model`` is the leaf's do-transformed model (an intervened covariate is a
    constant there, no longer a covariate).  Raises a located user error when
    the leaf needs a covariate's distribution and there are no data, or when
    no row satisfies the evidence on covariates.
    """
    names = covariate_names(model)
    if not names:
        return None
    events = covariate_evidence(model, leaf.evidence)
    if rows is None:
        return _without_data(model, leaf, names, events)
    pool = rows.only(names)
    for event in events:
        pool = pool.where(event.outcome.variable, event.op, float(event.value))
    if pool.n_rows == 0:
        raise no_covariate_rows(leaf.span, ", ".join(_event_text(e) for e in events), rows.n_rows)
    return pool


def _without_data(model: CausalModel, leaf: Leaf, names: tuple[str, ...], events: list[EventSpec]) -> CovariateRows:
    pinned = {e.outcome.variable: float(e.value) for e in events if e.op == "="}
    needed = model.ancestors(leaf_variables(leaf) & {v.name for v in model.model_variables})
    for name in names:
        if name in needed and name not in pinned:
            raise covariate_without_data(leaf.span, name)
    return fixed_rows({name: pinned.get(name, PLACEHOLDER) for name in names})


def _event_text(event: EventSpec) -> str:
    value = float(event.value)
    return f"{event.outcome.variable} {event.op} {int(value) if value.is_integer() else value}"


__all__ = ["covariate_pool", "covariate_evidence", "leaf_variables"]
