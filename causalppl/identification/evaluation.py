"""Numerical evaluation of estimands on a discrete joint distribution, batched, with numpy.

The observational distribution is a tensor whose trailing axes follow
``variables`` (one axis per variable, sized by its number of levels); any
leading axes are batch axes, e.g. 1,000 posterior draws of the joint have shape
``(1000, k1, k2, ...)``.  Evaluation is a single vectorised pass: marginals are
axis sums, conditionals are divisions, and a ``Sum`` of a ``Product`` is one
``einsum`` contraction (never materialising the full product).  Each node
evaluates to a *factor*: a tensor over the batch axes plus one axis per free
variable that the enclosing scope has not fixed.

Positivity: a cell ``0 / 0`` (a conditional on an event of probability zero)
evaluates to 0, and so does any division by zero.  Such cells only arise where
positivity fails, and there the estimand is not defined by the data anyway.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from causalppl.lazy import numpy as np

from causalppl.identification.estimand import Estimand, Fraction, Prob, Product, Sum


def evaluate(
    estimand: Estimand,
    joint: np.ndarray,
    variables: tuple[str, ...],
    assignment: Mapping[str, int],
) -> np.ndarray:
    """The value of ``estimand`` with its free variables set by ``assignment``.

    ``joint`` has shape ``(*batch, k_1, ..., k_n)`` for ``variables`` of length n;
    the result has shape ``batch``.  ``assignment`` maps every free variable of
    the estimand to a level index; entries for other variables are ignored.
    ``joint`` may be anything numpy reads as an array (a CPU torch tensor too);
    the result is a numpy array.
    """
    table = _JointTable.of(np.asarray(joint), tuple(variables))
    fixed = _fixed_values(estimand, table, assignment)
    return _evaluate(estimand, fixed, table).values


@dataclass(frozen=True)
class _Factor:
    """Values over the batch axes followed by one axis per entry of ``axes``."""

    values: np.ndarray
    axes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class _JointTable:
    """The joint tensor, its layout, and a cache of its marginals for one evaluation."""

    joint: np.ndarray
    variables: tuple[str, ...]
    batch_rank: int
    levels: Mapping[str, int]
    marginals: dict[frozenset[str], _Factor] = field(default_factory=dict)

    @classmethod
    def of(cls, joint: np.ndarray, variables: tuple[str, ...]) -> _JointTable:
        if len(set(variables)) != len(variables):
            raise ValueError(f"repeated variable names in {variables}")
        batch_rank = joint.ndim - len(variables)
        if batch_rank < 0:
            raise ValueError(f"joint has {joint.ndim} axes, fewer than the {len(variables)} variables")
        levels = dict(zip(variables, joint.shape[batch_rank:]))
        return cls(joint, variables, batch_rank, levels)

    def marginal(self, keep: frozenset[str]) -> _Factor:
        """The joint summed over every variable outside ``keep`` (cached)."""
        if keep not in self.marginals:
            unknown = keep - set(self.variables)
            if unknown:
                raise KeyError(f"the joint has no axis for {sorted(unknown)}")
            dropped = [self.batch_rank + i for i, v in enumerate(self.variables) if v not in keep]
            values = self.joint.sum(axis=tuple(dropped)) if dropped else self.joint
            self.marginals[keep] = _Factor(values, tuple(v for v in self.variables if v in keep))
        return self.marginals[keep]


def _fixed_values(estimand: Estimand, table: _JointTable, assignment: Mapping[str, int]) -> dict[str, int]:
    free = estimand.free_variables()
    missing = free - set(assignment)
    if missing:
        raise ValueError(f"assignment lacks values for free variables {sorted(missing)}")
    fixed = {name: int(assignment[name]) for name in free}
    for name, level in fixed.items():
        if name not in table.levels:
            raise KeyError(f"the joint has no axis for {name!r}")
        if not 0 <= level < table.levels[name]:
            raise ValueError(f"{name}={level} is outside its {table.levels[name]} levels")
    return fixed


def _evaluate(node: Estimand, fixed: Mapping[str, int], table: _JointTable) -> _Factor:
    if isinstance(node, Prob):
        return _evaluate_prob(node, fixed, table)
    if isinstance(node, Sum):
        return _evaluate_sum(node, fixed, table)
    if isinstance(node, Product):
        return _evaluate_product(node, fixed, table)
    if isinstance(node, Fraction):
        numerator = _evaluate(node.numerator, fixed, table)
        denominator = _evaluate(node.denominator, fixed, table)
        return _divide(numerator, denominator, table)
    raise TypeError(f"cannot evaluate {node!r}")


def _evaluate_prob(node: Prob, fixed: Mapping[str, int], table: _JointTable) -> _Factor:
    joint = _select(table.marginal(frozenset(node.variables) | frozenset(node.given)), fixed, table)
    if not node.given:
        return joint
    given = _select(table.marginal(frozenset(node.given)), fixed, table)
    return _divide(joint, given, table)


def _evaluate_sum(node: Sum, fixed: Mapping[str, int], table: _JointTable) -> _Factor:
    inner_fixed = {k: v for k, v in fixed.items() if k not in node.over}
    terms = node.body.terms if isinstance(node.body, Product) else (node.body,)
    factors = [_evaluate(term, inner_fixed, table) for term in terms]
    present = _union_axes(factors)
    result = _contract(factors, tuple(a for a in present if a not in node.over), table)
    for variable in node.over:
        if variable not in present:  # the body is constant in it: each level counts once
            result = _Factor(result.values * table.levels[variable], result.axes)
    return result


def _evaluate_product(node: Product, fixed: Mapping[str, int], table: _JointTable) -> _Factor:
    factors = [_evaluate(term, fixed, table) for term in node.terms]
    return _contract(factors, _union_axes(factors), table)


def _contract(factors: list[_Factor], keep: tuple[str, ...], table: _JointTable) -> _Factor:
    """Multiply factors and sum out every axis not in ``keep``, in one ``einsum``."""
    batch_shape = table.joint.shape[: table.batch_rank]
    if not factors:
        return _Factor(np.ones(batch_shape, dtype=table.joint.dtype), ())
    axes = _union_axes(factors)
    if len(axes) > len(string.ascii_letters):
        raise ValueError(f"cannot contract over {len(axes)} free variables at once (at most 52)")
    letter = {axis: string.ascii_letters[i] for i, axis in enumerate(axes)}
    inputs = ",".join("..." + "".join(letter[a] for a in f.axes) for f in factors)
    output = "..." + "".join(letter[a] for a in keep)
    values = np.einsum(f"{inputs}->{output}", *(f.values for f in factors), optimize=len(factors) > 2)
    return _Factor(np.broadcast_to(values, (*batch_shape, *values.shape[table.batch_rank :])), keep)


def _divide(numerator: _Factor, denominator: _Factor, table: _JointTable) -> _Factor:
    axes = _union_axes([numerator, denominator])
    top = _aligned(numerator, axes, table)
    bottom = _aligned(denominator, axes, table)
    zero = bottom == 0
    quotient = np.where(zero, 0.0, top / np.where(zero, 1.0, bottom))
    return _Factor(quotient, axes)


def _select(factor: _Factor, fixed: Mapping[str, int], table: _JointTable) -> _Factor:
    """Index the axes of fixed variables at their assigned levels."""
    values = factor.values
    kept = []
    for axis in reversed(factor.axes):  # right to left keeps earlier positions valid
        position = table.batch_rank + factor.axes.index(axis)
        if axis in fixed:
            values = np.take(values, fixed[axis], axis=position)
        else:
            kept.append(axis)
    return _Factor(values, tuple(reversed(kept)))


def _union_axes(factors: list[_Factor]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(axis for f in factors for axis in f.axes))


def _aligned(factor: _Factor, axes: tuple[str, ...], table: _JointTable) -> np.ndarray:
    """Permute and unsqueeze a factor so it broadcasts over ``axes`` (a superset of its own)."""
    batch = list(range(table.batch_rank))
    order = [table.batch_rank + factor.axes.index(a) for a in axes if a in factor.axes]
    values = np.transpose(factor.values, (*batch, *order))
    shape = list(values.shape[: table.batch_rank])
    present = iter(values.shape[table.batch_rank :])
    shape += [next(present) if a in factor.axes else 1 for a in axes]
    return values.reshape(shape)
