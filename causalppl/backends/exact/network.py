"""A network compiled for repeated exact queries: a join tree with cached messages.

:class:`CompiledNetwork` takes a Bayesian network's conditional tables once
(numpy float64 arrays), compiles a :class:`~causalppl.backends.exact.jointree.JoinTree`
and answers marginal queries by Shafer-Shenoy message passing towards the
smallest clique holding the query's variables. Messages are cached per
directed edge under the evidence *on that edge's side* of the tree, so a
query recomputes only the messages its evidence changes (the paths from the
evidence to the query's clique); messages of evidence-free sides are
computed once and kept for the life of the network.

Evidence is:

* *hard*: a variable fixed at a level; every clique holding it is sliced at
  that level (axes are kept with length one, so tables stay aligned);
* *soft*: a non-negative weight per level (an indicator for ``X > 1``, a
  likelihood), multiplied in at one clique holding the variable;
* an *intervention* ``do(X = x)``: surgery on the compiled structure, not a
  rebuild. The conditional table of ``X`` is dropped from its clique and
  ``X`` is fixed at ``x``; every other table and the tree are unchanged (the
  mutilated network's moral graph is a subgraph of the original's).

Results are unnormalised: the sum over all unobserved, unkept variables of
the product of the (surgically altered) tables, evidence fixed. Tables are
small numpy arrays: for the clique sizes of typical networks numpy's
per-call cost is far below torch's dispatch.

>>> import numpy as np
>>> net = CompiledNetwork((2, 2), [((0,), np.array([0.3, 0.7])),
...                                ((0, 1), np.array([[0.9, 0.1], [0.2, 0.8]]))], heads=(0, 1))
>>> np.round(net.marginal((0,), hard={1: 1}), 4)  # P(X, Y = 1)
array([0.03, 0.56])
>>> np.round(net.marginal((1,), do={0: 1}), 4)    # P(Y | do(X = 1))
array([0.2, 0.8])
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from causalppl.lazy import torch

from causalppl.backends.exact.elimination import numbered_elimination
from causalppl.backends.exact.errors import EnumerationTooLarge
from causalppl.backends.exact.jointree import JoinTree, build_join_tree
from causalppl.backends.exact.relevance import Requisite, ancestral_set, free_ancestors, requisite

BYTES_PER_ENTRY = 8
MESSAGE_CACHE_BYTES = 256 * 2**20  # evidence-dependent messages kept across queries (prior ones are always kept)

_EMPTY: Mapping[int, object] = {}

Item = tuple  # (variable, kind, value): one piece of evidence or one intervention, as part of a cache key


class CompiledNetwork:
    """Conditional tables over variables ``0..n-1`` compiled to a join tree.

    Args:
        cardinalities: levels of each variable.
        factors: ``(scope, table)`` pairs; ``table`` has one axis per scope
            variable, in scope order (non-negative float64 entries).
        heads: for each factor, the variable it is the conditional table of
            (``None`` for other factors); interventions drop the tables of
            the intervened variables.
        max_bytes: refuse (:class:`EnumerationTooLarge`) when the join tree's
            largest clique table would exceed this.
        tree: the join tree of these scopes, or a function making it (on
            first need: when the whole joint fits ``max_bytes``, no clique
            can exceed it, so nothing is refused by building it later).
    """

    def __init__(
        self,
        cardinalities: Sequence[int],
        factors: Sequence[tuple[Sequence[int], np.ndarray]],
        heads: Sequence[int | None],
        max_bytes: int | None = None,
        names: Sequence[str] | None = None,
        tree: JoinTree | Callable[[], JoinTree] | None = None,
    ) -> None:
        self.cardinalities = tuple(int(c) for c in cardinalities)
        self.names = tuple(names) if names is not None else tuple(f"v{i}" for i in range(len(cardinalities)))
        scopes = [tuple(int(v) for v in scope) for scope, _ in factors]
        self._scopes = scopes
        self.max_bytes = max_bytes
        self._lock = threading.RLock()
        self._tree_source = tree if callable(tree) else None
        if isinstance(tree, JoinTree):
            self._set_tree(tree)
        elif max_bytes is not None and math.prod(self.cardinalities) * BYTES_PER_ENTRY > max_bytes:
            self._set_tree(self._make_tree())  # sized now: refused before any table is laid out
        # else no clique can exceed the budget (none is larger than the whole joint): built on first need
        self.heads = tuple(heads)
        self._headed: dict[int, list[int]] = {}
        for index, head in enumerate(self.heads):
            if head is not None:
                self._headed.setdefault(head, []).append(index)
        self._tables: list[np.ndarray | None] = [None] * len(scopes)  # laid out along their cliques on first use
        self._raw = [(scope, np.asarray(table, dtype=np.float64)) for scope, (_, table) in zip(scopes, factors)]
        self._parents: list[tuple[int, ...]] = [() for _ in self.cardinalities]
        children: list[list[int]] = [[] for _ in self.cardinalities]
        for (scope, _), head in zip(self._raw, self.heads):
            if head is not None:
                self._parents[head] = tuple(v for v in scope if v != head)
                for p in self._parents[head]:
                    children[p].append(head)
        self._children = tuple(tuple(c) for c in children)
        # every variable heads exactly one table: a Bayesian network, where relevance reasoning holds
        self._bayesian = all(len(self._headed.get(v, ())) == 1 for v in range(len(self.cardinalities))) \
            and all(head is not None for head in self.heads)
        self._positive_levels: dict[int, np.ndarray] = {}
        self._positive_everywhere: dict[int, bool] = {}
        self._bases: dict[tuple[int, frozenset[int]], np.ndarray | None] = {}
        self._edges: dict[tuple[int, int], tuple] = {}  # each message's layout, on first use
        self._prior: dict[tuple[int, int], np.ndarray] = {}
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._cache_bytes = 0
        self._batch_plans: dict[tuple, tuple] = {}  # (keep, columns, strategy, evidence) -> (joint plan, row plan)
        self._check_tables: OrderedDict[int, tuple] = OrderedDict()  # id(check plan) -> (plan, its table)
        self._setting_answers: OrderedDict[tuple, np.ndarray] = OrderedDict()  # batch query -> every setting's answer

    # --------------------------------------------------------------- join tree

    def __getattr__(self, name: str):
        """The join tree and its layout (``tree``, ``_axis``, ``_assigned``, ``_position``), triangulated on the
        first access when the whole joint fits the budget; plain attributes from then on."""
        if name in _TREE_ATTRIBUTES:
            with self._lock:
                if "tree" not in self.__dict__:
                    self._set_tree(self._make_tree())
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _make_tree(self) -> JoinTree:
        tree = self._tree_source() if self._tree_source is not None else build_join_tree(self._scopes,
                                                                                         self.cardinalities)
        if self.max_bytes is not None:
            check_tree_budget(tree, self.max_bytes, self.names)
        return tree

    def _set_tree(self, tree: JoinTree) -> None:
        # for each clique, each variable's axis in its tables, and the tables laid out along it; each variable's
        # place in the tree's elimination order (plans break ties by it)
        self._axis = [{v: a for a, v in enumerate(clique)} for clique in tree.cliques]
        assigned: list[list[int]] = [[] for _ in tree.cliques]
        for index, home in enumerate(tree.home):
            assigned[home].append(index)
        self._assigned = assigned
        self._position = {v: k for k, v in enumerate(tree.order)}
        self.tree = tree  # last: its presence says the layout is complete

    # ------------------------------------------------------------------ queries

    def marginal(
        self,
        keep: Sequence[int],
        hard: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        soft: Mapping[int, np.ndarray] = _EMPTY,  # type: ignore[assignment]
        do: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
    ) -> np.ndarray | None:
        """Unnormalised marginal over ``keep`` (axes in that order), or None when no clique holds ``keep``.

        ``hard`` fixes variables at levels, ``soft`` weighs their levels,
        ``do`` intervenes (a variable both intervened on and observed must
        be observed at its intervened level, else the result is zero).
        Kept variables must not be fixed by ``hard`` or ``do``.
        """
        keep = tuple(keep)
        root = self.tree.clique_holding(keep)
        if root is None:
            return None
        fixed, items, dropped = self._evidence(hard, soft, do)
        if fixed is None:
            return np.zeros(tuple(self.cardinalities[v] for v in keep))
        with self._lock:
            known, missing = self._walk(root, items)
            return self._propagate(root, keep, known, missing, fixed, soft, dropped)

    def _propagate(self, root, keep, known, missing, fixed, soft, dropped) -> np.ndarray:
        messages = self._compute(known, missing, fixed, soft, dropped)
        belief = self._belief(root, -1, fixed, soft, dropped, messages)
        return self._reduce_to(belief, root, keep)

    def query(
        self,
        keep: Sequence[int],
        hard: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        soft: Mapping[int, np.ndarray] = _EMPTY,  # type: ignore[assignment]
        do: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
    ) -> np.ndarray:
        """The unnormalised marginal over ``keep``, by whichever of two plans costs less.

        The join tree (:meth:`marginal`) recomputes only the messages the
        evidence changed, but through whole cliques; variable elimination
        over the relevant tables (:meth:`eliminate`) reads only the
        ancestors of the query's variables, but all of them. The cost of
        each (entries of the tables it would build) is counted first, on
        scopes; the cheaper runs. Tables no query needs are never read.
        """
        keep = tuple(int(v) for v in keep)
        fixed, items, dropped = self._evidence(hard, soft, do)
        if fixed is None:
            return np.zeros(tuple(self.cardinalities[v] for v in keep))
        root = self.tree.clique_holding(keep)
        with self._lock:
            if root is not None:
                known, missing = self._walk(root, items)
                tree_cost = self._pass_cost(root, fixed) + sum(self._pass_cost(i, fixed) for i, _, _ in missing)
                if tree_cost <= DIRECT_TREE_COST:
                    return self._propagate(root, keep, known, missing, fixed, soft, dropped)
            plan = self._elimination_plan(keep, hard, soft, do, fixed, dropped)
            if root is not None and tree_cost <= plan.cost:
                return self._propagate(root, keep, known, missing, fixed, soft, dropped)
        return plan.run()

    def posterior(
        self,
        keep: Sequence[int],
        hard: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        soft: Mapping[int, np.ndarray] = _EMPTY,  # type: ignore[assignment]
        do: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
    ) -> np.ndarray:
        """The conditional distribution of ``keep`` given the evidence (it sums to one), or zeros when impossible.

        Reads only the requisite tables (:mod:`~causalppl.backends.exact.relevance`):
        barren variables and evidence separated from ``keep`` are dropped
        before a plan is chosen, so the answer is that of the network
        restricted to what the query needs. Evidence outside that part still
        decides whether the evidence is possible: where its tables cannot
        tell (an observed level that some parent setting gives probability
        zero), the groups it lies in are summed to check. The plans compared
        are variable elimination over the requisite tables and the join tree
        given only the requisite evidence (so cached messages of sides whose
        evidence does not matter are reused).
        """
        keep = tuple(int(v) for v in keep)
        shape = tuple(self.cardinalities[v] for v in keep)
        if not self._bayesian:  # tables without heads: no relevance reasoning
            return _normalised(self.query(keep, hard, soft, do))
        fixed = self._levels(hard, do)
        if fixed is None:
            return np.zeros(shape)
        weights = {int(v): np.asarray(w, dtype=np.float64) for v, w in soft.items()} if soft else {}
        cut = frozenset(int(v) for v in do) if do else frozenset()
        needed = requisite(keep, fixed, cut, weights, self._parents, self._children)
        check = self._possibility(needed, fixed, weights)
        if check is None:
            return np.zeros(shape)
        # the possibility check shares no variable with the answer: one contraction does both
        operands = [_fix(*self._raw[self._headed[h][0]], fixed) for h in needed.heads]
        operands += [((v,), weights[v]) for v in needed.weighed]
        operands += check
        free = {v for scope, _ in operands for v in scope}
        if len(free) <= 52 and math.prod(self.cardinalities[v] for v in free) <= ONE_EINSUM_ENTRIES:
            return _normalised(_contract_all(operands, keep))
        with self._lock:
            plan = _fitting(lambda: self._checked(plan_elimination_run(operands, keep, self._position,
                                                                       self.cardinalities), operands))
            root = self.tree.clique_holding(keep)
            if root is not None and (plan is None or plan.cost > DIRECT_ELIMINATION_COST):
                relevant = {int(v): int(x) for v, x in hard.items() if int(v) in needed.evidence}
                tree_soft = {v: weights[v] for v in needed.weighed}
                tree_fixed, items, dropped = self._evidence(relevant, tree_soft, do)
                if plan is None or self._tree_bound(root, tree_fixed, items) <= plan.cost:
                    known, missing = self._walk(root, items)
                    tree_cost = self._pass_cost(root, tree_fixed) + sum(self._pass_cost(i, tree_fixed)
                                                                        for i, _, _ in missing)
                    if plan is None or tree_cost <= plan.cost:
                        if check and float(_contract_all(check, ())) <= 0.0:
                            return np.zeros(shape)
                        return _normalised(self._propagate(root, keep, known, missing, tree_fixed, tree_soft,
                                                           dropped))
            if plan is None:  # neither fits: the elimination's own error
                self._checked(plan_elimination_run(operands, keep, self._position, self.cardinalities), operands)
        return _normalised(plan.run())

    def _levels(self, hard, do) -> dict[int, int] | None:
        """The levels fixed by evidence and interventions (None: a variable observed off its intervened level)."""
        fixed = {int(v): int(x) for v, x in hard.items()}
        for v, x in do.items():
            v, x = int(v), int(x)
            if fixed.get(v, x) != x:
                return None
            fixed[v] = x
        for v, x in fixed.items():
            if not 0 <= x < self.cardinalities[v]:
                raise ValueError(f"level {x} of {self.names[v]!r} is out of range 0..{self.cardinalities[v] - 1}")
        return fixed

    def _tree_bound(self, root: int, fixed, items) -> int:
        """A lower bound on the join tree's work: the root, and for each piece of evidence outside it, the
        cheapest clique holding it (its message must be recomputed)."""
        bound = self._pass_cost(root, fixed)
        for v, _, _ in items:
            if v not in self._axis[root]:
                bound += min(self._pass_cost(c, fixed) for c in self.tree.variable_cliques[v])
        return bound

    def _possibility(self, needed: Requisite, fixed, weights) -> list | None:
        """Tables whose product sums to a positive number iff the evidence left out of ``needed`` is possible.

        None: some observation outside is impossible outright. The dropped
        groups sum to ``E[product of their observations' likelihoods]`` over
        their unobserved variables. A likelihood positive for every setting
        of its parents cannot make that zero, so it is treated as an
        intervention; the others (*doubtful*) are returned with the tables of
        their unobserved ancestors (reached through unobserved variables
        only), which sum to zero iff the evidence is impossible. They share
        no free variable with the requisite tables.
        """
        likelihoods: list = []
        seeds: list[int] = []  # free variables the doubtful likelihoods depend on
        for v in needed.outside:
            if v in weights:
                w = weights[v]
                if v in fixed:
                    if w[fixed[v]] <= 0.0:
                        return None
                elif not (w > 0.0).all():
                    likelihoods.append(((v,), w))
                    seeds.append(v)
                continue
            scope, table = self._raw[self._headed[v][0]]
            if self._positive(v)[fixed[v]]:
                continue
            sliced = _fix(scope, table, fixed)
            if not sliced[0]:
                if float(sliced[1]) <= 0.0:
                    return None
            elif not (sliced[1] > 0.0).all():
                likelihoods.append(sliced)
                seeds.extend(sliced[0])
        if not seeds:
            return likelihoods
        # Only where tables are positive matters: a variable whose table is positive everywhere can take
        # every level whatever its parents, so it stands in with a uniform table and its ancestors drop out.
        closure = free_ancestors(seeds, fixed, self._parents, self._everywhere_positive)
        return likelihoods + [_fix(*self._raw[self._headed[u][0]], fixed) if not self._everywhere_positive(u)
                              else ((u,), np.full(self.cardinalities[u], 1.0 / self.cardinalities[u]))
                              for u in closure]

    def _everywhere_positive(self, v: int) -> bool:
        """Whether the table of ``v`` is positive at every level for every setting of its parents."""
        found = self._positive_everywhere.get(v)
        if found is None:
            found = self._positive_everywhere[v] = bool(self._positive(v).all())
        return found

    def _positive(self, v: int) -> np.ndarray:
        """For each level of ``v``: whether its table is positive there for every setting of its parents.

        Read for every table on first use (queries draw their evidence anywhere).
        """
        if not self._positive_levels:
            for u in range(len(self.cardinalities)):
                scope, table = self._raw[self._headed[u][0]]
                axis = scope.index(u)
                others = tuple(a for a in range(len(scope)) if a != axis)
                self._positive_levels[u] = (table > 0.0).all(axis=others) if others else table > 0.0
        return self._positive_levels[v]

    def _pass_cost(self, c: int, fixed) -> int:
        """Work of one message out of clique ``c``: its table (fixed variables sliced) times the products taken."""
        size = self.tree.clique_elements[c]
        for v in fixed:
            if v in self._axis[c]:
                size //= self.cardinalities[v]
        return size * (len(self.tree.neighbours[c]) + 1)

    def evidence_mass(
        self,
        hard: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        soft: Mapping[int, np.ndarray] = _EMPTY,  # type: ignore[assignment]
        do: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
    ) -> float:
        """The total (unnormalised) mass of the evidence."""
        result = self.marginal((), hard, soft, do)
        assert result is not None
        return float(result)

    def eliminate(
        self,
        keep: Sequence[int],
        hard: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        soft: Mapping[int, np.ndarray] = _EMPTY,  # type: ignore[assignment]
        do: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
    ) -> np.ndarray:
        """The same marginal by variable elimination over the query's relevant tables only.

        Relevant: the tables of the ancestors of the kept, observed and
        weighed variables (in the graph cut by ``do``); the others sum to one.
        Variables are eliminated in the compiled order restricted to them
        (no order is searched per query unless that plan is costly).
        """
        keep = tuple(int(v) for v in keep)
        fixed, _, dropped = self._evidence(hard, soft, do)
        if fixed is None:
            return np.zeros(tuple(self.cardinalities[v] for v in keep))
        return self._elimination_plan(keep, hard, soft, do, fixed, dropped).run()

    def _elimination_plan(self, keep, hard, soft, do, fixed, dropped, replan: bool = True) -> "EliminationRun":
        operands = self._elimination_operands(keep, hard, soft, do, fixed, dropped)
        run = plan_elimination_run(operands, keep, self._position, self.cardinalities, replan)
        run.probes = {int(v): w for v, w in soft.items()}
        return self._checked(run, operands)

    def _elimination_operands(self, keep, hard, soft, do, fixed, dropped) -> list:
        """The tables an elimination keeping ``keep`` reads, fixed variables sliced (scopes depend on which
        variables are fixed, not on their levels)."""
        relevant = self._ancestral(keep + tuple(int(v) for v in hard) + tuple(int(v) for v in soft),
                                   frozenset(int(v) for v in do))
        operands: list[tuple[tuple[int, ...], np.ndarray]] = []
        for v in relevant:
            for f in self._headed.get(v, ()):
                if f in dropped:
                    continue
                scope, table = self._raw[f]
                operands.append(_fix(scope, table, fixed))
        for v, weights in soft.items():
            v = int(v)
            if v in fixed:
                operands.append(((), np.asarray(weights, dtype=np.float64)[fixed[v]]))
            else:
                operands.append(((v,), weights))
        return operands

    def _checked(self, run: "EliminationRun", operands) -> "EliminationRun":
        """``run``, refused when its largest table or all its tables together exceed ``max_bytes``."""
        if self.max_bytes is not None:
            scope = tuple(self.names[v] for v in run.peak_scope)
            if run.peak * BYTES_PER_ENTRY > self.max_bytes:
                raise EnumerationTooLarge(run.peak * BYTES_PER_ENTRY, scope, self.max_bytes)
            held = (sum(np.size(table) for _, table in operands) + run.cost) * BYTES_PER_ENTRY
            if held > self.max_bytes:  # every table of the plan alive at once: an upper bound
                raise EnumerationTooLarge(held, scope, self.max_bytes, total=True)
        return run

    def batched(
        self,
        keep: Sequence[int],
        columns: Mapping[int, np.ndarray],
        hard: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        soft: Mapping[int, np.ndarray] = _EMPTY,  # type: ignore[assignment]
        do: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        device: object = None,
        strategy: str = "auto",
    ) -> np.ndarray:
        """Unnormalised marginals over ``keep`` for every row of ``columns`` at once: shape ``(rows, *keep)``.

        ``columns`` maps variables to integer arrays of one length (row ``r``
        observes level ``columns[v][r]``); ``hard``, ``soft`` and ``do`` hold
        for every row. Rows are de-duplicated first. Then whichever is
        cheaper (counted on scopes) runs: one query keeping the column
        variables too, read at each distinct row; or one vectorised
        elimination over the distinct rows, chunked so that no table exceeds
        ``max_bytes``. When both would build more than ``GROUPED_ABOVE``
        entries, a third is searched: some columns fixed per group of
        distinct rows, the others kept in one joint per group (see
        :meth:`_grouped_plan`). ``device`` (a torch device, e.g. ``"cuda"``)
        runs the vectorised contraction with torch there; the default is
        numpy on the CPU. ``strategy`` (``"joint"``, ``"rows"`` or
        ``"grouped"``) forces one of the three.
        """
        values, numbers = self.batched_distinct(keep, columns, hard, soft, do, device, strategy)
        return numbers.spread(values)

    def batched_distinct(
        self,
        keep: Sequence[int],
        columns: Mapping[int, np.ndarray],
        hard: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        soft: Mapping[int, np.ndarray] = _EMPTY,  # type: ignore[assignment]
        do: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        device: object = None,
        strategy: str = "auto",
    ) -> tuple[np.ndarray, "RowNumbers"]:
        """:meth:`batched` before spreading: the marginals of the distinct rows, and the rows' numbering.

        ``numbers.spread(values)`` gives :meth:`batched`'s answer; callers that
        go on computing per row (normalising, weighing) do it once per
        distinct row and spread only their result. The plans of a batch
        (per ``keep``, column variables and fixed evidence) are kept, so a
        second batch of the same query (the next chunk of a file) is not
        planned again.
        """
        if strategy not in ("auto", "joint", "rows", "grouped"):
            raise ValueError(f"unknown batch strategy {strategy!r}")
        keep = tuple(int(v) for v in keep)
        names = tuple(sorted(int(v) for v in columns))
        if not names:
            raise ValueError("batched needs at least one evidence column")
        numbers = self._row_numbers(columns, names)
        distinct = numbers.distinct
        shape = tuple(self.cardinalities[v] for v in keep)
        fixed, items, dropped = self._evidence(hard, soft, do)
        if fixed is None or len(distinct) == 0:
            return np.zeros((len(distinct), *shape)), numbers
        clash = [v for v in names if v in fixed]
        if clash:
            raise ValueError(f"{self.names[clash[0]]!r} is both a column and fixed for every row")
        joint_keep = keep + tuple(v for v in names if v not in keep)
        budget = self.max_bytes or DEFAULT_BATCH_BYTES
        with self._lock:
            key = (keep, names, strategy, items)
            plans = self._batch_plans.get(key)
            if plans is None:
                joint_plan = row_plan = None
                joint_entries = math.prod(self.cardinalities[v] for v in joint_keep)
                if strategy != "rows" and joint_entries * BYTES_PER_ENTRY <= budget:
                    joint_plan = _fitting(lambda: self._elimination_plan(joint_keep, hard, soft, do, fixed, dropped))
                if strategy != "joint" or joint_plan is None:
                    row_plan = _fitting(lambda: self._row_plan(keep, names, hard, soft, do, fixed, dropped))
                plans = self._batch_plans[key] = (joint_plan, row_plan)
                while len(self._batch_plans) > BATCH_PLANS_KEPT:
                    del self._batch_plans[next(iter(self._batch_plans))]
            joint_plan, row_plan = plans
            row_cost = row_plan.cost * len(distinct) if row_plan is not None else math.inf
            if row_plan is not None and row_plan.peak * BYTES_PER_ENTRY > budget:
                row_cost = math.inf
            plain = min(row_cost, joint_plan.cost if joint_plan is not None else math.inf)
            grouped = None
            if strategy == "grouped" or (strategy == "auto" and plain > GROUPED_ABOVE):
                grouped = self._grouped_plan(keep, names, distinct, hard, soft, do, fixed, dropped, budget)
            if grouped is not None and (strategy == "grouped" or grouped[0] < plain):
                values = self._run_grouped(grouped[1], grouped[2], keep, names, distinct, hard, soft, do, fixed,
                                           dropped)
            elif joint_plan is not None and (strategy == "joint" or joint_plan.cost <= row_cost):
                # the query's own choice, without planning the same elimination again when no clique holds it all
                joint = self.query(joint_keep, hard, soft, do) if self.tree.clique_holding(joint_keep) is not None \
                    else joint_plan.run()
                values = _read_rows(joint, keep, joint_keep, names, distinct)
            elif row_plan is not None and row_plan.peak * BYTES_PER_ENTRY <= budget:
                values = self._run_rows(row_plan, keep, names, distinct, device)
            else:  # one row's elimination does not fit: the join tree, once per distinct row
                values = np.stack([self.query(keep, {**hard, **dict(zip(names, map(int, row)))}, soft, do)
                                   for row in distinct])
        return values, numbers

    def _grouped_plan(self, keep, names, distinct, hard, soft, do, fixed, dropped, budget):
        """Columns to fix per group of distinct rows, the others kept in one joint per group: ``(total cost,
        the fixed columns, the plan of one group)``, or None.

        Between the joint (no column fixed) and one elimination per row
        (every column fixed): columns are added greedily, the one giving
        the cheapest total (a group's elimination times the number of
        groups) first; the cheapest arrangement that fits the budget is kept.
        """
        position = {v: k for k, v in enumerate(names)}
        candidates = [v for v in names if v not in keep]
        chosen: list[int] = []
        best = None
        while len(chosen) < len(candidates) - 1 or (not chosen and candidates):
            trials = []
            for v in candidates:
                if v in chosen:
                    continue
                group = (*chosen, v)
                plan = self._group_plan(keep, names, group, hard, soft, do, fixed, dropped)
                count = len(RowNumbers([distinct[:, position[u]] for u in group],
                                       [self.cardinalities[u] for u in group]).distinct)
                trials.append((plan.cost * count, plan.peak, v, plan))
            if not trials:
                break
            total, peak, v, plan = min(trials, key=lambda trial: trial[:3])
            chosen.append(v)
            if peak * BYTES_PER_ENTRY <= budget and (best is None or total < best[0]):
                best = (total, tuple(chosen), plan)
            elif best is not None and total > 4 * best[0]:
                break  # fixing more columns only multiplies the groups now
        return best

    def _group_plan(self, keep, names, group, hard, soft, do, fixed, dropped) -> "EliminationRun":
        """The elimination for one group: the ``group`` columns fixed (at stand-in levels), the others kept."""
        stand_in = {v: 0 for v in group}
        joint_keep = keep + tuple(v for v in names if v not in group and v not in keep)
        operands = self._elimination_operands(joint_keep, {**hard, **stand_in}, soft, do, {**fixed, **stand_in},
                                              dropped)
        return plan_elimination_run(operands, joint_keep, self._position, self.cardinalities)

    def _run_grouped(self, group, plan, keep, names, distinct, hard, soft, do, fixed, dropped) -> np.ndarray:
        """Run ``plan`` once per distinct setting of the ``group`` columns and read its rows off each joint."""
        position = {v: k for k, v in enumerate(names)}
        rest = tuple(v for v in names if v not in group)
        joint_keep = keep + tuple(v for v in rest if v not in keep)
        groups = RowNumbers([distinct[:, position[v]] for v in group], [self.cardinalities[v] for v in group])
        by_group = np.argsort(groups.inverse, kind="stable")
        bounds = np.cumsum(np.bincount(groups.inverse, minlength=len(groups.distinct)))
        values = np.empty((len(distinct), *(self.cardinalities[v] for v in keep)))
        budget = self.max_bytes or DEFAULT_BATCH_BYTES
        vectorised = _fitting(lambda: self._row_plan(joint_keep, group, hard, soft, do, fixed, dropped))
        if vectorised is not None and vectorised.peak * BYTES_PER_ENTRY <= budget:
            # every group at once: the group columns weighed by indicators with a row axis (one per group),
            # the joint of each group read at its rows, chunk by chunk
            rest_position = [position[v] for v in rest]
            for first, joints in self._row_chunks(vectorised, joint_keep, group, groups.distinct, None):
                last = first + len(joints)
                members = by_group[(bounds[first - 1] if first else 0):bounds[last - 1]]
                rows = np.column_stack([groups.inverse[members] - first, distinct[members][:, rest_position]])
                values[members] = _read_rows(joints, keep, (ROW, *joint_keep), (ROW, *rest), rows)
            return values
        start = 0  # one group's elimination at a time (its tables, with the group's columns not fixed, do not fit)
        for levels, stop in zip(groups.distinct.tolist(), bounds.tolist()):
            members = by_group[start:stop]
            start = stop
            setting = dict(zip(group, levels))
            operands = self._elimination_operands(joint_keep, {**hard, **setting}, soft, do, {**fixed, **setting},
                                                  dropped)
            run = EliminationRun(operands, plan.steps, joint_keep, self.cardinalities, plan.cost, plan.peak,
                                 plan.peak_scope, large_steps=plan.large_steps)
            rows = distinct[members][:, [position[v] for v in rest]]
            values[members] = _read_rows(run.run(), keep, joint_keep, rest, rows)
        return values

    def batched_posterior(
        self,
        keep: Sequence[int],
        columns: Mapping[int, np.ndarray],
        hard: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        soft: Mapping[int, np.ndarray] = _EMPTY,  # type: ignore[assignment]
        do: Mapping[int, int] = _EMPTY,  # type: ignore[assignment]
        device: object = None,
        checked: bool = False,
    ) -> tuple[np.ndarray, "RowNumbers"]:
        """:meth:`posterior` for every distinct row of ``columns``, and the rows' numbering.

        Each distinct row's answer sums to one over ``keep``, or is zeros
        when that row's evidence is impossible. As in :meth:`posterior`, only
        the requisite part is contracted: every row observes the same
        variables, so the columns separated from ``keep`` by the rest of the
        evidence (Lauritzen's criterion, read once on the structure) are
        left out, and the contraction runs over the distinct rows of the
        requisite columns only. Whether each row is possible is still
        decided: a left-out column whose table is positive at every level
        for every setting of its parents cannot make a row impossible; the
        other left-out columns, with their unobserved ancestors, are summed
        into one table over the columns they mention, read at each row.
        Where this does not apply (tables without heads, left-out evidence
        fixed for every row, a check that does not fit) every column is
        requisite and the answer is :meth:`batched_distinct`'s, normalised.

        Only the read columns are numbered (every column is still checked, unless ``checked`` says the caller
        has: 1-d integer columns of one length, each level in range).
        When they have at most ``COMPLETE_SETTINGS`` settings (and 16 rows
        per setting), every setting is answered (the numbering is
        ``complete``: settings no row holds are answered too, and never
        read); those answers depend on the query alone, so they are kept
        for the query's next batch.
        """
        keep = tuple(int(v) for v in keep)
        names = tuple(sorted(int(v) for v in columns))
        if not names:
            return self.batched_distinct(keep, columns, hard, soft, do, device)  # (refused: no column)
        evidence = self._evidence(hard, soft, do)
        split = self._requisite_split(keep, names, soft, do, evidence)
        # without relevance reasoning every column is requisite and none is checked apart
        requisite_columns, check, check_columns = split if split is not None else (names, None, ())
        # every column is checked, but only those the answer or the possibility check reads are numbered
        if not checked:
            check_level_columns([columns[v] for v in names], [self.cardinalities[v] for v in names],
                                [f"variable {v}" for v in names])
        read = set(requisite_columns) | set(check_columns)
        used = tuple(v for v in names if v in read)
        rows = len(columns[names[0]])
        numbers = RowNumbers([columns[v] for v in used], [self.cardinalities[v] for v in used], rows=rows,
                             checked=True, complete_up_to=min(COMPLETE_SETTINGS, rows // 16))
        distinct = numbers.distinct
        shape = tuple(self.cardinalities[v] for v in keep)
        if len(distinct) == 0:
            return np.zeros((0, *shape)), numbers
        key = None
        if numbers.complete:  # the answer of every setting depends on the query alone: kept for its next batch
            fixed, items, _ = evidence
            key = (keep, names, items) if fixed is not None else None
            with self._lock:
                kept = self._setting_answers.get(key)
            if kept is not None:
                return kept, numbers
        position = {v: k for k, v in enumerate(used)}
        if requisite_columns:
            values, sub = self.batched_distinct(keep, {v: distinct[:, position[v]] for v in requisite_columns},
                                                hard, soft, do, device)
            answers = sub.spread(_normalised_rows(values))
        else:
            answers = np.broadcast_to(self.posterior(keep, hard, soft, do), (len(distinct), *shape))
        if check is not None:
            table = self._check_table(check)
            mass = table[tuple(distinct[:, position[v]] for v in check_columns)] if check_columns \
                else np.full(len(distinct), float(table))
            answers = answers * (mass > 0.0).reshape((-1,) + (1,) * len(shape))
        if key is not None and answers.nbytes <= SETTING_ANSWERS_BYTES // 64:
            answers = np.array(answers)  # its own (a broadcast view holds the posterior)
            answers.flags.writeable = False
            with self._lock:
                self._setting_answers[key] = answers
                while len(self._setting_answers) > 64:
                    self._setting_answers.popitem(last=False)
        return answers, numbers

    def _check_table(self, check: "EliminationRun") -> np.ndarray:
        """The possibility check's table of a batch's query: it depends on the query alone (its evidence fixed
        for every row), so it is computed once and kept for the next batch of the query (the tables kept hold
        at most ``CHECK_TABLES_BYTES``, the oldest dropped first)."""
        with self._lock:
            kept = self._check_tables.get(id(check))
            if kept is not None and kept[0] is check:
                self._check_tables.move_to_end(id(check))
                return kept[1]
            table = check.run()
            if table.nbytes <= CHECK_TABLES_BYTES:
                self._check_tables[id(check)] = (check, table)
                while sum(t.nbytes for _, t in self._check_tables.values()) > CHECK_TABLES_BYTES:
                    self._check_tables.popitem(last=False)
            return table

    def _row_numbers(self, columns: Mapping[int, np.ndarray], names: tuple[int, ...]) -> "RowNumbers":
        """The evidence rows of ``columns`` (in the order of ``names``) numbered, and their distinct rows."""
        return RowNumbers([columns[v] for v in names], [self.cardinalities[v] for v in names],
                          [f"variable {v}" for v in names])

    def _requisite_split(self, keep, names, soft, do, evidence):
        """For a batch: the requisite columns, and the plan and columns of the possibility check of the others.

        None when relevance reasoning does not apply or leaves out no
        column (then the whole batch is contracted). Kept per query.
        """
        if not self._bayesian:
            return None
        fixed, items, _ = evidence  # (``_evidence`` of the batch's fixed evidence)
        key = ("split", keep, names, items)
        with self._lock:
            if key in self._batch_plans:
                return self._batch_plans[key]
        split = None
        if fixed is not None and not any(v in fixed or v in soft for v in names):
            split = self._split(keep, names, fixed, soft, do)
        with self._lock:
            self._batch_plans[key] = split
            while len(self._batch_plans) > BATCH_PLANS_KEPT:
                del self._batch_plans[next(iter(self._batch_plans))]
        return split

    def _split(self, keep, names, fixed, soft, do):
        weights = {int(v): np.asarray(w, dtype=np.float64) for v, w in soft.items()}
        cut = frozenset(int(v) for v in do)
        structure = dict(fixed)
        structure.update({v: 0 for v in names})  # every row fixes the columns: their levels do not matter here
        needed = requisite(keep, structure, cut, weights, self._parents, self._children)
        requisite_columns = tuple(v for v in names if v in needed.evidence)
        column = set(names)
        if len(requisite_columns) == len(names) or any(v not in column for v in needed.outside):
            return None  # nothing to leave out, or evidence fixed for every row left out: the whole batch
        doubtful = [v for v in needed.outside if not self._everywhere_positive(v)]
        if not doubtful:
            return requisite_columns, None, ()
        likelihoods = [_fix(*self._raw[self._headed[v][0]], fixed) for v in doubtful]
        seeds = [u for scope, _ in likelihoods for u in scope if u not in structure]
        closure = free_ancestors(seeds, structure, self._parents, self._everywhere_positive)
        operands = likelihoods + [_fix(*self._raw[self._headed[u][0]], fixed) if not self._everywhere_positive(u)
                                  else ((u,), np.full(self.cardinalities[u], 1.0 / self.cardinalities[u]))
                                  for u in closure]
        check_columns = tuple(sorted({v for scope, _ in operands for v in scope if v in column}))
        try:
            check = self._checked(plan_elimination_run(operands, check_columns, self._position, self.cardinalities),
                                  operands)
        except EnumerationTooLarge:
            return None
        return requisite_columns, check, check_columns

    def _row_plan(self, keep, names, hard, soft, do, fixed, dropped) -> "EliminationRun":
        """The elimination for one row: the column variables weighed by an indicator (sizes per row)."""
        probe = {v: np.asarray(soft[v], dtype=np.float64) if v in soft else np.ones(self.cardinalities[v])
                 for v in names}
        probe.update({v: w for v, w in soft.items() if v not in probe})
        return self._elimination_plan(keep, hard, probe, do, fixed, dropped)

    def _run_rows(self, plan: "EliminationRun", keep, names, distinct: np.ndarray, device) -> np.ndarray:
        """Run ``plan`` for all distinct rows at once: indicators gain a row axis, as does every table they reach."""
        return np.concatenate([part for _, part in self._row_chunks(plan, keep, names, distinct, device)])

    def _row_chunks(self, plan: "EliminationRun", keep, names, distinct: np.ndarray, device):
        """:meth:`_run_rows` chunk by chunk (no chunk's tables above the budget): ``(first row, values)`` pairs."""
        budget = self.max_bytes or DEFAULT_BATCH_BYTES
        per_row = max(plan.peak, 1) * BYTES_PER_ENTRY
        if per_row > budget:
            raise EnumerationTooLarge(per_row, tuple(self.names[v] for v in plan.peak_scope), budget)
        chunk = max(1, budget // per_row)
        position = {v: k for k, v in enumerate(names)}
        for start in range(0, len(distinct), chunk):
            part = distinct[start:start + chunk]
            operands = []
            for scope, table in plan.operands:
                if len(scope) == 1 and scope[0] in position and table is plan.probes.get(scope[0]):
                    levels = part[:, position[scope[0]]]
                    indicator = np.zeros((len(part), self.cardinalities[scope[0]]))
                    indicator[np.arange(len(part)), levels] = 1.0
                    operands.append(((ROW, scope[0]), indicator * table))
                else:
                    operands.append((scope, table))
            yield start, run_batched(operands, plan, keep, len(part), self.cardinalities, device)

    def _ancestral(self, start: Sequence[int], cut: frozenset[int]) -> list[int]:
        """``start`` and their ancestors, not crossing into intervened variables."""
        return sorted(ancestral_set(start, cut, self._parents))

    def cached_messages(self) -> int:
        """Messages held (prior ones and evidence-dependent ones)."""
        return len(self._prior) + len(self._cache)

    def clear_cache(self) -> None:
        """Forget every cached message (and the possibility-check tables and setting answers of batches)."""
        with self._lock:
            self._prior.clear()
            self._cache.clear()
            self._check_tables.clear()
            self._setting_answers.clear()
            self._cache_bytes = 0

    # ------------------------------------------------------------------ internals

    def _evidence(self, hard, soft, do):
        """Levels fixed by evidence or intervention; the cache-key items; the dropped tables."""
        fixed = {int(v): int(x) for v, x in hard.items()}
        for v, x in do.items():
            v, x = int(v), int(x)
            if fixed.get(v, x) != x:
                return None, (), frozenset()
            fixed[v] = x
        for v, x in fixed.items():
            if not 0 <= x < self.cardinalities[v]:
                raise ValueError(f"level {x} of {self.names[v]!r} is out of range 0..{self.cardinalities[v] - 1}")
        items = [(v, 0, x) for v, x in hard.items() if v not in do]
        items += [(int(v), 1, int(x)) for v, x in do.items()]
        items += [(int(v), 2, np.asarray(w, dtype=np.float64).tobytes()) for v, w in soft.items()]
        items.sort(key=lambda item: (item[0], item[1]))
        dropped = frozenset(f for v in do for f in self._headed.get(int(v), ()))
        return fixed, tuple(items), dropped

    def _key(self, i: int, j: int, items) -> tuple:
        """The evidence and interventions on ``i``'s side of edge ``i - j``: the cache key of its message."""
        if not items:
            return ()
        mask = self.tree.side[(i, j)]
        return tuple(item for item in items if mask >> item[0] & 1)

    def _cached(self, i: int, j: int, key: tuple) -> np.ndarray | None:
        if not key:
            return self._prior.get((i, j))
        message = self._cache.get((i, j, key))
        if message is not None:
            self._cache.move_to_end((i, j, key))
        return message

    def _walk(self, root: int, items) -> tuple[dict, list]:
        """Messages into ``root`` found in the cache, and those to compute (leaves last).

        The tree is walked from the root; a cached message ends the walk
        into its side.
        """
        known: dict[tuple[int, int], np.ndarray] = {}
        missing: list[tuple[int, int, tuple]] = []
        stack = [(root, -1)]
        neighbours = self.tree.neighbours
        while stack:
            node, parent = stack.pop()
            for k in neighbours[node]:
                if k == parent:
                    continue
                key = self._key(k, node, items)
                message = self._cached(k, node, key)
                if message is None:
                    missing.append((k, node, key))
                    stack.append((k, node))
                else:
                    known[(k, node)] = message
        return known, missing

    def _compute(self, known, missing, fixed, soft, dropped) -> dict[tuple[int, int], np.ndarray]:
        """Compute the missing messages, leaves first, caching each under its key."""
        for i, j, key in reversed(missing):
            belief = self._belief(i, j, fixed, soft, dropped, known)
            layout = self._edges.get((i, j))
            if layout is None:
                layout = self._edges[(i, j)] = self._edge_layout(i, j)
            sum_axes, perm, positions, width = layout
            message = belief.sum(axis=sum_axes) if sum_axes else belief
            if perm is not None:
                message = message.transpose(perm)
            if len(positions) != width:
                shape = [1] * width
                for position, size in zip(positions, message.shape):
                    shape[position] = size
                message = message.reshape(shape)
            known[(i, j)] = message
            if key:
                self._store((i, j, key), message)
            else:
                self._prior[(i, j)] = message
        return known

    def _belief(self, c: int, exclude: int, fixed, soft, dropped, messages) -> np.ndarray:
        """Product, over clique ``c``'s axes, of its tables and the messages of all neighbours but ``exclude``."""
        product = self._base(c, dropped)
        if product is not None and fixed:
            product = _slice(product, self._axis[c], fixed)
        for v, weights in soft.items():
            if self._soft_home(int(v)) == c:
                vector = _vector(np.asarray(weights, dtype=np.float64), self._axis[c], int(v), len(self.tree.cliques[c]))
                if int(v) in fixed:
                    vector = _slice(vector, self._axis[c], {int(v): fixed[int(v)]})
                product = vector if product is None else product * vector
        for k in self.tree.neighbours[c]:
            if k == exclude:
                continue
            message = messages[(k, c)]
            product = message if product is None else product * message
        if product is None:
            product = np.ones((1,) * len(self.tree.cliques[c]))
        return product

    def _base(self, c: int, dropped: frozenset[int]) -> np.ndarray | None:
        """The product of the tables assigned to clique ``c`` (minus the dropped ones)."""
        here = frozenset(f for f in dropped if self.tree.home[f] == c)
        key = (c, here)
        if key in self._bases:
            return self._bases[key]
        product = None
        for f in self._assigned[c]:
            if f in here:
                continue
            table = self._tables[f]
            if table is None:
                scope, raw = self._raw[f]
                clique = self.tree.home[f]
                table = self._tables[f] = _broadcast(scope, raw, self.tree.cliques[clique], self._axis[clique])
            product = table if product is None else product * table
        self._bases[key] = product
        return product

    def _soft_home(self, v: int) -> int:
        return self.tree.variable_cliques[v][0]

    def _reduce_to(self, belief: np.ndarray, c: int, keep: tuple[int, ...]) -> np.ndarray:
        clique = self.tree.cliques[c]
        axes = tuple(a for a, v in enumerate(clique) if v not in keep)
        result = belief.sum(axis=axes) if axes else belief
        remaining = [v for v in clique if v in keep]
        if remaining != list(keep):
            result = result.transpose([remaining.index(v) for v in keep])
        shape = tuple(self.cardinalities[v] for v in keep)
        if result.shape != shape:  # a kept variable no table spans: constant along it
            result = np.broadcast_to(result, shape).copy()
        return result

    def _edge_layout(self, i: int, j: int):
        """How a message ``i -> j`` is summed (axes of ``i``) and laid out along ``j``'s axes."""
        clique_i, clique_j = self.tree.cliques[i], self.tree.cliques[j]
        shared = [v for v in clique_i if v in self._axis[j]]
        sum_axes = tuple(a for a, v in enumerate(clique_i) if v not in self._axis[j])
        target_order = sorted(shared, key=self._axis[j].__getitem__)
        perm = tuple(shared.index(v) for v in target_order)
        if perm == tuple(range(len(perm))):
            perm = None
        positions = tuple(sorted(self._axis[j][v] for v in shared))
        return sum_axes, perm, positions, len(clique_j)

    def _store(self, key: tuple, message: np.ndarray) -> None:
        self._cache[key] = message
        self._cache_bytes += message.nbytes
        while self._cache_bytes > MESSAGE_CACHE_BYTES and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cache_bytes -= old.nbytes


def check_tree_budget(tree: JoinTree, max_bytes: int, names: Sequence[str]) -> None:
    """Refuse a join tree whose largest clique table would exceed ``max_bytes`` (before allocating)."""
    largest = tree.largest_clique if tree.cliques else None
    if largest is None:
        return
    elements = tree.clique_elements[largest]
    if elements * BYTES_PER_ENTRY > max_bytes:
        raise EnumerationTooLarge(elements * BYTES_PER_ENTRY, tuple(names[v] for v in tree.cliques[largest]),
                                  max_bytes)


def tree_bytes(tree: JoinTree) -> int:
    """Bytes of every clique table of one propagation (an upper bound on a query's working memory)."""
    return tree.total_elements * BYTES_PER_ENTRY


def _broadcast(scope: Sequence[int], table: np.ndarray, clique: Sequence[int], axis: Mapping[int, int]) -> np.ndarray:
    """``table`` (axes in scope order) laid out along the clique's axes, length one where it does not vary."""
    order = sorted(range(len(scope)), key=lambda k: axis[scope[k]])
    if order != list(range(len(scope))):
        table = table.transpose(order)
    shape = [1] * len(clique)
    for k in order:
        shape[axis[scope[k]]] = table.shape[order.index(k)]
    return np.ascontiguousarray(table).reshape(shape)


def _slice(table: np.ndarray, axis: Mapping[int, int], fixed: Mapping[int, int]) -> np.ndarray:
    """``table`` at the fixed levels of the variables it spans, each axis kept with length one."""
    index: list[slice] | None = None
    for v, x in fixed.items():
        a = axis.get(v)
        if a is None or table.shape[a] == 1:
            continue
        if index is None:
            index = [slice(None)] * table.ndim
        index[a] = slice(x, x + 1)
    return table if index is None else table[tuple(index)]


def _vector(weights: np.ndarray, axis: Mapping[int, int], v: int, ndim: int) -> np.ndarray:
    shape = [1] * ndim
    shape[axis[v]] = weights.shape[-1]
    return weights.reshape(shape)


def _normalised_rows(values: np.ndarray) -> np.ndarray:
    """Each row of ``values`` (first axis) divided by its sum; zeros where the sum is not positive."""
    axes = tuple(range(1, values.ndim))
    mass = values.sum(axis=axes, keepdims=True) if axes else values
    positive = mass > 0.0
    return np.where(positive, values / np.where(positive, mass, 1.0), 0.0)


def _normalised(table: np.ndarray) -> np.ndarray:
    """``table`` divided by its sum; zeros when the sum is not positive."""
    total = float(table.sum())
    if total <= 0.0:
        return np.zeros(np.shape(table))
    return table / total


def entries(shape: Sequence[int]) -> int:
    return math.prod(shape)


def _fix(scope: tuple[int, ...], table: np.ndarray, fixed: Mapping[int, int]) -> tuple[tuple[int, ...], np.ndarray]:
    """The table at the fixed levels of its variables; those axes are dropped."""
    if not any(v in fixed for v in scope):
        return scope, table
    index = tuple(fixed[v] if v in fixed else slice(None) for v in scope)
    return tuple(v for v in scope if v not in fixed), table[index]


ROW = -1  # the row axis of a batch, a variable number no network uses
DEFAULT_BATCH_BYTES = 2**31
GROUPED_ABOVE = 2**28  # a batch whose plain plans build more entries than this searches for columns to group by
BATCH_PLANS_KEPT = 64  # plans of batches kept per network (a batch of the same query is not planned again)
CHECK_TABLES_BYTES = 64 * 2**20  # possibility-check tables of batch queries kept per network, all together
SETTING_ANSWERS_BYTES = 16 * 2**20  # answers of every setting of few-setting batch queries, per network (64 kept)
DIRECT_TREE_COST = 2**15  # a join-tree pass building fewer entries than this runs without comparing plans
DIRECT_ELIMINATION_COST = 2**15  # an elimination building fewer entries than this runs without walking the tree
ONE_EINSUM_ENTRIES = 2**12  # requisite tables spanning at most this many joint settings: one einsum call, unplanned
REPLAN_ABOVE = 2**22  # a plan in the compiled order costing more than this: search an order for this query
REPLAN_FEW, REPLAN_FEW_ABOVE = 64, 2**15  # the same above this cost when it has at most this many operands
#: A step of an elimination iterating over more joint settings than this (its result's entries times the levels
#: summed out) runs through numpy's contraction-path search (pairwise products, BLAS where the layout allows)
#: instead of one pass over every setting: a 14.7M-setting step of munin4's batch took 63 ms as one pass, 3 ms
#: so; the search costs about 20 us, which small steps do not repay.
OPTIMIZED_STEP_ABOVE = 2**18


@dataclass
class EliminationRun:
    """A planned variable elimination: its operands, steps, and the entries of the tables it builds."""

    operands: list
    steps: list
    keep: tuple[int, ...]
    cardinalities: Sequence[int]
    cost: int
    peak: int
    peak_scope: tuple[int, ...]
    probes: dict = None  # type: ignore[assignment]  # the weight vectors, by variable (batches swap them)
    large_steps: frozenset = frozenset()  # steps over more than OPTIMIZED_STEP_ABOVE settings (see plan_steps)

    @functools.cached_property
    def order(self) -> tuple[int, ...]:
        """The variables in the order they are summed out."""
        return tuple(v for step in self.steps for v in _eliminated(step))

    def run(self) -> np.ndarray:
        tables: list = [table for _, table in self.operands]
        scopes: list = [scope for scope, _ in self.operands]
        einsum = np.einsum
        large = self.large_steps
        for number, (ids, group_scopes, out) in enumerate(self.steps):
            labels: dict[int, int] = {}
            args: list = []
            for k, i in enumerate(ids):
                args.append(tables[i])
                args.append([labels.setdefault(v, len(labels)) for v in group_scopes[k]])
                tables[i] = None  # consumed: free it
            args.append([labels[v] for v in out])
            tables.append(einsum(*args, optimize="greedy") if number in large else einsum(*args))
            scopes.append(out)
        final = [(scope, table) for scope, table in zip(scopes, tables) if table is not None]
        if not final:
            return np.ones(tuple(self.cardinalities[v] for v in self.keep))
        return _contract(final, list(self.keep))


def plan_elimination_run(operands, keep, position, cardinalities, replan: bool = True) -> EliminationRun:
    """Plan summing every variable but ``keep`` out of the product of ``operands``.

    The order is the compiled one restricted to the operands' variables;
    when that plan costs more than ``REPLAN_ABOVE`` (entries built, times
    the operands multiplied), or more than ``REPLAN_FEW_ABOVE`` with at
    most ``REPLAN_FEW`` operands (a search that costs little), a greedy
    min-fill order of this query's own (evidence removed) is searched too
    and the plan with the smaller largest table (then the cheaper) kept.
    """
    scopes = [scope for scope, _ in operands]
    eliminated = sorted({v for scope in scopes for v in scope if v not in keep}, key=position.__getitem__)
    steps, cost, peak, peak_scope, large = plan_steps(scopes, eliminated, cardinalities)
    if replan and (cost > REPLAN_ABOVE or (cost > REPLAN_FEW_ABOVE and len(scopes) <= REPLAN_FEW)):
        order, _ = numbered_elimination(scopes, cardinalities, eliminated)
        other = plan_steps(scopes, order, cardinalities)
        if other[2] < peak or (other[2] == peak and other[1] < cost):
            steps, cost, peak, peak_scope, large = other
    final = math.prod(cardinalities[v] for v in keep)  # the product of what is left, over ``keep``
    cost += final
    if final > peak:
        peak, peak_scope = final, tuple(keep)
    return EliminationRun(list(operands), steps, keep, cardinalities, cost, peak, peak_scope, large_steps=large)


def _eliminated(step) -> tuple[int, ...]:
    ids, group, out = step
    return tuple(dict.fromkeys(v for scope in group for v in scope if v not in out))


def plan_steps(scopes, order, cardinalities):
    """Symbolic variable elimination: the steps ``(operand ids, their scopes, result scope)``, their cost, the
    largest result and its scope, and the numbers of the steps over more than ``OPTIMIZED_STEP_ABOVE`` joint
    settings with two operands or more (run with numpy's contraction-path search)."""
    holders: dict[int, list[int]] = {}
    live: dict[int, tuple[int, ...]] = {}
    for k, scope in enumerate(scopes):
        live[k] = tuple(scope)
        for v in scope:
            holders.setdefault(v, []).append(k)
    steps = []
    peak, cost, peak_scope = 0, 0, ()
    large: set[int] = set()
    next_id = len(scopes)
    for v in order:
        ids = [k for k in holders.pop(v, ()) if k in live]
        if not ids:
            continue
        group = [live.pop(k) for k in ids]
        out: list[int] = []
        for scope in group:
            for u in scope:
                if u != v and u not in out:
                    out.append(u)
        size = math.prod(cardinalities[u] for u in out) * cardinalities[v]
        cost += size * len(group)
        if size > OPTIMIZED_STEP_ABOVE and len(group) > 1:
            large.add(len(steps))
        if size > peak:
            peak, peak_scope = size, (*out, v)
        steps.append((tuple(ids), tuple(group), tuple(out)))
        live[next_id] = tuple(out)
        for u in out:
            holders[u].append(next_id)
        next_id += 1
    return steps, cost, peak, peak_scope, frozenset(large)


def _live(steps, scopes):
    """The operands left after all steps (ids and scopes)."""
    live = {k: tuple(scope) for k, scope in enumerate(scopes)}
    next_id = len(scopes)
    for ids, _, out in steps:
        for k in ids:
            del live[k]
        live[next_id] = out
        next_id += 1
    return list(live.items())


def _contract(group, out, optimize: bool = False) -> np.ndarray:
    """The product of ``group``'s tables summed down to ``out`` (``optimize``: numpy's path search, for large steps)."""
    labels: dict[int, int] = {}
    args: list = []
    for scope, table in group:
        args.append(table)
        args.append([labels.setdefault(v, len(labels)) for v in scope])
    args.append([labels.setdefault(v, len(labels)) for v in out])
    if len(group) == 1 and not group[0][0] and not out:
        return group[0][1]
    return np.einsum(*args, optimize="greedy") if optimize else np.einsum(*args)


def _contract_all(operands, keep) -> np.ndarray:
    """The product of ``operands`` summed down to ``keep``, in one einsum call (small joint spaces only)."""
    if not operands:
        return np.ones(())
    labels: dict[int, int] = {}
    args: list = []
    for scope, table in operands:
        args.append(table)
        args.append([labels.setdefault(v, len(labels)) for v in scope])
    args.append([labels[v] for v in keep])
    return np.einsum(*args)


def _fitting(plan):
    """The plan ``plan()`` makes, or None when it would not fit the budget."""
    try:
        return plan()
    except EnumerationTooLarge:
        return None


def distinct_rows(rows: np.ndarray, cardinalities: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of an ``(N, E)`` level matrix, and for each row the index of its copy.

    Rows are numbered in mixed radix (see :class:`RowNumbers`).
    """
    numbers = RowNumbers([rows[:, k] for k in range(rows.shape[1])], cardinalities)
    return numbers.distinct, numbers.inverse


#: Attributes of a compiled network made with its join tree (see ``CompiledNetwork.__getattr__``).
_TREE_ATTRIBUTES = frozenset(("tree", "_axis", "_assigned", "_position"))

#: A batch whose read columns have at most this many settings (and 16 rows per setting) is answered for every
#: setting: cheaper than finding the settings present (a pass over the rows); absent ones are never read.
COMPLETE_SETTINGS = 64
DENSE_CODES_PER_ROW = 4  # row numbers below this many per row (or 2**16) are counted in a table, not sorted


def check_level_columns(columns: Sequence[np.ndarray], cardinalities: Sequence[int],
                        labels: Sequence[str] | None = None) -> None:
    """Evidence columns of level positions: 1-d integer arrays of one length, each level in ``0..cardinality-1``
    (one pass over each column); raises ValueError naming the column otherwise."""
    length = -1
    for k, (a, card) in enumerate(zip(columns, cardinalities)):
        if type(a) is not np.ndarray:
            a = np.asarray(a)
        if a.ndim != 1 or (length >= 0 and len(a) != length):
            shapes = sorted({np.shape(c) for c in columns})
            raise ValueError(f"evidence columns must be 1-d arrays of one length, got shapes {shapes}")
        length = len(a)
        unsigned = _unsigned_view(a)
        if unsigned is None:
            label = labels[k] if labels else f"column {k}"
            raise ValueError(f"evidence for {label} must hold integer levels, got {a.dtype}")
        # one pass: negative levels read as huge unsigned numbers
        if length and int(_MAXIMUM(unsigned)) >= card:
            label = labels[k] if labels else f"column {k}"
            raise ValueError(f"evidence levels for {label} must lie in 0..{card - 1}")


_MAXIMUM = np.maximum.reduce
_UNSIGNED = {np.dtype(f"i{n}"): np.dtype(f"u{n}") for n in (1, 2, 4, 8)}


def _unsigned_view(a: np.ndarray) -> np.ndarray | None:
    """An integer column read as unsigned (no copy); None when it does not hold integers."""
    dtype = a.dtype
    if dtype.kind == "u":
        return a
    if dtype.kind != "i":
        return None
    unsigned = _UNSIGNED.get(dtype)
    return a.view(unsigned if unsigned is not None else dtype.str.replace("i", "u"))


class RowNumbers:
    """Rows of level columns numbered in mixed radix: the distinct rows, and how to spread values back to rows.

    Each column is checked once (one integer dtype, one length, levels in
    range). When the numbers fit a small table (at most
    ``DENSE_CODES_PER_ROW`` per row, or 2**16) the distinct ones are found
    by counting (linear time); otherwise the numbers are sorted. Values
    computed once per distinct row are spread back to the rows by one
    gather (:meth:`spread`).
    """

    def __init__(self, columns: Sequence[np.ndarray], cardinalities: Sequence[int],
                 labels: Sequence[str] | None = None, rows: int = 0, checked: bool = False,
                 complete_up_to: int = 0) -> None:
        arrays = [np.asarray(a) for a in columns]
        cards = [int(c) for c in cardinalities]
        if not checked:
            check_level_columns(arrays, cards, labels)
        self.rows = len(arrays[0]) if arrays else rows  # no column: every one of ``rows`` rows is the same
        self.cardinalities = tuple(cards)
        self._inverse: np.ndarray | None = None
        self.complete = False  # every setting of the columns is a "distinct row", held by some row or not
        total = math.prod(cards)
        if total >= 2**62:
            distinct, inverse = np.unique(np.stack(arrays, axis=1).astype(np.int64), axis=0, return_inverse=True)
            self.distinct, self._inverse, self.codes, self.numbers = distinct, inverse.reshape(-1), None, None
            return
        if not arrays:
            codes = np.zeros(self.rows, dtype=np.int64)
            self.codes, self.total, self.numbers = codes, 1, np.arange(min(1, self.rows), dtype=np.int64)
            self.distinct = np.zeros((len(self.numbers), 0), dtype=np.int64)
            return
        # (checked levels are small: an unsigned 64-bit column reads the same as signed, and mixes with int64)
        arrays = [a.view(a.dtype.str.replace("u", "i")) if a.dtype.kind == "u" and a.dtype.itemsize == 8 else a
                  for a in arrays]
        if len(arrays) == 1:
            codes = arrays[0].astype(np.int64, copy=False)  # never written to
        else:
            codes = np.multiply(arrays[0], cards[1], dtype=np.int64)  # its own: the numbers accumulate in it
            codes += arrays[1]
            for k in range(2, len(arrays)):
                codes *= cards[k]
                codes += arrays[k]
        self.codes = codes
        self.total = total
        if total <= complete_up_to:  # few settings: every one is answered, and no pass finds those present
            self.complete = True
            self.numbers, self.distinct = _every_setting(self.cardinalities)
            return
        if total <= max(DENSE_CODES_PER_ROW * self.rows, 2**16):
            present = np.zeros(total, dtype=np.int8)  # a scatter: cheaper than np.bincount's counting
            present[codes] = 1
            self.numbers = np.flatnonzero(present)
        else:
            self.numbers, inverse = np.unique(codes, return_inverse=True)
            self._inverse = inverse.reshape(-1)
        self.distinct = _decoded(self.numbers, self.cardinalities)

    @property
    def inverse(self) -> np.ndarray:
        """For each row, the index of its distinct row."""
        if self.complete:
            return self.codes
        if self._inverse is None:
            rank = np.zeros(self.total, dtype=np.int64)
            rank[self.numbers] = np.arange(len(self.numbers))
            self._inverse = rank.take(self.codes)
        return self._inverse

    def spread(self, values: np.ndarray, axis: int = 0) -> np.ndarray:
        """``values`` (one entry per distinct row along ``axis``) as one entry per row."""
        if self.complete:
            return values.take(self.codes, axis=axis)
        if self._inverse is None and self.total <= 2 * self.rows:
            shape = list(values.shape)
            shape[axis] = self.total
            table = np.empty(shape, dtype=values.dtype)
            np.moveaxis(table, axis, 0)[self.numbers] = np.moveaxis(values, axis, 0)  # numbers never seen: never read
            return table.take(self.codes, axis=axis)
        return values.take(self.inverse, axis=axis)

    def first(self, which: np.ndarray) -> int | None:
        """The first row whose distinct row is one of ``which`` (distinct-row indices); None when no row holds
        one of them (which only a complete numbering can say: its settings need not occur)."""
        marked = np.zeros(len(self.distinct), dtype=bool)
        marked[which] = True
        hits = marked.take(self.inverse)
        row = int(np.argmax(hits)) if len(hits) else 0
        if self.complete and not (len(hits) and hits[row]):
            return None
        return row


def _decoded(numbers: np.ndarray, cardinalities: tuple[int, ...]) -> np.ndarray:
    """The settings numbered ``numbers`` in mixed radix (the last column varying fastest): one row each."""
    strides = [1] * len(cardinalities)
    for k in range(len(cardinalities) - 2, -1, -1):
        strides[k] = strides[k + 1] * cardinalities[k + 1]
    return (numbers[:, None] // np.asarray(strides, dtype=np.int64)) % np.asarray(cardinalities, dtype=np.int64)


@functools.lru_cache(maxsize=256)
def _every_setting(cardinalities: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Every setting of columns with these cardinalities: their numbers and their levels (read-only, shared)."""
    numbers = np.arange(math.prod(cardinalities), dtype=np.int64)
    settings = _decoded(numbers, cardinalities)
    numbers.flags.writeable = False
    settings.flags.writeable = False
    return numbers, settings


def _read_rows(joint: np.ndarray, keep, joint_keep, names, distinct: np.ndarray) -> np.ndarray:
    """Row ``r`` of the result: ``joint`` (axes ``joint_keep``) at row ``r``'s column levels."""
    index: list = [slice(None)] * len(joint_keep)
    for k, v in enumerate(names):
        if v not in keep:
            index[joint_keep.index(v)] = distinct[:, k]
    advanced = [a for a, i in enumerate(index) if not isinstance(i, slice)]
    moved = np.moveaxis(joint, advanced, list(range(len(advanced))))
    values = moved[tuple(index[a] for a in advanced)]  # (rows, *keep)
    for k, v in enumerate(names):
        if v in keep:
            mask = np.zeros((len(distinct), joint.shape[joint_keep.index(v)]))
            mask[np.arange(len(distinct)), distinct[:, k]] = 1.0
            shape = [len(distinct)] + [1] * len(keep)
            shape[1 + keep.index(v)] = mask.shape[1]
            values = values * mask.reshape(shape)
    return values


def run_batched(operands, plan, keep, rows: int, cardinalities, device) -> np.ndarray:
    """Variable elimination in ``plan``'s order with the row axis kept to the end."""
    sizes = dict(enumerate(cardinalities))
    sizes[ROW] = rows
    scopes = [scope for scope, _ in operands]
    tables = [table for _, table in operands]
    order = [v for v in plan.order if v != ROW]
    steps, _, _, _, large = plan_steps(scopes, order, sizes)
    if device is not None and str(device) != "cpu":
        return _run_torch(steps, scopes, tables, (ROW, *keep), device)
    for number, (ids, group_scopes, out) in enumerate(steps):
        tables.append(_contract([(group_scopes[k], tables[i]) for k, i in enumerate(ids)], out,
                                optimize=number in large))
    final = [(scope, tables[i]) for i, scope in _live(steps, scopes)]
    result = _contract(final, [ROW, *keep])
    return result


def _run_torch(steps, scopes, tables, out, device) -> np.ndarray:
    """The same steps with ``torch.einsum`` on ``device`` (float64); the result comes back to the CPU."""
    moved = [torch.as_tensor(np.ascontiguousarray(t), device=device) for t in tables]
    for ids, group_scopes, step_out in steps:
        moved.append(_torch_contract(torch, [(group_scopes[k], moved[i]) for k, i in enumerate(ids)], step_out))
    final = [(scope, moved[i]) for i, scope in _live(steps, scopes)]
    return _torch_contract(torch, final, list(out)).cpu().numpy()


def _torch_contract(torch, group, out):
    labels: dict[int, int] = {}
    args: list = []
    for scope, table in group:
        args.append(table)
        args.append([labels.setdefault(v, len(labels)) for v in scope])
    args.append([labels.setdefault(v, len(labels)) for v in out])
    return torch.einsum(*args)
