"""Arithmetic of query terms: combine leaf estimates and their sampling variances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from causalppl.semantics.queries import BinarySpec, ExpectationSpec, NegationSpec, NumberSpec, ProbabilitySpec, QueryTerm


@dataclass(frozen=True)
class Estimate:
    """A value and the variance of its Monte Carlo error (0 for exact answers)."""

    value: float
    variance: float = 0.0


LeafEvaluator = Callable[[ProbabilitySpec | ExpectationSpec], Estimate]


def evaluate_term(term: QueryTerm, leaf: LeafEvaluator) -> Estimate:
    if isinstance(term, NumberSpec):
        return Estimate(term.value)
    if isinstance(term, NegationSpec):
        inner = evaluate_term(term.operand, leaf)
        return Estimate(-inner.value, inner.variance)
    if isinstance(term, BinarySpec):
        return _binary(term.op, evaluate_term(term.left, leaf), evaluate_term(term.right, leaf))
    return leaf(term)


def _binary(op: str, a: Estimate, b: Estimate) -> Estimate:
    """Independent leaves; products and ratios use the delta method."""
    if op == "+":
        return Estimate(a.value + b.value, a.variance + b.variance)
    if op == "-":
        return Estimate(a.value - b.value, a.variance + b.variance)
    if op == "*":
        return Estimate(a.value * b.value, b.value**2 * a.variance + a.value**2 * b.variance)
    if b.value == 0:
        return Estimate(float("nan"), float("nan"))
    ratio = a.value / b.value
    return Estimate(ratio, a.variance / b.value**2 + a.value**2 * b.variance / b.value**4)


def fold_term(term: QueryTerm, leaf: Callable[[ProbabilitySpec | ExpectationSpec], object]):
    """Evaluate the arithmetic of a query with any numbers that support + - * / (floats, tensors of draws)."""
    if isinstance(term, NumberSpec):
        return term.value
    if isinstance(term, NegationSpec):
        return -fold_term(term.operand, leaf)
    if isinstance(term, BinarySpec):
        left, right = fold_term(term.left, leaf), fold_term(term.right, leaf)
        return {"+": lambda: left + right, "-": lambda: left - right,
                "*": lambda: left * right, "/": lambda: left / right}[term.op]()
    return leaf(term)


def is_linear(term: QueryTerm) -> bool:
    """Sums, differences and scalings of leaves (no product or ratio of two leaves)."""
    if isinstance(term, (NumberSpec, ProbabilitySpec, ExpectationSpec)):
        return True
    if isinstance(term, NegationSpec):
        return is_linear(term.operand)
    if term.op in "+-":
        return is_linear(term.left) and is_linear(term.right)
    if term.op == "*":
        return (isinstance(term.left, NumberSpec) and is_linear(term.right)) or (
            isinstance(term.right, NumberSpec) and is_linear(term.left))
    return isinstance(term.right, NumberSpec) and is_linear(term.left)
