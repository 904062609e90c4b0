"""A finite model compiled once for exact queries: its tables and join tree, sized before they are built.

:func:`compiled_network` turns a :class:`CausalModel` whose variables are all
finite and whose mechanisms are all known into a
:class:`~causalppl.backends.exact.network.CompiledNetwork` (one conditional
table per variable, a join tree, cached messages). It is built once per model
object and kept while the model lives, so every later query on the model,
``do`` queries included (surgery on the compiled structure), reuses it.

Nothing is allocated before it is sized: :func:`tabulation_bytes` estimates
the table of each mechanism (and the scratch space its evaluation takes)
from the cardinalities alone, and the join tree is triangulated on scopes
before any table exists. A model whose tables or largest clique exceed the
budget is not compiled (:attr:`ModelNetwork.network` is None); queries then
contract only their own relevant tables, each plan sized first (see
:mod:`causalppl.inference.estimate.exact`).

>>> import causalppl as cp
>>> m = cp.loads("model C { X ~ Bernoulli(0.3)\\n Y := not X }")
>>> compiled = compiled_network(m.ir)
>>> compiled.network.marginal((compiled.index["Y"],)).round(3)
array([0.3, 0.7])
"""

from __future__ import annotations

import functools
import math
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from causalppl.lazy import torch
from causalppl.backends.exact import DEFAULT_MAX_BYTES, EnumerationTooLarge
from causalppl.backends.exact.jointree import JoinTree, build_join_tree
from causalppl.backends.exact.network import BYTES_PER_ENTRY, CompiledNetwork, check_tree_budget
from causalppl.backends import runtime as rt
from causalppl.backends.factors import fixed_parameter_values, variable_factor
from causalppl.backends.tabulable import NotTabulable, finite_part, untabulable_reason
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import ConstantMechanism, Deterministic, Parametric, TableMechanism
from causalppl.ir.model import CausalModel, Variable
from causalppl.backends.point_evidence import likelihood_model
from causalppl.transforms.do import do
from causalppl.transforms.inline import inline_constants
from causalppl.transforms.restrict import restrict

#: Scratch space to evaluate a mechanism over all parent configurations, in tables of its own size.
EVALUATION_SCRATCH = 4


@dataclass(frozen=True, eq=False)
class ModelNetwork:
    """A model's variables numbered, and (when it fits the budget) its compiled network.

    Attributes:
        names: the model variables in topological order; ``index`` numbers them.
        cardinalities: levels of each variable.
        parents: each variable's parents (numbers).
        network: the compiled network, or None when the model's tables or
            join tree would exceed the budget (``too_large`` says why).
    """

    names: tuple[str, ...]
    index: Mapping[str, int]
    cardinalities: tuple[int, ...]
    parents: tuple[tuple[int, ...], ...]
    network: "CompiledNetwork | IntervenedNetwork | None"
    too_large: EnumerationTooLarge | None

    @property
    def settings(self) -> tuple[tuple[str, float], ...]:
        """Interventions the network applies to every query, by name (a ``do`` model answered on its original's
        network): a query must treat these variables as its own ``do`` would (fixed, not kept)."""
        if not isinstance(self.network, IntervenedNetwork):
            return ()
        return tuple((self.names[k], float(level)) for k, level in sorted(self.network.settings.items()))

    def levels(self, assignment: Mapping[str, int]) -> dict[int, int]:
        """An assignment by name as one by number."""
        return {self.index[name]: int(level) for name, level in assignment.items()}


_compiled: dict[int, tuple[weakref.ref, ModelNetwork]] = {}
_lock = threading.Lock()


def compiled_network(model: CausalModel, max_bytes: int = DEFAULT_MAX_BYTES) -> ModelNetwork:
    """The compiled network of ``model`` (built on first use, then shared while the model lives).

    Raises:
        NotTabulable: the model has no finite tables (a continuous variable,
            an unknown mechanism, ...), with the reason.
    """
    key = id(model)
    with _lock:
        cached = _compiled.get(key)
        if cached is not None and cached[0]() is model:
            return cached[1]
    compiled = _by_surgery(model, max_bytes) or _compile(model, max_bytes)
    with _lock:
        _compiled[key] = (weakref.ref(model, lambda _, key=key, table=_compiled: table.pop(key, None)), compiled)
    return compiled


def _compile(model: CausalModel, max_bytes: int) -> ModelNetwork:
    reason = untabulable_reason(model)
    if reason is not None:
        raise NotTabulable(reason)
    variables = model.model_variables
    names = tuple(v.name for v in variables)
    index = {name: k for k, name in enumerate(names)}
    cards = tuple(v.domain.size for v in variables)
    parents = tuple(tuple(index[p] for p in v.parents) for v in variables)
    try:
        check_tabulation(model, names, max_bytes)
        if math.prod(cards) * BYTES_PER_ENTRY <= max_bytes:  # no clique can exceed the budget: built on first need
            tree: JoinTree | Callable[[], JoinTree] = functools.partial(_join_tree, parents, cards)
        else:  # sized before any table is built
            tree = _join_tree(parents, cards)
            check_tree_budget(tree, max_bytes, names)
        factors = [(tuple(index[v] for v in scope), table) for scope, table in _tables(model, variables)]
        network = CompiledNetwork(cards, factors, heads=range(len(names)), max_bytes=max_bytes, names=names,
                                  tree=tree)
    except EnumerationTooLarge as error:
        return ModelNetwork(names, index, cards, parents, None, error)
    return ModelNetwork(names, index, cards, parents, network, None)


def _by_surgery(model: CausalModel, max_bytes: int) -> ModelNetwork | None:
    """``do(...)`` of a model that compiles: that model's network, every query on it under the interventions
    (surgery on the compiled structure: no table is rebuilt, the join tree and its cached messages are shared).
    None when the model is not such a ``do`` (or its original does not compile whole): it is compiled itself."""
    original = model.surgery_of
    if original is None or original.confounders:
        return None
    try:
        base = compiled_network(original, max_bytes)
    except NotTabulable:  # (the do may have made it finite: a continuous variable set to a number)
        return None
    if base.network is None:
        return None
    before = dict(original.interventions)
    settings: dict[int, int] = {}
    for name, value in model.interventions:
        if before.get(name) == value:
            continue
        level = float(value)
        if name not in base.index or not level.is_integer() or not 0 <= level < base.cardinalities[base.index[name]]:
            return None
        settings[base.index[name]] = int(level)
    cut = set(settings)
    parents = tuple(() if k in cut else ps for k, ps in enumerate(base.parents))
    network = base.network
    if isinstance(network, IntervenedNetwork):  # do(...) of a do(...): one wrapper, the settings merged
        settings = {**network.settings, **settings}
        network = network.network
    network = IntervenedNetwork(network, settings) if settings else network
    return ModelNetwork(base.names, base.index, base.cardinalities, parents, network, None)


_NONE: Mapping = {}  # (no evidence, no intervention)


class IntervenedNetwork:
    """A compiled network with some variables set by ``do`` in every query (a query's own ``do`` of the same
    variable wins, as a second ``do`` does on the model): the query methods of the network it wraps. A query
    keeps none of those variables (they are fixed: :attr:`ModelNetwork.settings` names them).

    >>> import causalppl as cp
    >>> m = cp.loads("model M { X ~ Bernoulli(0.3)\\n Y ~ Bernoulli(if X then 0.9 else 0.2) }")
    >>> done = compiled_network(m.do(X=1).ir)
    >>> type(done.network).__name__, done.network.posterior((done.index["Y"],)).round(3).tolist()
    ('IntervenedNetwork', [0.1, 0.9])
    """

    def __init__(self, network: CompiledNetwork, settings: Mapping[int, int]) -> None:
        self.network = network
        self.settings = dict(settings)
        self.cardinalities = network.cardinalities
        self.names = network.names

    def marginal(self, keep, hard=_NONE, soft=_NONE, do=_NONE) -> np.ndarray | None:
        return self.network.marginal(keep, hard, soft, self._with(do))

    def query(self, keep, hard=_NONE, soft=_NONE, do=_NONE) -> np.ndarray:
        return self.network.query(keep, hard, soft, self._with(do))

    def posterior(self, keep, hard=_NONE, soft=_NONE, do=_NONE) -> np.ndarray:
        return self.network.posterior(keep, hard, soft, self._with(do))

    def batched_posterior(self, keep, columns, hard=_NONE, soft=_NONE, do=_NONE, device=None, checked=False):
        return self.network.batched_posterior(keep, columns, hard, soft, self._with(do), device=device,
                                              checked=checked)

    def _with(self, do: Mapping[int, int]) -> dict[int, int]:
        merged = dict(self.settings)
        merged.update({int(v): int(x) for v, x in do.items()})
        return merged


def finite_submodel(model: CausalModel) -> tuple[CausalModel, frozenset[str]] | None:
    """The sub-model on the model's :func:`~causalppl.backends.tabulable.finite_part`, and that part's names,
    for a model that is not tabulable whole (a real variable, say, that some queries never read); None when
    the part is empty. Made once per model object, so that its compiled network serves every query whose
    relevant variables lie in the part.

    >>> import causalppl as cp
    >>> m = cp.loads("model N { X ~ Bernoulli(0.3)\\n W ~ Normal(X, 1) }")
    >>> sub, part = finite_submodel(m.ir)
    >>> sorted(part), compiled_network(sub).network.marginal((0,)).round(3).tolist()
    (['X'], [0.7, 0.3])
    """
    key = id(model)
    with _lock:
        cached = _parts.get(key)
        if cached is not None and cached[0]() is model:
            return cached[1]
    names = finite_part(model)
    found = (restrict(model, names), frozenset(names)) if names else None
    with _lock:
        _parts[key] = (weakref.ref(model, lambda _, key=key, table=_parts: table.pop(key, None)), found)
    return found


_parts: dict[int, tuple[weakref.ref, "tuple[CausalModel, frozenset[str]] | None"]] = {}


def with_real_constants(model: CausalModel, settings: tuple[tuple[str, float], ...]) -> CausalModel:
    """``do(settings)`` on variables with no finite domain (a real ``R``, an unbounded count), their numbers
    written into their children (:func:`~causalppl.transforms.inline.inline_constants`), so that finite
    children have tables; the model itself, its real constants inlined, when ``settings`` is empty. Made once
    per model and settings (and kept while the model lives, the last few settings), so that its compiled
    network serves query after query and chunk after chunk of rows.

    >>> import causalppl as cp
    >>> m = cp.loads("model N { R ~ Normal(0, 1)\\n X ~ Bernoulli(if R > 0 then 0.8 else 0.3) }")
    >>> done = with_real_constants(m.ir, (("R", 0.5),))
    >>> sub, part = finite_submodel(done)
    >>> done is with_real_constants(m.ir, (("R", 0.5),)), sorted(part), compiled_network(sub).network.marginal((0,))
    (True, ['X'], array([0.2, 0.8]))
    """
    return _derived(model, ("constants", settings), lambda: inline_constants(do(model, dict(settings)) if settings
                                                                           else model))


def with_point_evidence(model: CausalModel, points: tuple[tuple[str, str, float, bool], ...]) -> CausalModel:
    """The model with each compared real variable (``(name, op, value, is_evidence)``: ``S = 3.2`` or ``S > 3``, see
    :func:`~causalppl.backends.tabulable.observed_real`) replaced by a bool likelihood node over its parents,
    observed true, and a point's number written into its children: enumerating the new model with evidence
    ``S = true`` gives the exact posterior given ``S = 3.2``. Made once per model and points.

    >>> import causalppl as cp
    >>> m = cp.loads("model T { D ~ Bernoulli(0.1)\\n S ~ Normal(if D then 5 else 2, 1) }")
    >>> done = with_point_evidence(m.ir, (("S", "=", 3.2, True),))
    >>> net = compiled_network(done).network
    >>> round(float(net.posterior((0,), hard={1: 1})[1]), 6)
    0.043222
    """
    return _derived(model, ("points", points), lambda: likelihood_model(model, points))


def _derived(model: CausalModel, key: tuple, make: Callable[[], CausalModel]) -> CausalModel:
    """``make()``, a model derived from ``model``, made once per model and key and kept while the model lives
    (the last few): its compiled network then serves query after query."""
    key = (id(model),) + key
    with _lock:
        cached = _constants.get(key)
        if cached is not None and cached[0]() is model:
            return model if cached[1] is None else cached[1]
    made = make()
    if made is not model and made.surgery_of is model:
        made = replace(made, surgery_of=None)  # (the cache must not keep the model alive)
    with _lock:
        if len(_constants) >= CONSTANTS_CACHE_SIZE:
            _constants.pop(next(iter(_constants)))
        _constants[key] = (weakref.ref(model, lambda _, key=key, table=_constants: table.pop(key, None)),
                           None if made is model else made)
    return made


_constants: dict[tuple, "tuple[weakref.ref, CausalModel | None]"] = {}
CONSTANTS_CACHE_SIZE = 64


def forget_compiled(model: CausalModel) -> None:
    """Drop ``model``'s compiled network now (a posterior draw's model, answered once: at most one is held)."""
    with _lock:
        cached = _compiled.get(id(model))
        if cached is not None and cached[0]() is model:
            del _compiled[id(model)]


def clear_compiled_cache() -> None:
    """Forget every compiled network and join tree (the next query compiles afresh)."""
    with _lock:
        _compiled.clear()
        _trees.clear()
        _parts.clear()
        _constants.clear()


_trees: dict[tuple, JoinTree] = {}
TREE_CACHE_SIZE = 64


def _join_tree(parents: tuple[tuple[int, ...], ...], cards: tuple[int, ...]) -> JoinTree:
    """The join tree of a structure, shared by models of the same structure (posterior draws, for one)."""
    key = (parents, cards)
    with _lock:
        tree = _trees.get(key)
    if tree is None:
        tree = build_join_tree([(*ps, k) for k, ps in enumerate(parents)], cards)
        with _lock:
            _trees[key] = tree
            while len(_trees) > TREE_CACHE_SIZE:
                del _trees[next(iter(_trees))]
    return tree


def tabulation_bytes(model: CausalModel, variable: Variable) -> int:
    """Memory to tabulate one mechanism: its table, plus scratch space when it is evaluated on a grid."""
    sizes = [model.variable(p).domain.size for p in variable.parents]
    elements = math.prod(sizes) * variable.domain.size
    scratch = 0 if isinstance(variable.mechanism, (TableMechanism, ConstantMechanism)) else EVALUATION_SCRATCH
    return elements * BYTES_PER_ENTRY * (1 + scratch)


def check_tabulation(model: CausalModel, names: Iterable[str], max_bytes: int) -> None:
    """Refuse, before building any, tables of ``names`` that would exceed ``max_bytes`` together."""
    total = 0
    largest: tuple[int, Variable] | None = None
    for name in names:
        variable = model.variable(name)
        size = tabulation_bytes(model, variable)
        total += size
        if largest is None or size > largest[0]:
            largest = (size, variable)
    if largest is not None and total > max_bytes:
        _, variable = largest
        raise EnumerationTooLarge(total, (*variable.parents, variable.name), max_bytes, total=True)


def _tables(model: CausalModel, variables: Sequence[Variable]) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """Each variable's conditional table: its scope (parents, then the variable) and a float64 array.

    Written tables and constant probabilities are read as numbers; only the
    other mechanisms are evaluated on a grid (with torch, in float64), so a
    network of tables never imports torch.
    """
    tables: list = []
    evaluated: list[tuple[int, Variable]] = []
    for variable in variables:
        mechanism = variable.mechanism
        if isinstance(mechanism, TableMechanism):
            shape = mechanism.parent_sizes + (variable.domain.size,)
            tables.append(((*mechanism.parents, variable.name), np.array(mechanism.rows, dtype=np.float64).reshape(shape)))
        elif (constant := _constant_probabilities(variable)) is not None:
            tables.append(((variable.name,), constant))
        else:
            evaluated.append((len(tables), variable))
            tables.append(None)
    if evaluated:
        with rt.default_dtype(torch.float64):
            needs_parameters = any(isinstance(v.mechanism, (Parametric, Deterministic)) for _, v in evaluated)
            values = fixed_parameter_values(model) if needs_parameters else {}
            for position, variable in evaluated:
                factor = variable_factor(model, variable, values)
                tables[position] = (factor.variables, factor.table.numpy())
    return tables


def _constant_probabilities(variable: Variable) -> np.ndarray | None:
    """``X ~ Categorical([numbers])`` (what ``import-bif`` writes for roots) read without evaluating; else None."""
    mechanism = variable.mechanism
    if not (isinstance(mechanism, Parametric) and mechanism.family == "Categorical"):
        return None
    probs = mechanism.argument("probs")
    if not isinstance(probs, rx.VectorLiteral) or len(probs.items) != variable.domain.size \
            or not all(isinstance(item, rx.Const) for item in probs.items):
        return None
    table = np.array([float(item.value) for item in probs.items], dtype=np.float64)
    return table if np.isfinite(table).all() else None
