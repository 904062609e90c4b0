"""Simplifying constructors for estimands: the algebra the identification algorithms use.

``multiply``, ``divide`` and ``marginalize`` build the same values as ``Product``,
``Fraction`` and ``Sum`` but apply identities that keep formulas short:

* products are flattened and the constant 1 dropped;
* ``sum_{v} P(v, A | B) = P(A | B)`` and ``sum_{v} P(v | B) = 1``, applied to a
  factor of a product whenever it is the only factor mentioning ``v`` (so a
  chain-rule product loses its last factors when they are summed out); the
  factors mentioning ``v`` are first combined by the chain rule
  ``P(A | C) P(B | A, C) = P(A, B | C)`` where that makes them one;
* factors of a sum that do not mention the summed variables are pulled out;
* common factors of a numerator and denominator cancel, ``X / X = 1`` and
  ``P(A, B | C) / P(B | C) = P(A | B, C)``.

Cancellation identities hold wherever the denominator is positive; at cells
of probability zero they agree with the 0/0 := 0 convention of evaluation up to
positivity violations, which identification assumes away.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import permutations

from causalppl.identification.estimand import (
    ONE,
    Estimand,
    Fraction,
    Prob,
    Product,
    Sum,
)


def multiply(terms: Iterable[Estimand]) -> Estimand:
    """The product of ``terms``, flattened, with constants 1 dropped."""
    flat: list[Estimand] = []
    for term in terms:
        flat.extend(_factors(term))
    return flat[0] if len(flat) == 1 else Product(tuple(flat))


def divide(numerator: Estimand, denominator: Estimand) -> Estimand:
    """``numerator / denominator`` with common factors cancelled."""
    top, bottom = _cancel(_factors(numerator), _factors(denominator))
    if not bottom:
        return multiply(top)
    if len(top) == 1 and len(bottom) == 1:
        conditional = _as_conditional(top[0], bottom[0])
        if conditional is not None:
            return conditional
    return Fraction(multiply(top), multiply(bottom))


def marginalize(expression: Estimand, over: Iterable[str]) -> Estimand:
    """``sum_{over} expression``, with every variable eliminated that can be in closed form."""
    variables = tuple(dict.fromkeys(over))
    if not variables:
        return expression
    if isinstance(expression, Sum) and not set(variables) & set(expression.over):
        return marginalize(expression.body, (*expression.over, *variables))
    terms, remaining = _eliminate_all(list(_factors(expression)), variables)
    if not remaining:
        return multiply(terms)
    inside = [t for t in terms if t.free_variables() & set(remaining)]
    outside = [t for t in terms if not t.free_variables() & set(remaining)]
    return multiply([*outside, Sum(remaining, multiply(inside))])


def simplify(expression: Estimand) -> Estimand:
    """Rebuild a tree bottom-up through the simplifying constructors."""
    if isinstance(expression, Sum):
        return marginalize(simplify(expression.body), expression.over)
    if isinstance(expression, Product):
        return multiply(simplify(t) for t in expression.terms)
    if isinstance(expression, Fraction):
        return divide(simplify(expression.numerator), simplify(expression.denominator))
    return expression


def canonical_key(expression: Estimand) -> tuple:
    """A key equal for expressions that differ only in the order of sets and factors."""
    if isinstance(expression, Prob):
        return ("P", tuple(sorted(expression.variables)), tuple(sorted(expression.given)))
    if isinstance(expression, Sum):
        return ("S", tuple(sorted(expression.over)), canonical_key(expression.body))
    if isinstance(expression, Product):
        return ("M", tuple(sorted((canonical_key(t) for t in expression.terms), key=repr)))
    if isinstance(expression, Fraction):
        return ("F", canonical_key(expression.numerator), canonical_key(expression.denominator))
    raise TypeError(f"not an estimand: {expression!r}")


# ------------------------------------------------------------------ helpers


def _factors(expression: Estimand) -> tuple[Estimand, ...]:
    if isinstance(expression, Product):
        return tuple(f for t in expression.terms for f in _factors(t))
    return (expression,)


def _eliminate_all(terms: list[Estimand], variables: tuple[str, ...]) -> tuple[list[Estimand], tuple[str, ...]]:
    """Sum out what can be summed in closed form; return the new factors and the rest."""
    remaining = list(variables)
    progress = True
    while progress:
        progress = False
        for variable in list(remaining):
            reduced = _eliminate(variable, terms)
            if reduced is not None:
                terms, progress = reduced, True
                remaining.remove(variable)
    return terms, tuple(remaining)


def _eliminate(variable: str, terms: list[Estimand]) -> list[Estimand] | None:
    """Sum ``variable`` out of a product in closed form, or ``None`` if that needs a Sum."""
    holders = [t for t in terms if variable in t.free_variables()]
    rest = [t for t in terms if variable not in t.free_variables()]
    if len(holders) > 1:
        holders = _chain_merged(holders)
    if len(holders) != 1:
        return None
    reduced = _sum_out_of_factor(variable, holders[0])
    if reduced is None:
        return None
    return [*rest, *_factors(reduced)]


def _chain_merged(factors: list[Estimand]) -> list[Estimand]:
    """Combine ``P(A | C) P(B | A, C)`` into ``P(A, B | C)`` wherever the chain rule allows."""
    merged = list(factors)
    for first, second in permutations(merged, 2):
        combined = _chain(first, second)
        if combined is not None:
            rest = [f for f in merged if f is not first and f is not second]
            return _chain_merged([*rest, combined])
    return merged


def _chain(first: Estimand, second: Estimand) -> Prob | None:
    if not (isinstance(first, Prob) and isinstance(second, Prob)):
        return None
    if set(second.given) != set(first.variables) | set(first.given):
        return None
    return Prob((*first.variables, *second.variables), first.given)


def _sum_out_of_factor(variable: str, factor: Estimand) -> Estimand | None:
    if isinstance(factor, Prob):
        return _sum_out_of_prob(variable, factor)
    if isinstance(factor, Sum):
        inner = _eliminate(variable, list(_factors(factor.body)))
        return None if inner is None else marginalize(multiply(inner), factor.over)
    if isinstance(factor, Fraction):
        return _sum_out_of_fraction(variable, factor)
    return None


def _sum_out_of_prob(variable: str, factor: Prob) -> Estimand | None:
    if variable not in factor.variables:
        return None
    rest = tuple(v for v in factor.variables if v != variable)
    return Prob(rest, factor.given) if rest else ONE


def _sum_out_of_fraction(variable: str, factor: Fraction) -> Estimand | None:
    if variable in factor.denominator.free_variables():
        return None
    inner = _eliminate(variable, list(_factors(factor.numerator)))
    if inner is not None:
        return divide(multiply(inner), factor.denominator)
    summed = marginalize(factor.numerator, (variable,))
    if canonical_key(summed) == canonical_key(factor.denominator):
        return ONE
    return None


def _cancel(top: tuple[Estimand, ...], bottom: tuple[Estimand, ...]) -> tuple[list[Estimand], list[Estimand]]:
    remaining_top = list(top)
    remaining_bottom: list[Estimand] = []
    for factor in bottom:
        key = canonical_key(factor)
        match = next((i for i, t in enumerate(remaining_top) if canonical_key(t) == key), None)
        if match is None:
            remaining_bottom.append(factor)
        else:
            del remaining_top[match]
    return remaining_top, remaining_bottom


def _as_conditional(top: Estimand, bottom: Estimand) -> Prob | None:
    """``P(A, B | C) / P(B | C)`` as ``P(A | B, C)``."""
    if not (isinstance(top, Prob) and isinstance(bottom, Prob)):
        return None
    if set(top.given) != set(bottom.given) or not set(bottom.variables) < set(top.variables):
        return None
    kept = tuple(v for v in top.variables if v not in bottom.variables)
    return Prob(kept, (*bottom.variables, *bottom.given))
