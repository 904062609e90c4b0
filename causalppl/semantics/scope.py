"""Symbols of a model: what each declared name is, and an error collector.

The semantic stage never stops at the first mistake: every check appends to
a :class:`Reporter`, and the checker raises once with all diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal

from causalppl.diagnostics import (
    CausalPPLError,
    Diagnostic,
    Span,
    closest,
    did_you_mean,
)
from causalppl.ir.types import Domain

SymbolKind = Literal["endogenous", "latent", "parameter"]


@dataclass(frozen=True)
class Symbol:
    """A declared name: variable or parameter, its domain, where it was declared."""

    name: str
    kind: SymbolKind
    domain: Domain
    span: Span
    size: int | None = None  # vector parameters

    @property
    def is_variable(self) -> bool:
        return self.kind != "parameter"


@dataclass
class Reporter:
    """Collects diagnostics; :meth:`raise_if_any` turns them into one error."""

    source: str
    filename: str
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def report(self, diagnostic: Diagnostic) -> None:
        """Add one diagnostic (built by :mod:`causalppl.semantics.messages`)."""
        self.diagnostics.append(diagnostic)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def raise_if_any(self) -> None:
        if self.has_errors:
            ordered = sorted(self.diagnostics, key=lambda d: (d.span.line, d.span.column))
            raise CausalPPLError(ordered, {self.filename: self.source})


@dataclass
class Scope:
    """Name → symbol for one model, in declaration order."""

    symbols: dict[str, Symbol] = field(default_factory=dict)

    def lookup(self, name: str) -> Symbol | None:
        return self.symbols.get(name)

    def variables(self) -> list[Symbol]:
        return [symbol for symbol in self.symbols.values() if symbol.is_variable]

    def suggestion(self, name: str, candidates: Iterable[str] | None = None) -> str | None:
        pool = list(self.symbols) if candidates is None else list(candidates)
        return closest(name, pool)


__all__ = ["Symbol", "Scope", "Reporter", "closest", "did_you_mean"]
