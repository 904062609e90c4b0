"""Which unknowns have exact updates, read from the IR and the data's missing cells alone (no torch).

The planner asks these questions of every query (``causalppl run
--explain`` shows the answers), so they live apart from the samplers that
act on them: answering one never imports torch or pyro.

>>> import causalppl as cp
>>> m = cp.loads("model T { X : bool\\n Y : bool <- X }")
>>> [v.name for v in separable_tables(m.ir)], is_conjugate(m.ir), conjugate_route(m.ir, None)
(['X', 'Y'], True, True)
"""

from __future__ import annotations

from causalppl.data import DataCollection
from causalppl.ir.mechanisms import NonparametricMechanism
from causalppl.ir.model import CausalModel, Variable


def nonparametric_variables(model: CausalModel) -> tuple[Variable, ...]:
    return tuple(v for v in model.model_variables if isinstance(v.mechanism, NonparametricMechanism))


def is_conjugate(model: CausalModel) -> bool:
    """Every unknown is a table whose variable and parents are observed, and no ``<->`` arc."""
    if model.confounders or any(p.mechanism is not None for p in model.parameters):
        return False
    tables = nonparametric_variables(model)
    return bool(tables) and len(separable_tables(model)) == len(tables)


def separable_tables(model: CausalModel) -> tuple[Variable, ...]:
    """Tables whose posterior is an exact Dirichlet independent of every other unknown.

    A table whose variable and parents are observed in every row, and that no
    ``<->`` arc touches, enters the likelihood only through its own factor
    (children read the observed value, not the table): its posterior
    factorises from the rest, so it is drawn exactly and the sampler runs
    on the remaining unknowns.
    """
    separable = []
    for variable in nonparametric_variables(model):
        names = (variable.name,) + tuple(variable.parents)
        observed = all(model.variable(name).is_observable and model.variable(name).domain.is_finite for name in names)
        if observed and not any(c.touches([variable.name]) for c in model.confounders):
            separable.append(variable)
    return tuple(separable)


def counted_names(model: CausalModel) -> set[str]:
    """The variables some table counts: each table's variable and its parents."""
    names: set[str] = set()
    for variable in nonparametric_variables(model):
        names |= {variable.name, *variable.parents}
    return names


def needs_augmentation(model: CausalModel, data: DataCollection | None) -> bool:
    """Some kept row misses a cell of a finite variable that a table counts."""
    if data is None or not data.has_missing:
        return False
    counted = counted_names(model)
    return any(name in block.missing for block in data.blocks for name in counted)


def augmentable(model: CausalModel) -> str | None:
    """Why data augmentation cannot complete this model's rows (None: it can): every mechanism that a missing
    cell could touch must be finite and tabulable."""
    for variable in model.model_variables:
        if not variable.domain.is_finite:
            return f"'{variable.name}' is {variable.domain.describe()}"
        if variable.kind == "latent":
            return f"'{variable.name}' is latent"
    return None


def conjugate_route(model: CausalModel, data: DataCollection | None) -> bool:
    """Exact conjugate updates apply (with data augmentation where table cells are missing)."""
    if not is_conjugate(model):
        return False
    return not needs_augmentation(model, data) or augmentable(model) is None


__all__ = ["nonparametric_variables", "is_conjugate", "separable_tables", "counted_names", "needs_augmentation",
           "augmentable", "conjugate_route"]
