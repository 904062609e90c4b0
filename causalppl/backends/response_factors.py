"""Twin-network factors of a finite multi-world model: the exact response-function representation.

A noise site read by one variable only is summed out in that variable's
ordinary conditional table.  A site shared by several worlds becomes a finite
variable: its Uniform(0, 1) is cut at every breakpoint the mechanism can use
(the values ``p`` of a Bernoulli, the cumulative probabilities of a table,
over all parent configurations), so that inside each cell every copy is a
fixed function of its parents.  The cell's width is its prior probability,
and each copy gets a 0/1 table (parents, cell) → value.  A Categorical's
Gumbel-max noise has such a finite representation only when its
probabilities do not depend on the parents (then the cell is the value).
"""

from __future__ import annotations

from dataclasses import replace

import torch

from causalppl.backends import runtime as rt
from causalppl.backends.exact import Factor
from causalppl.backends.factors import (
    DTYPE,
    FactorGraph,
    NotTabulable,
    fixed_parameter_values,
    variable_factor,
)
from causalppl.ir.families import Noise
from causalppl.ir.mechanisms import Coupled, NoiseSource
from causalppl.ir.model import CausalModel, Variable

MERGE_TOLERANCE = 1e-12


def twin_factors(model: CausalModel) -> FactorGraph:
    """Factors of a multi-world model whose variables are all finite (raises NotTabulable otherwise)."""
    _require_finite(model)
    with rt.default_dtype(DTYPE):
        params = fixed_parameter_values(model)
        readers = _readers(model)
        factors: list[Factor] = []
        heads: list[str] = []
        for variable in model.model_variables:
            for factor, head in _factors_of(model, variable, readers, params):
                factors.append(factor)
                heads.append(head)
    return FactorGraph(tuple(factors), tuple(heads))


def _require_finite(model: CausalModel) -> None:
    """Every variable other than a noise site, and every parent it reads, takes finitely many values."""
    for variable in model.model_variables:
        mechanism = variable.mechanism
        if isinstance(mechanism, NoiseSource):
            continue
        parents = mechanism.model_parents if isinstance(mechanism, Coupled) else variable.parents
        for name in (variable.name, *parents):
            domain = model.variable(name).domain
            if not domain.is_finite:
                raise NotTabulable(f"'{name}' is {domain.describe()}")


def _readers(model: CausalModel) -> dict[str, list[Variable]]:
    readers: dict[str, list[Variable]] = {}
    for variable in model.model_variables:
        if isinstance(variable.mechanism, Coupled):
            readers.setdefault(variable.mechanism.site, []).append(variable)
    return readers


def _factors_of(model: CausalModel, variable: Variable, readers, params) -> list[tuple[Factor, str]]:
    mechanism = variable.mechanism
    if isinstance(mechanism, NoiseSource):
        shared = readers.get(variable.name, [])
        if len(shared) < 2:
            return []
        widths, _ = _cells(model, shared, params)
        return [(Factor((variable.name,), widths), variable.name)]
    if isinstance(mechanism, Coupled):
        shared = readers[mechanism.site]
        if len(shared) < 2:
            return [(variable_factor(model, replace(variable, mechanism=mechanism.base), params), variable.name)]
        _, responses = _cells(model, shared, params)
        return [(_response_factor(model, variable, responses[variable.name]), variable.name)]
    return [(variable_factor(model, variable, params), variable.name)]


def _cells(model: CausalModel, shared: list[Variable], params) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Cell widths of a shared site, and each reader's value in each cell (parents..., cell)."""
    tables = {v.name: variable_factor(model, replace(v, mechanism=v.mechanism.base), params).table for v in shared}
    coupling = shared[0].mechanism.coupling
    if coupling is Noise.GUMBEL_MAX:
        return _categorical_cells(shared, tables)
    edges = _breakpoints([_cut_points(coupling, table) for table in tables.values()])
    mids = (edges[:-1] + edges[1:]) / 2
    responses = {name: _response(coupling, table, mids) for name, table in tables.items()}
    return edges[1:] - edges[:-1], responses


def _cut_points(coupling: Noise, table: torch.Tensor) -> torch.Tensor:
    if coupling is Noise.UNIFORM_THRESHOLD:
        return table[..., 1].reshape(-1)
    return torch.cumsum(table, dim=-1).reshape(-1)


def _breakpoints(points: list[torch.Tensor]) -> torch.Tensor:
    values = torch.cat(points + [torch.tensor([0.0, 1.0], dtype=DTYPE)]).clamp(0.0, 1.0)
    values, _ = torch.sort(values)
    kept = [float(values[0])]
    for value in values[1:].tolist():
        if value - kept[-1] > MERGE_TOLERANCE:
            kept.append(value)
    kept[-1] = 1.0
    return torch.tensor(kept, dtype=DTYPE)


def _response(coupling: Noise, table: torch.Tensor, mids: torch.Tensor) -> torch.Tensor:
    """The value index of a reader for each parent configuration and cell: shape (parents..., cells)."""
    if coupling is Noise.UNIFORM_THRESHOLD:
        return (mids < table[..., 1].unsqueeze(-1)).long()
    cumulative = torch.cumsum(table, dim=-1).unsqueeze(-2)  # (parents..., 1, k)
    count = (cumulative <= mids.unsqueeze(-1)).sum(-1)
    return count.clamp(max=table.shape[-1] - 1)


def _categorical_cells(shared: list[Variable], tables: dict[str, torch.Tensor]):
    rows = [table.reshape(-1, table.shape[-1]) for table in tables.values()]
    first = rows[0][0]
    if any(bool((r - first).abs().max() > MERGE_TOLERANCE) for r in rows):
        raise NotTabulable(f"'{shared[0].name}' is a Categorical whose probabilities "
                           "depend on its parents: its Gumbel-max coupling has no finite exact representation")
    k = first.shape[0]
    responses = {name: torch.arange(k).expand(table.shape[:-1] + (k,)) for name, table in tables.items()}
    return first.clone(), responses


def _response_factor(model: CausalModel, variable: Variable, response: torch.Tensor) -> Factor:
    k = variable.domain.size
    table = torch.nn.functional.one_hot(response, k).to(DTYPE)
    return Factor(variable.mechanism.model_parents + (variable.mechanism.site, variable.name), table)
