"""Numerical evaluation of estimands on a discrete joint distribution, batched, with numpy.

The observational distribution is a tensor whose trailing axes follow
``variables`` (one axis per variable, sized by its number of levels); any
leading axes are batch axes, e.g. 1,000 posterior draws of the joint have shape
``(1000, k1, k2, ...)``.  Evaluation is a single vectorised pass: marginals are
axis sums, conditionals are divisions, and a ``Sum`` of a ``Product`` is one
``einsum`` contraction (never materialising the full product).  Each node
evaluates to a *factor*: a tensor over the batch axes plus one axis per free
variable that the enclosing scope has not fixed.

Positivity.  A conditional ``P(V | G = g)`` on a stratum of probability zero
(``0 / 0``) is *undefined*: the data say nothing about it, so it may be any
probability in [0, 1].  The estimand still has a value when every undefined
conditional it meets has weight zero in it (it is multiplied by a probability
zero, as ``P(y | x, z) P(z)`` at a ``z`` with ``P(z) = 0``); otherwise it is
undefined, because positivity fails.  Evaluation carries each factor as the
lowest and the highest value it takes over the undefined conditionals (each at
0, each at 1; interval arithmetic, exact for sums and products of probabilities,
which are monotone in every factor): :func:`evaluate_range` returns both, equal
to the bit where the estimand is defined, and :func:`evaluate` the lower one
(the value with ``0 / 0`` read as 0).  A ``Fraction`` whose denominator may be
zero is undefined in the same way; every ratio the identification algorithms
build is a conditional probability (its denominator sums its numerator), so
there it lies in [0, 1].  :func:`undefined_conditional` names a conditional and
a stratum that make an estimand undefined, with its weight.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from causalppl.lazy import numpy as np

from causalppl.identification.estimand import Estimand, Fraction, Prob, Product, Sum

Path = tuple[int, ...]  # where a node occurs in the tree: the child positions from the root
Opened = Callable[[Path], "np.ndarray | bool"]  # which undefined cells of a division may take any value


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
    the result is a numpy array.  Undefined conditionals (``0 / 0``) count as 0:
    where that matters, :func:`evaluate_range` tells the two ends apart.
    """
    return evaluate_range(estimand, joint, variables, assignment)[0]


def evaluate_range(
    estimand: Estimand,
    joint: np.ndarray,
    variables: tuple[str, ...],
    assignment: Mapping[str, int],
) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and the highest value of ``estimand`` over its undefined conditionals, each of shape ``batch``.

    The two are equal exactly where the estimand is defined (every conditional
    on a stratum of probability zero has weight zero); where the high one is
    larger, positivity fails and the data do not determine the estimand.
    """
    table = _JointTable.of(np.asarray(joint), tuple(variables), _all_open)
    fixed = _fixed_values(estimand, table, assignment)
    result = _evaluate(estimand, fixed, table, ())
    return result.values, result.upper


@dataclass(frozen=True)
class Undefined:
    """A conditional on a stratum of probability zero that an estimand gives positive weight.

    ``term`` is the conditional (a ``Prob`` with conditions, or a ``Fraction``);
    ``stratum`` the level of each variable it conditions on (the variables of the
    ``Fraction``'s denominator), in the joint's variable order; ``fixed`` those of
    them the assignment sets (the others are summed over by the estimand); and
    ``weight`` how far the estimand moves when the conditional goes from 0 to 1.
    """

    term: Estimand
    stratum: tuple[tuple[str, int], ...]
    fixed: frozenset[str]
    weight: float


def undefined_conditional(
    estimand: Estimand,
    joint: np.ndarray,
    variables: tuple[str, ...],
    assignment: Mapping[str, int],
) -> Undefined | None:
    """A conditional on an empty stratum that makes ``estimand`` undefined on ``joint`` (no batch axes), or None.

    The strata of probability zero are put in the order the formula meets them;
    the first one that makes the estimand undefined, together with those before it
    (a binary search, since opening more strata only widens the range), is named.
    """
    joint = np.asarray(joint)
    if joint.ndim != len(variables):
        raise ValueError("undefined_conditional takes one joint table, without batch axes")
    recorder = _Recorder()
    table = _JointTable.of(joint, tuple(variables), recorder)
    fixed = _fixed_values(estimand, table, assignment)
    result = _evaluate(estimand, fixed, table, ())
    if not result.upper > result.values:
        return None
    cells = [(site, index) for site in recorder.sites for index in map(tuple, np.argwhere(site.zero))]

    def width(count: int) -> float:
        opened: dict[Path, np.ndarray] = {}
        for site, index in cells[:count]:
            mask = opened.setdefault(site.path, np.zeros(site.zero.shape, dtype=bool))
            mask[index] = True
        probe = _JointTable.of(joint, tuple(variables), lambda path: opened.get(path, False))
        value = _evaluate(estimand, fixed, probe, ())
        return float(value.upper - value.values)

    low, high = 0, len(cells)  # width(low) == 0 < width(high)
    while high - low > 1:
        middle = (low + high) // 2
        if width(middle) > 0:
            high = middle
        else:
            low = middle
    if not cells or width(high) <= 0:
        return None
    site, index = cells[high - 1]
    levels = {**site.fixed, **{axis: int(level) for axis, level in zip(site.axes, index)}}
    stratum = tuple((v, levels[v]) for v in variables if v in levels)
    return Undefined(site.term, stratum, frozenset(site.fixed), width(high))


@dataclass(frozen=True)
class _Factor:
    """Values over the batch axes followed by one axis per entry of ``axes``.

    ``values`` is the lowest value over the undefined conditionals (each at 0);
    ``high`` the highest, or None where it equals ``values`` everywhere.
    """

    values: np.ndarray
    axes: tuple[str, ...]
    high: np.ndarray | None = None

    @property
    def upper(self) -> np.ndarray:
        return self.values if self.high is None else self.high


@dataclass(frozen=True)
class _Site:
    """A division of the formula with a denominator of probability zero somewhere (recorded for diagnosis)."""

    path: Path
    term: Estimand
    axes: tuple[str, ...]  # the denominator's axes at this point of the formula
    fixed: dict[str, int]  # the denominator's variables fixed here, with their levels
    zero: np.ndarray  # over ``axes``: where the denominator may be zero


class _Recorder:
    """An ``Opened`` that opens every undefined cell and records each division that has some."""

    def __init__(self) -> None:
        self.sites: list[_Site] = []

    def __call__(self, path: Path) -> bool:
        return True

    def record(self, site: _Site) -> None:
        if site.zero.any():
            self.sites.append(site)


def _all_open(path: Path) -> bool:
    return True


@dataclass(frozen=True, eq=False)
class _JointTable:
    """The joint tensor, its layout, which undefined cells are open, and a cache of its marginals."""

    joint: np.ndarray
    variables: tuple[str, ...]
    batch_rank: int
    levels: Mapping[str, int]
    opened: Opened
    marginals: dict[frozenset[str], _Factor] = field(default_factory=dict)

    @classmethod
    def of(cls, joint: np.ndarray, variables: tuple[str, ...], opened: Opened) -> _JointTable:
        if len(set(variables)) != len(variables):
            raise ValueError(f"repeated variable names in {variables}")
        batch_rank = joint.ndim - len(variables)
        if batch_rank < 0:
            raise ValueError(f"joint has {joint.ndim} axes, fewer than the {len(variables)} variables")
        levels = dict(zip(variables, joint.shape[batch_rank:]))
        return cls(joint, variables, batch_rank, levels, opened)

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


def _evaluate(node: Estimand, fixed: Mapping[str, int], table: _JointTable, path: Path) -> _Factor:
    if isinstance(node, Prob):
        return _evaluate_prob(node, fixed, table, path)
    if isinstance(node, Sum):
        return _evaluate_sum(node, fixed, table, path)
    if isinstance(node, Product):
        return _evaluate_product(node, fixed, table, path)
    if isinstance(node, Fraction):
        numerator = _evaluate(node.numerator, fixed, table, (*path, 0))
        denominator = _evaluate(node.denominator, fixed, table, (*path, 1))
        return _divide(numerator, denominator, table, _Division(node, path, fixed))
    raise TypeError(f"cannot evaluate {node!r}")


@dataclass(frozen=True)
class _Division:
    """Where a division occurs: its node, its path, and the variables fixed there."""

    term: Estimand
    path: Path
    fixed: Mapping[str, int]


def _evaluate_prob(node: Prob, fixed: Mapping[str, int], table: _JointTable, path: Path) -> _Factor:
    joint = _select(table.marginal(frozenset(node.variables) | frozenset(node.given)), fixed, table)
    if not node.given:
        return joint
    given = _select(table.marginal(frozenset(node.given)), fixed, table)
    return _divide(joint, given, table, _Division(node, path, fixed))


def _evaluate_sum(node: Sum, fixed: Mapping[str, int], table: _JointTable, path: Path) -> _Factor:
    inner_fixed = {k: v for k, v in fixed.items() if k not in node.over}
    if isinstance(node.body, Product):
        terms = [(term, (*path, 0, i)) for i, term in enumerate(node.body.terms)]
    else:
        terms = [(node.body, (*path, 0))]
    factors = [_evaluate(term, inner_fixed, table, where) for term, where in terms]
    present = _union_axes(factors)
    result = _contract(factors, tuple(a for a in present if a not in node.over), table)
    for variable in node.over:
        if variable not in present:  # the body is constant in it: each level counts once
            count = table.levels[variable]
            result = _Factor(result.values * count, result.axes, None if result.high is None else result.high * count)
    return result


def _evaluate_product(node: Product, fixed: Mapping[str, int], table: _JointTable, path: Path) -> _Factor:
    factors = [_evaluate(term, fixed, table, (*path, i)) for i, term in enumerate(node.terms)]
    return _contract(factors, _union_axes(factors), table)


def _contract(factors: list[_Factor], keep: tuple[str, ...], table: _JointTable) -> _Factor:
    """Multiply factors and sum out every axis not in ``keep``, in one ``einsum`` (two with undefined cells)."""
    batch_shape = table.joint.shape[: table.batch_rank]
    if not factors:
        return _Factor(np.ones(batch_shape, dtype=table.joint.dtype), ())
    axes = _union_axes(factors)
    if len(axes) > len(string.ascii_letters):
        raise ValueError(f"cannot contract over {len(axes)} free variables at once (at most 52)")
    letter = {axis: string.ascii_letters[i] for i, axis in enumerate(axes)}
    inputs = ",".join("..." + "".join(letter[a] for a in f.axes) for f in factors)
    output = "..." + "".join(letter[a] for a in keep)

    def contracted(arrays: list[np.ndarray]) -> np.ndarray:
        values = np.einsum(f"{inputs}->{output}", *arrays, optimize=len(factors) > 2)
        return np.broadcast_to(values, (*batch_shape, *values.shape[table.batch_rank :]))

    low = contracted([f.values for f in factors])
    high = contracted([f.upper for f in factors]) if any(f.high is not None for f in factors) else None
    return _Factor(low, keep, high)


def _divide(numerator: _Factor, denominator: _Factor, table: _JointTable, division: _Division) -> _Factor:
    """``numerator / denominator``; where the denominator may be zero the quotient is anything in [0, 1].

    Interval division of nonnegative ranges: the low end is the low numerator over
    the high denominator, the high end the reverse.  A cell whose low denominator
    is zero is undefined: [0, 1] where ``table.opened`` opens it, 0 where not.
    """
    axes = _union_axes([numerator, denominator])
    top, bottom = _aligned(numerator, axes, table), _aligned(denominator, axes, table)
    top_high, bottom_high = _aligned_high(numerator, axes, table), _aligned_high(denominator, axes, table)
    zero = bottom == 0
    wide = bottom if bottom_high is None else bottom_high
    low = np.where(zero, 0.0, top / np.where(zero, 1.0, wide))
    if isinstance(table.opened, _Recorder):
        table.opened.record(_site(division, denominator, table))
    opened = table.opened(division.path)
    undefined = zero if opened is True else zero & _aligned_mask(opened, denominator, axes, table)
    if top_high is None and bottom_high is None and not undefined.any():
        return _Factor(low, axes)
    high = np.where(zero, 0.0, (top if top_high is None else top_high) / np.where(zero, 1.0, bottom))
    high = np.where(undefined, 1.0, high)
    return _Factor(low, axes, np.broadcast_to(high, np.broadcast_shapes(high.shape, low.shape)))


def _site(division: _Division, denominator: _Factor, table: _JointTable) -> _Site:
    term = division.term
    names = term.given if isinstance(term, Prob) else tuple(term.denominator.free_variables())
    fixed = {name: division.fixed[name] for name in names if name in division.fixed}
    zero = np.asarray(denominator.values == 0)
    return _Site(division.path, term, denominator.axes, fixed, zero.reshape(zero.shape[table.batch_rank :]))


def _aligned_mask(opened, denominator: _Factor, axes: tuple[str, ...], table: _JointTable) -> np.ndarray:
    """An open mask over the denominator's axes, shaped to broadcast over ``axes``."""
    if opened is False:
        return np.zeros((), dtype=bool)
    mask = np.asarray(opened, dtype=bool).reshape((1,) * table.batch_rank + np.shape(opened))
    return _aligned(_Factor(mask, denominator.axes), axes, table)


def _aligned_high(factor: _Factor, axes: tuple[str, ...], table: _JointTable) -> np.ndarray | None:
    return None if factor.high is None else _aligned(_Factor(factor.high, factor.axes), axes, table)


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
