"""One symbol table for every generated program: model names → unique, valid Python identifiers.

Generated programs (the Pyro program, the multi-world counterfactual
program, the NumPyro program) name a Python local after each model
variable, and also emit names of their own: imported modules (``torch``,
``rt``, ``jnp``...), the function and its arguments (``model``, ``data``,
``units``...), tables (``TABLE_X``), Dirichlet tables (``probs_X``),
class weights (``weights_U_A_B``) and temporaries (``_t1``).  A
:class:`Symbols` reserves Python's keywords and builtins and every such
name, then maps each model name to an identifier deterministically: a name
that is free keeps its spelling, any other gets trailing underscores until
it is free.  Helper names are drawn from the same table, so ``probs_A``
written by the user and the Dirichlet table of ``A`` never meet.

>>> symbols = Symbols(["torch", "torch_", "x", "probs_A"])
>>> symbols.local("torch"), symbols.local("torch_"), symbols.local("x")
('torch__', 'torch_', 'x')
>>> symbols.helper("probs", "A"), symbols.temporary()
('probs_A_', '_t1')

Sample-site names are strings, not identifiers: every model variable keeps
its own name as its site (data columns are matched by it), and the sites the
generator adds (``probs_X``, ``weights_U_A_B``, the latent class ``U_A_B``,
the ``units`` plate) take names no model variable has (:func:`site_names`).
"""

from __future__ import annotations

import builtins
import keyword
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from causalppl.ir.mechanisms import NonparametricMechanism
from causalppl.ir.model import CausalModel

#: Names a generated program defines or imports itself (the union over every generator, so one model
#: gets the same identifiers in each of its programs).
GENERATED_NAMES = frozenset({
    "torch", "pyro", "dist", "rt", "cf", "poutine", "jax", "jnp", "numpyro", "np",
    "model", "data", "n_units", "units", "subsample_size", "values", "device", "EVIDENCE",
})
PYTHON_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
#: Names Pyro and NumPyro give sites of their own in a trace.
TRACE_NAMES = frozenset({"_RETURN", "_INPUT"})


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


class Symbols:
    """Python identifiers for the names of one model, and for the helpers its program needs."""

    def __init__(self, names: Iterable[str], reserved: Iterable[str] = GENERATED_NAMES) -> None:
        self._taken: set[str] = set(PYTHON_NAMES) | set(reserved)
        self._locals: dict[str, str] = {}
        self._helpers: dict[tuple[str, str], str] = {}
        self._temporaries = 0
        ordered = list(dict.fromkeys(names))
        for name in ordered:
            if not name.isidentifier():
                raise ValueError(f"not a valid identifier: {name!r}")
        for name in ordered:  # free names keep their spelling, whatever order they come in
            if name not in self._taken and not _is_dunder(name):
                self._claim(name)
                self._locals[name] = name
        for name in ordered:
            if name not in self._locals:
                self._locals[name] = self._fresh(name + "_")

    @classmethod
    def of(cls, model: CausalModel) -> "Symbols":
        return cls(v.name for v in model.variables)

    def local(self, name: str) -> str:
        """The identifier of a model name (a KeyError for a name the table was not built with)."""
        return self._locals[name]

    def helper(self, kind: str, name: str = "") -> str:
        """The identifier of the generator's own ``kind`` for model name ``name`` (``TABLE_X``, ``probs_X``)."""
        key = (kind, name)
        if key not in self._helpers:
            base = f"{kind}_{self._locals.get(name, name)}" if name else kind
            self._helpers[key] = self._fresh(base)
        return self._helpers[key]

    def temporary(self) -> str:
        """A fresh local for an intermediate value (``_t1``, ``_t2``...)."""
        self._temporaries += 1
        return self._fresh(f"_t{self._temporaries}")

    def _fresh(self, base: str) -> str:
        name = "v" + base if _is_dunder(base) else base  # trailing underscores never end a dunder
        while name in self._taken or _is_dunder(name):
            name += "_"
        self._claim(name)
        return name

    def _claim(self, name: str) -> None:
        self._taken.add(name)


# ------------------------------------------------------------ site names ----


@dataclass(frozen=True)
class SiteNames:
    """Names of the sites a generated program adds beside the model's own variables."""

    plate: str  # the plate over units
    probs: dict[str, str]  # nonparametric variable → its Dirichlet table
    weights: dict[str, str]  # confounder (``U_A_B``) → its latent-class weights
    classes: dict[str, str]  # confounder (``U_A_B``) → its latent-class site

    def global_sites(self, model: CausalModel) -> tuple[str, ...]:
        """Sites shared by all units: parameters with priors, latent-class weights, nonparametric tables."""
        names = [p.name for p in model.parameters if p.mechanism is not None]
        names += [self.weights[c.name] for c in model.confounders]
        names += [self.probs[v.name] for v in model.model_variables if isinstance(v.mechanism, NonparametricMechanism)]
        return tuple(names)


@lru_cache(maxsize=256)
def site_names(model: CausalModel) -> SiteNames:
    """Helper site names, chosen apart from every variable's name (``probs_A`` becomes ``probs_A_`` when
    the model has a variable called ``probs_A``).

    >>> import causalppl as cp
    >>> m = cp.loads("model M {\\n A : bool\\n probs_A ~ Normal(0, 1)\\n units ~ Normal(0, 1)\\n}")
    >>> names = site_names(m.ir)
    >>> names.probs["A"], names.plate
    ('probs_A_', 'units_')
    """
    taken = {v.name for v in model.variables} | TRACE_NAMES

    def fresh(base: str) -> str:
        name = base
        while name in taken:
            name += "_"
        taken.add(name)
        return name

    plate = fresh("units")
    classes = {c.name: fresh(c.name) for c in model.confounders}
    weights = {c.name: fresh(f"weights_{c.name}") for c in model.confounders}
    probs = {v.name: fresh(f"probs_{v.name}") for v in model.model_variables
             if isinstance(v.mechanism, NonparametricMechanism)}
    return SiteNames(plate, probs, weights, classes)


def quoted(name: str) -> str:
    """A model or site name as a string literal (names are identifiers: nothing to escape).

    >>> quoted("Y")
    '"Y"'
    """
    if not name.isidentifier():
        raise ValueError(f"not a valid identifier: {name!r}")
    return f'"{name}"'
