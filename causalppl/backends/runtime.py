"""Small helpers the generated Pyro programs call (imported there as ``rt``).

They keep the generated source readable: broadcasting of Python numbers,
indexing tables by parent values, reading data columns, row weights; and
the device and dtype contexts the inference code runs them under.
"""

from __future__ import annotations

import contextlib
import operator
from typing import Iterator, Mapping

from causalppl.lazy import torch
from causalppl.lazy import poutine


def tensor(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value if value.is_floating_point() else value.to(torch.get_default_dtype())
    return torch.as_tensor(value, dtype=torch.get_default_dtype())


def table(rows: list, device: str | None = None) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.get_default_dtype(), device=device)


def lookup(cpt: torch.Tensor, *parents: torch.Tensor) -> torch.Tensor:
    """Rows of a table for the given parent values (batched over units)."""
    if not parents:
        return cpt
    indices = [torch.as_tensor(p).long() for p in parents]
    return cpt[tuple(indices)]


def index(vector, position) -> torch.Tensor:
    vector = tensor(vector)
    return vector[..., torch.as_tensor(position).long()] if vector.dim() == 1 else \
        torch.gather(vector, -1, torch.as_tensor(position).long().unsqueeze(-1)).squeeze(-1)


def at(vector, position: int) -> torch.Tensor:
    """``vector[position]`` for a constant position (batched over leading axes)."""
    return tensor(vector)[..., position]


def dot(vector, positions: tuple[int, ...], items: tuple) -> torch.Tensor:
    """``sum_j vector[positions[j]] * items[j]`` as one matrix product (a linear predictor over columns)."""
    vector = tensor(vector)
    columns = _design(items)
    if tuple(positions) == tuple(range(vector.shape[-1])):
        weights = vector  # the whole vector, in order (the usual linear predictor): no indexing in the gradient
    elif tuple(positions) == tuple(range(positions[0], positions[0] + len(positions))):
        weights = vector[..., positions[0]:positions[0] + len(positions)]
    else:
        weights = vector[..., list(positions)]
    weights = weights.to(columns.dtype)
    if weights.dim() == 1:
        return torch.mv(columns, weights) if columns.dim() == 2 else torch.matmul(columns, weights)
    return torch.matmul(columns, weights.unsqueeze(-1)).squeeze(-1)


#: Design matrices of ``dot`` over data columns, by the columns they stack (a sampler evaluates the same
#: columns at every step; stacking them anew each time cost more than the matrix product).
_designs: dict[tuple[int, ...], tuple[tuple[torch.Tensor, ...], tuple[int, ...], torch.Tensor]] = {}
DESIGN_CACHE_SIZE = 4
_VERSION = operator.attrgetter("_version")
_REQUIRES_GRAD = operator.attrgetter("requires_grad")


def _design(items: tuple) -> torch.Tensor:
    """The items stacked as the columns of a matrix (broadcast over units); data columns' matrix is reused."""
    tracing = torch.jit.is_tracing()
    # the lookup first, in C loops (map): a sampler asks for the same columns at every evaluation
    found = None if tracing else _designs.get(tuple(map(id, items)))
    if found is not None and all(map(operator.is_, found[0], items)) and found[1] == tuple(map(_VERSION, items)) \
            and not any(map(_REQUIRES_GRAD, items)):  # the same tensors, unchanged since (in place) and constant
        return found[2]
    constant = not tracing and all(isinstance(item, torch.Tensor) and not item.requires_grad for item in items)
    if not constant:
        return torch.stack(torch.broadcast_tensors(*[tensor(item) for item in items]), dim=-1)
    key = tuple(id(item) for item in items)
    versions = tuple(item._version for item in items)  # an in-place change of a column invalidates its matrix
    matrix = torch.stack(torch.broadcast_tensors(*[tensor(item) for item in items]), dim=-1)
    _designs.pop(key, None)
    _designs[key] = (tuple(items), versions, matrix)  # the items are kept alive: their ids stay theirs
    while len(_designs) > DESIGN_CACHE_SIZE:
        del _designs[next(iter(_designs))]
    return matrix


def vector(*items) -> torch.Tensor:
    values = torch.broadcast_tensors(*[tensor(item) for item in items])
    return torch.stack(values, dim=-1)


def constant(value: float, n_units: int, like: torch.Tensor | None = None) -> torch.Tensor:
    return torch.full((n_units,), float(value), dtype=torch.get_default_dtype())


def per_unit(value, n_units: int) -> torch.Tensor:
    """A ``:=`` variable's value with one entry per unit (a constant formula is broadcast)."""
    value = tensor(value)
    return value if value.dim() > 0 and value.shape[-1] == n_units else value * torch.ones(n_units)


def truth(value) -> torch.Tensor:
    return tensor(value) != 0


def logical(value: torch.Tensor) -> torch.Tensor:
    return value.to(torch.get_default_dtype())


def eq(a, b) -> torch.Tensor:
    return logical(tensor(a) == tensor(b))


def ne(a, b) -> torch.Tensor:
    return logical(tensor(a) != tensor(b))


def lt(a, b) -> torch.Tensor:
    return logical(tensor(a) < tensor(b))


def le(a, b) -> torch.Tensor:
    return logical(tensor(a) <= tensor(b))


def gt(a, b) -> torch.Tensor:
    return logical(tensor(a) > tensor(b))


def ge(a, b) -> torch.Tensor:
    return logical(tensor(a) >= tensor(b))


def both(a, b) -> torch.Tensor:
    return logical(truth(a) & truth(b))


def either(a, b) -> torch.Tensor:
    return logical(truth(a) | truth(b))


def negate(a) -> torch.Tensor:
    return logical(~truth(a))


def entries(value) -> torch.Tensor:
    """A number that meets a vector, entry by entry: one more, last axis (a value per unit becomes a column)."""
    return tensor(value).unsqueeze(-1)


def where(condition, a, b) -> torch.Tensor:
    return torch.where(truth(condition), tensor(a), tensor(b))


def exp(x) -> torch.Tensor:
    return torch.exp(tensor(x))


def log(x) -> torch.Tensor:
    return torch.log(tensor(x))


def sqrt(x) -> torch.Tensor:
    return torch.sqrt(tensor(x))


def abs(x) -> torch.Tensor:  # noqa: A001 - mirrors the language's function name
    return torch.abs(tensor(x))


def sigmoid(x) -> torch.Tensor:
    return torch.sigmoid(tensor(x))


def logit(x) -> torch.Tensor:
    return torch.logit(tensor(x))


def softplus(x) -> torch.Tensor:
    return torch.nn.functional.softplus(tensor(x))


def min(a, b) -> torch.Tensor:  # noqa: A001
    return torch.minimum(tensor(a), tensor(b))


def max(a, b) -> torch.Tensor:  # noqa: A001
    return torch.maximum(tensor(a), tensor(b))


def column(data: Mapping[str, torch.Tensor] | None, name: str, units: torch.Tensor | None = None):
    """The observed values of ``name`` for the units in this (sub)sample, or None."""
    if data is None or name not in data:
        return None
    values = data[name]
    # a plate over every unit yields 0..n-1 (subsampling always draws fewer than n); shapes, not len(): a
    # sampler reads every column at every step, and Tensor.__len__ is a Python method
    return values if units is None or units.shape[0] == values.shape[0] else values[units]


#: ``data[OBSERVED + name]`` marks the observed cells of ``name`` (True) when some are missing.
OBSERVED = "observed:"


class MissingCovariate(ValueError):
    """A covariate's values were not passed in ``data``."""


def covariate(data: Mapping[str, torch.Tensor] | None, name: str, units: torch.Tensor | None = None) -> torch.Tensor:
    """The values of the covariate ``name`` for these units: covariates are read, never generated."""
    values = column(data, name, units)
    if values is None:
        raise MissingCovariate(f"'{name}' is a covariate (a root variable with no mechanism): its values come from "
                               f"the data; pass them as data[\"{name}\"], one per unit")
    return tensor(values)


def observed(data: Mapping[str, torch.Tensor] | None, name: str, units: torch.Tensor | None = None):
    """The mask of observed cells of ``name`` (Pyro's ``obs_mask``), or None when none is missing."""
    return column(data, OBSERVED + name, units)


def row_weights(data: Mapping[str, torch.Tensor] | None,
                units: torch.Tensor | None) -> contextlib.AbstractContextManager:
    """Weight each unit's log-density by its ``count`` column, when the data has one (a context manager).

    Without a ``count`` column it is a shared do-nothing context: a sampler enters it at every evaluation.
    """
    weights = column(data, "count", units) if data is not None else None
    return _UNWEIGHTED if weights is None else poutine.scale(scale=tensor(weights))


_UNWEIGHTED = contextlib.nullcontext()


@contextlib.contextmanager
def default_device(device: torch.device | str) -> Iterator[None]:
    """Create tensors on ``device`` (models, tables and samplers run on the GPU with "cuda")."""
    previous = torch.get_default_device()
    torch.set_default_device(device)
    try:
        yield
    finally:
        torch.set_default_device(previous)


@contextlib.contextmanager
def default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """Compute in ``dtype`` (the exact engine tabulates mechanisms in float64)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)
