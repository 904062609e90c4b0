"""Errors of the query layer: a query the chosen method cannot answer, with what to do instead."""

from __future__ import annotations

from causalppl.diagnostics import CausalPPLError, Diagnostic, Span


def query_error(span: Span, message: str, hint: str | None = None) -> CausalPPLError:
    """A user-facing error about a query; the caller attaches the source text."""
    return CausalPPLError([Diagnostic(span, message, "error", hint)])
