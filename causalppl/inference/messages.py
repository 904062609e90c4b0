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


def no_engine(span: Span, refusals: Iterable[tuple[str, str]]) -> CausalPPLError:
    """No engine of the planner's table answers the query: the engines grouped by their reason."""
    grouped: dict[str, list[str]] = {}
    for engine, reason in refusals:
        grouped.setdefault(reason, []).append(engine)
    listed = "; ".join(f"{', '.join(engines)}: {reason}" for reason, engines in grouped.items())
    return query_error(span, f"no engine can answer this query ({listed})",
                       "counterfactual and causal questions about unknown mechanisms need data (a data line or "
                       f"{spell_option('data')}): then they are identified or bounded")


def impossible_evidence(span: Span, detail: str | None = None, hint: str | None = None) -> CausalPPLError:
    """Conditioning on an event of probability zero."""
    message = "the evidence has probability zero under the model" + (f" ({detail})" if detail else "")
    return query_error(span, message, hint or "conditioning on an impossible event is undefined; "
                                              "check the evidence values")


def too_large_for_exact(span: Span, size: str, variables: int, limit: str | None,
                        total: bool = False) -> CausalPPLError:
    """Exact enumeration would need more memory than allowed (one table, or all of them together: ``total``)."""
    within = f" (the limit is {limit})" if limit else ""
    plural = "s" if variables != 1 else ""
    what = (f"for its tables together, the largest over {variables} variable{plural}" if total
            else f"for one table over {variables} variable{plural}")
    return query_error(span, f"this query is too large for exact enumeration: it needs about {size} of memory "
                             f"{what}{within}",
                       f"use {spell_methods('mc')} (Monte Carlo) instead of exact; with evidence, "
                       f"{spell_methods('nuts', 'svi')}")


def cannot_enumerate(span: Span, reason: str) -> CausalPPLError:
    return query_error(span, f"cannot answer exactly: {reason}",
                       f"use {spell_methods('mc')} (no evidence), {spell_methods('nuts', 'svi')}, "
                       f"or {spell_option('method', 'auto')}")


def no_finite_answer(span: Span, what: str, hint: str | None = None) -> CausalPPLError:
    """An undefined answer (nan, inf): an error, never a number."""
    return query_error(span, f"the answer is undefined: {what}", hint)
