"""Estimands: formulas over the observational distribution, as immutable expression trees.

An identified causal quantity is written with four node kinds:

* ``Prob(variables, given)`` -- an observational (conditional) probability
  ``P(variables | given)``;
* ``Sum(over, body)`` -- a sum of ``body`` over every value of the variables in
  ``over``; the sum *binds* them, so a variable summed inside may share its name
  with a free variable outside (front-door: ``sum_{X'} ... P(X')``);
* ``Product(terms)`` -- a product; the empty product is the constant 1 (``ONE``);
* ``Fraction(numerator, denominator)``.

Free variables (``free_variables()``) are the ones an assignment must fix
before the formula is a number: treatment values, outcome values and
conditioning values.  ``to_text()`` renders an ASCII formula such as
``sum_{Tar} P(Tar | Smoking) sum_{Smoking'} P(Cancer | Smoking', Tar) P(Smoking')``
where a bound variable that shadows a variable in scope is primed.

Numerical evaluation lives in :mod:`causalppl.identification.evaluation`
(which imports this module, never the reverse); algebraic simplification in
:mod:`causalppl.identification.algebra`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass


class Estimand(ABC):
    """Base class of estimand expression nodes."""

    @abstractmethod
    def free_variables(self) -> frozenset[str]:
        """Variables not bound by a ``Sum``: the ones an evaluation must be given."""

    def to_text(self) -> str:
        """A readable ASCII formula; bound variables that shadow outer ones get primes."""
        free = self.free_variables()
        return self._text(_Scope({name: name for name in free}, frozenset(free)))

    @abstractmethod
    def _text(self, scope: _Scope) -> str:
        """The formula in ``scope`` (which names the bound variables)."""

    def __str__(self) -> str:
        return self.to_text()


@dataclass(frozen=True)
class _Scope:
    """Display names of the variables visible at a point of the formula."""

    names: Mapping[str, str]
    in_use: frozenset[str]

    def show(self, variable: str) -> str:
        return self.names.get(variable, variable)

    def bind(self, variables: tuple[str, ...]) -> tuple[_Scope, tuple[str, ...]]:
        names = dict(self.names)
        in_use = set(self.in_use)
        shown = []
        for variable in variables:
            display = variable
            while display in in_use:
                display += "'"
            names[variable] = display
            in_use.add(display)
            shown.append(display)
        return _Scope(names, frozenset(in_use)), tuple(shown)


@dataclass(frozen=True)
class Prob(Estimand):
    """The observational probability ``P(variables | given)``."""

    variables: tuple[str, ...]
    given: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.variables:
            raise ValueError("Prob needs at least one variable; use ONE for the constant 1")
        everything = (*self.variables, *self.given)
        if len(set(everything)) != len(everything):
            raise ValueError(f"Prob variables and given must be distinct, got {everything}")

    def free_variables(self) -> frozenset[str]:
        return frozenset(self.variables) | frozenset(self.given)

    def _text(self, scope: _Scope) -> str:
        shown = ", ".join(scope.show(v) for v in self.variables)
        if self.given:
            shown += " | " + ", ".join(scope.show(v) for v in self.given)
        return f"P({shown})"


@dataclass(frozen=True)
class Sum(Estimand):
    """``sum_{over} body``: the body summed over all joint values of ``over``."""

    over: tuple[str, ...]
    body: Estimand

    def __post_init__(self) -> None:
        if len(set(self.over)) != len(self.over):
            raise ValueError(f"Sum over repeated variables {self.over}")

    def free_variables(self) -> frozenset[str]:
        return self.body.free_variables() - frozenset(self.over)

    def _text(self, scope: _Scope) -> str:
        inner, shown = scope.bind(self.over)
        body = self.body._text(inner)
        if isinstance(self.body, Fraction):
            body = f"[{body}]"
        return f"sum_{{{', '.join(shown)}}} {body}"


@dataclass(frozen=True)
class Product(Estimand):
    """The product of ``terms``; ``Product(())`` is the constant 1."""

    terms: tuple[Estimand, ...]

    def free_variables(self) -> frozenset[str]:
        return frozenset().union(*(t.free_variables() for t in self.terms))

    def _text(self, scope: _Scope) -> str:
        if not self.terms:
            return "1"
        # Sums swallow everything to their right, so they go last; earlier ones get brackets.
        plain = [t for t in self.terms if not isinstance(t, Sum)]
        sums = [t for t in self.terms if isinstance(t, Sum)]
        pieces = [_bracketed(t._text(scope), t) for t in plain]
        pieces += [f"[{t._text(scope)}]" for t in sums[:-1]]
        pieces += [t._text(scope) for t in sums[-1:]]
        return " ".join(pieces)


@dataclass(frozen=True)
class Fraction(Estimand):
    """``numerator / denominator``; evaluation reads 0/0 as 0 (see ``evaluation``)."""

    numerator: Estimand
    denominator: Estimand

    def free_variables(self) -> frozenset[str]:
        return self.numerator.free_variables() | self.denominator.free_variables()

    def _text(self, scope: _Scope) -> str:
        return f"{_side(self.numerator, scope)} / {_side(self.denominator, scope)}"


ONE = Product(())
"""The constant 1 (an empty product)."""


def _bracketed(text: str, term: Estimand) -> str:
    return f"[{text}]" if isinstance(term, Fraction) else text


def _side(term: Estimand, scope: _Scope) -> str:
    text = term._text(scope)
    simple = isinstance(term, Prob) or term == ONE
    return text if simple else f"[{text}]"

