"""Resolved mechanisms: how each variable is generated from its parents.

These are the semantic stage's output and the IR's building blocks.  Every
mechanism knows its parents (model variables) and the parameters it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import ClassVar, Union

from causalppl.lazy import numpy as np

from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx
from causalppl.ir.expressions import Expr, parameters_in, variables_in
from causalppl.ir.families import FAMILIES, Noise
from causalppl.ir.tables import ProbabilityRows


@dataclass(frozen=True)
class Parametric:
    """``X ~ Family(args)``: a stochastic mechanism with implicit noise."""

    family: str
    arguments: tuple[tuple[str, Expr], ...]  # canonical argument name → expression
    span: Span

    @property
    def parents(self) -> tuple[str, ...]:
        return _unique(name for _, expr in self.arguments for name in variables_in(expr))

    @property
    def parameters(self) -> tuple[str, ...]:
        return _unique(name for _, expr in self.arguments for name in parameters_in(expr))

    @property
    def noise(self) -> Noise:
        return FAMILIES[self.family].noise

    def argument(self, name: str) -> Expr | None:
        return dict(self.arguments).get(name)


@dataclass(frozen=True)
class Deterministic:
    """``X := expr``: no noise of its own."""

    expr: Expr
    span: Span

    @property
    def parents(self) -> tuple[str, ...]:
        return variables_in(self.expr)

    @property
    def parameters(self) -> tuple[str, ...]:
        return parameters_in(self.expr)

    noise: ClassVar[Noise] = Noise.NONE


class _ReadsNoParameters:
    """Mechanisms written without expressions read no parameters."""

    @property
    def parameters(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class TableMechanism(_ReadsNoParameters):
    """A conditional probability table; ``rows`` follow :func:`parent_configurations` order.

    ``rows`` may be given as nested sequences or an array; it is kept as :class:`ProbabilityRows`
    (one read-only float64 array, compared and hashed by value; iterating gives tuples of floats).
    """

    parents: tuple[str, ...]
    parent_sizes: tuple[int, ...]
    rows: ProbabilityRows
    span: Span

    noise: ClassVar[Noise] = Noise.INVERSE_CDF

    def __post_init__(self) -> None:
        if not isinstance(self.rows, ProbabilityRows):
            object.__setattr__(self, "rows", ProbabilityRows(self.rows))

    @property
    def probabilities(self) -> np.ndarray:
        """The table as a read-only array of shape ``parent_sizes + (levels,)``."""
        return self.rows.array.reshape(tuple(self.parent_sizes) + (-1,))


@dataclass(frozen=True)
class NonparametricMechanism(_ReadsNoParameters):
    """``X : T <- A, B`` (or a root ``X : T``): an unknown response function."""

    parents: tuple[str, ...]
    span: Span

    noise: ClassVar[Noise] = Noise.RESPONSE_FUNCTION


@dataclass(frozen=True)
class Covariate(_ReadsNoParameters):
    """A root ``X : int`` or ``X : real`` with no mechanism: an observed covariate, conditioned on.

    The language says a root typed variable has an unknown distribution,
    learned from data.  For a variable with infinitely many values that
    distribution is read nonparametrically: it is the data rows themselves.
    The likelihood conditions on the covariate's column and never generates
    it; a query that needs its distribution draws units from the data rows
    (all covariates of one unit come from one row, so their dependence in the
    data is kept), and the Bayesian routes weigh the rows by a Bayesian
    bootstrap.  Without data, only questions that fix the covariate (``do``,
    or evidence ``X = x``) can be answered.  Finite roots (``X : bool``)
    stay :class:`NonparametricMechanism`: a learned table.
    """

    span: Span

    @property
    def parents(self) -> tuple[str, ...]:
        return ()

    noise: ClassVar[Noise] = Noise.NONE  # exogenous: a unit's covariate is its own value in every world


@dataclass(frozen=True)
class ConstantMechanism(_ReadsNoParameters):
    """The result of ``do(X = value)``; ``value`` is a level position for finite X."""

    value: float
    span: Span

    @property
    def parents(self) -> tuple[str, ...]:
        return ()

    noise: ClassVar[Noise] = Noise.NONE


@dataclass(frozen=True)
class NoiseSource:
    """The mechanism of an exogenous noise site: a draw from a standardized law.

    ``law`` is one of Normal, StudentT, Cauchy, Laplace, Uniform (on (0, 1)) or
    Gumbel; ``size`` is the number of independent Gumbels of a Categorical.
    A noise site is itself exogenous: it has no parents and no further noise.
    """

    law: str
    owner: str  # the variable whose noise this is
    span: Span
    size: int | None = None
    df: rx.Expr | None = None  # degrees of freedom of a StudentT (parameters only)

    @property
    def parents(self) -> tuple[str, ...]:
        return ()

    @property
    def parameters(self) -> tuple[str, ...]:
        return rx.parameters_in(self.df) if self.df is not None else ()

    @property
    def noise(self) -> Noise:
        return Noise.NONE


@dataclass(frozen=True)
class Coupled:
    """``X = f(parents, U)``: a stochastic mechanism driven by its explicit noise site."""

    base: Parametric | TableMechanism
    site: str
    span: Span

    @property
    def parents(self) -> tuple[str, ...]:
        return tuple(self.base.parents) + (self.site,)

    @property
    def model_parents(self) -> tuple[str, ...]:
        """The parents of the original mechanism (without the noise site)."""
        return tuple(self.base.parents)

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(self.base.parameters)

    @property
    def coupling(self) -> Noise:
        return self.base.noise

    @property
    def family(self) -> str:
        return self.base.family if isinstance(self.base, Parametric) else "table"

    @property
    def noise(self) -> Noise:
        return Noise.NONE  # deterministic given the noise site


#: The closed union of mechanisms.  The first five come from the source text
#: (a :class:`Covariate` from a root ``int`` or ``real`` declaration without a
#: mechanism), :class:`ConstantMechanism` from ``do``, the last two only from
#: :func:`causalppl.transforms.noise.explicit_noise`.
Mechanism = Union[Parametric, Deterministic, TableMechanism, NonparametricMechanism, Covariate, ConstantMechanism,
                  NoiseSource, Coupled]


def parent_configurations(sizes: tuple[int, ...]) -> list[tuple[int, ...]]:
    """All parent value combinations, first parent slowest (table row order)."""
    return list(product(*(range(size) for size in sizes)))


def _unique(names) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
