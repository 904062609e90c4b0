"""The messages of the inference stage: one function per kind of error, so a mistake has the same words everywhere.

Each function returns a :class:`~causalppl.diagnostics.CausalPPLError` for
the caller to raise; the caller attaches the source text.  Options and
methods are spelled the way the caller writes them (``--method mc`` on the
command line, ``method="mc"`` in Python; see
:func:`causalppl.diagnostics.spell_option`).

>>> from causalppl.diagnostics import Span
>>> print(method_cannot_answer(Span.unknown("q"), "nuts", ["the model has nothing to learn"], ["exact", "mc"]))
q: error: method="nuts" cannot answer this query: the model has nothing to learn
    hint: use method="exact" or method="mc" (or method="auto" to let the planner choose)
"""

from __future__ import annotations

from typing import Iterable

from causalppl.diagnostics import (
    CausalPPLError,
    Diagnostic,
    Span,
    spell_methods,
    spell_option,
)


def query_error(span: Span, message: str, hint: str | None = None) -> CausalPPLError:
    """A user-facing error about a query; the caller attaches the source text."""
    return CausalPPLError([Diagnostic(span, message, "error", hint)])


def method_cannot_answer(span: Span, asked: str, reasons: Iterable[str], able: Iterable[str]) -> CausalPPLError:
    """An explicit method that cannot answer the query: why, and which methods can."""
    why = "; ".join(dict.fromkeys(reasons)) or "it does not apply to this kind of query"
    able = list(able)
    auto = spell_option("method", "auto")
    hint = f"use {spell_methods(*able)} (or {auto} to let the planner choose)" if able else f"use {auto}"
    return query_error(span, f"{spell_option('method', asked)} cannot answer this query: {why}", hint)


def no_engine(span: Span, reasons: Iterable[str]) -> CausalPPLError:
    """No engine of the planner's table answers the query; each engine's reason."""
    listed = "; ".join(dict.fromkeys(reasons))
    return query_error(span, f"no engine can answer this query ({listed})",
                       "counterfactual and causal questions about unknown mechanisms need data (a data line or "
                       "--data): then they are identified or bounded")


def impossible_evidence(span: Span, detail: str | None = None, hint: str | None = None) -> CausalPPLError:
    """Conditioning on an event of probability zero."""
    message = "the evidence has probability zero under the model" + (f" ({detail})" if detail else "")
    return query_error(span, message, hint or "conditioning on an impossible event is undefined; "
                                              "check the evidence values")


def too_large_for_exact(span: Span, size: str, variables: int, limit: str | None) -> CausalPPLError:
    """Exact enumeration would need more memory than allowed."""
    within = f" (the limit is {limit})" if limit else ""
    plural = "s" if variables != 1 else ""
    return query_error(span, f"this query is too large for exact enumeration: it needs about {size} of memory "
                             f"for one table over {variables} variable{plural}{within}",
                       f"use {spell_methods('mc')} (Monte Carlo) instead of exact; with evidence, "
                       f"{spell_methods('nuts', 'svi')}")


def cannot_enumerate(span: Span, reason: str) -> CausalPPLError:
    return query_error(span, f"cannot answer exactly: {reason}",
                       f"use {spell_methods('mc')} (no evidence), {spell_methods('nuts', 'svi')}, "
                       f"or {spell_option('method', 'auto')}")


def no_finite_answer(span: Span, what: str, hint: str | None = None) -> CausalPPLError:
    """An undefined answer (nan, inf): an error, never a number."""
    return query_error(span, f"the answer is undefined: {what}", hint)


def covariate_without_data(span: Span, name: str) -> CausalPPLError:
    """A query needs the distribution of a covariate, which only data give."""
    return query_error(span, f"'{name}' is a covariate (a root variable with a type and no mechanism): its "
                             "distribution is that of the data rows, and there are no data, so this query, which "
                             f"depends on '{name}', has no answer",
                       f"give data (a data line or --data) with a column '{name}', fix it in the query "
                       f"(do({name} = ...) or evidence {name} = ...), or give it a distribution "
                       f"(e.g. {name} ~ Normal(0, 1))")


def no_covariate_rows(span: Span, events: str, rows: int) -> CausalPPLError:
    """Evidence on covariates that no data row satisfies."""
    return query_error(span, f"no data row satisfies {events} (of {rows} rows): covariates are conditioned on, "
                             "so their evidence selects data rows",
                       "condition on a range that the data cover (e.g. 'Age > 29, Age < 31'), or give the "
                       "covariate a distribution so that it can be modelled")
