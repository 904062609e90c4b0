"""The helpers generated NumPyro programs call (imported there as ``rt``): :mod:`runtime` over JAX.

Same names and meaning as the torch helpers of
:mod:`causalppl.backends.runtime`, so the one expression writer serves
both programs.  Needs the optional ``numpyro`` extra (``pip install
causalppl[numpyro]``); nothing imports this module unless the NumPyro
backend is asked for.
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Mapping

import jax.numpy as jnp
import numpyro


def _float():
    return jnp.result_type(float)  # float32 unless jax_enable_x64


def tensor(value):
    array = jnp.asarray(value)
    return array if jnp.issubdtype(array.dtype, jnp.floating) else array.astype(_float())


def whole(value):
    """A count argument (``total_count``) as integers: JAX's Binomial sampler indexes with it."""
    return jnp.round(jnp.asarray(value)).astype(jnp.int32)


def table(rows: list):
    return jnp.asarray(rows, dtype=_float())


def lookup(cpt, *parents):
    """Rows of a table for the given parent values (batched over units and enumerated values)."""
    if not parents:
        return cpt
    return cpt[tuple(jnp.asarray(p).astype(jnp.int32) for p in parents)]


def index(vector, position):
    vector = tensor(vector)
    position = jnp.asarray(position).astype(jnp.int32)
    if vector.ndim == 1:
        return vector[..., position]
    return jnp.take_along_axis(vector, position[..., None], axis=-1)[..., 0]


def at(vector, position: int):
    """``vector[position]`` for a constant position (batched over leading axes)."""
    return tensor(vector)[..., position]


def dot(vector, positions: tuple[int, ...], items: tuple):
    """``sum_j vector[positions[j]] * items[j]`` as one matrix product (a linear predictor over columns)."""
    vector = tensor(vector)
    columns = jnp.stack(jnp.broadcast_arrays(*[tensor(item) for item in items]), axis=-1)
    weights = vector[..., jnp.asarray(positions)]
    return jnp.matmul(columns, weights[..., None])[..., 0]


def vector(*items):
    return jnp.stack(jnp.broadcast_arrays(*[tensor(item) for item in items]), axis=-1)


def constant(value: float, n_units: int):
    return jnp.full((n_units,), float(value), dtype=_float())


def per_unit(value, n_units: int):
    value = tensor(value)
    return value if value.ndim > 0 and value.shape[-1] == n_units else value * jnp.ones(n_units)


def truth(value):
    return tensor(value) != 0


def logical(value):
    return value.astype(_float())


def eq(a, b):
    return logical(tensor(a) == tensor(b))


def ne(a, b):
    return logical(tensor(a) != tensor(b))


def lt(a, b):
    return logical(tensor(a) < tensor(b))


def le(a, b):
    return logical(tensor(a) <= tensor(b))


def gt(a, b):
    return logical(tensor(a) > tensor(b))


def ge(a, b):
    return logical(tensor(a) >= tensor(b))


def both(a, b):
    return logical(truth(a) & truth(b))


def either(a, b):
    return logical(truth(a) | truth(b))


def negate(a):
    return logical(~truth(a))


def entries(value):
    """A number that meets a vector, entry by entry: one more, last axis (a value per unit becomes a column)."""
    return jnp.expand_dims(tensor(value), -1)


def where(condition, a, b):
    return jnp.where(truth(condition), tensor(a), tensor(b))


def exp(x):
    return jnp.exp(tensor(x))


def log(x):
    return jnp.log(tensor(x))


def sqrt(x):
    return jnp.sqrt(tensor(x))


def abs(x):  # noqa: A001 - mirrors the language's function name
    return jnp.abs(tensor(x))


def sigmoid(x):
    return 1.0 / (1.0 + jnp.exp(-tensor(x)))


def logit(x):
    x = tensor(x)
    return jnp.log(x) - jnp.log1p(-x)


def softplus(x):
    return jnp.logaddexp(tensor(x), 0.0)


def min(a, b):  # noqa: A001
    return jnp.minimum(tensor(a), tensor(b))


def max(a, b):  # noqa: A001
    return jnp.maximum(tensor(a), tensor(b))


def column(data: Mapping | None, name: str, units=None):
    """The observed values of ``name`` for the units in this (sub)sample, or None (shapes are static)."""
    if data is None or name not in data:
        return None
    values = data[name]
    return values if units is None or units.shape[0] == values.shape[0] else values[units]


OBSERVED = "observed:"  # as in the Pyro runtime: data[OBSERVED + name] marks observed cells


def covariate(data: Mapping | None, name: str, units=None):
    """The values of the covariate ``name`` (read from the data, never generated)."""
    values = column(data, name, units)
    if values is None:
        raise ValueError(f"'{name}' is a covariate (a root variable with no mechanism): its values come from "
                         f"the data; pass them as data[\"{name}\"], one per unit")
    return tensor(values)


def observed(data: Mapping | None, name: str, units=None):
    """The mask of observed cells of ``name`` (NumPyro's ``obs_mask``), or None when none is missing."""
    return column(data, OBSERVED + name, units)


@contextlib.contextmanager
def row_weights(data: Mapping | None, units) -> Iterator[None]:
    """Weight each unit's log-density by its ``count`` column, when the data has one."""
    weights = column(data, "count", units)
    if weights is None:
        yield
        return
    with numpyro.handlers.scale(scale=weights):
        yield
