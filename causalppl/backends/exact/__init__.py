"""Exact inference for finite discrete models by tensor contraction.

The engine takes a list of :class:`Factor` s (float64 tables with named axes)
and computes unnormalised marginals, optionally given evidence, either for
one query (:func:`marginal`) or for a batch of evidence rows at once
(:func:`batched_marginal`). Factors that sum to one over a variable nothing
else needs (barren conditional tables) are dropped first. Contractions follow
a min-fill variable elimination order; a plan whose largest intermediate
table would exceed the memory budget raises :class:`EnumerationTooLarge`
before anything is allocated. Plans are cached by query structure.

Networks queried repeatedly are compiled once instead
(:class:`~causalppl.backends.exact.network.CompiledNetwork`): a join tree
whose messages are cached under the evidence on their side, do-queries by
surgery on it, variable elimination over the relevant tables when that is
cheaper, and batches of evidence rows de-duplicated and contracted together.

Modules: ``factor`` (the table type), ``elimination`` (orders, paths, peak
sizes), ``pruning`` (barren factors), ``planning`` (cached query plans),
``execution`` (running a path with torch), ``contraction`` (the queries on
factor lists), ``jointree`` (triangulation and the clique tree, on scopes),
``network`` (the compiled network, on numpy tables), ``errors``.

This package depends only on torch, opt_einsum and numpy.
"""

from causalppl.backends.exact.contraction import (
    DEFAULT_MAX_BYTES,
    batched_marginal,
    marginal,
)
from causalppl.backends.exact.elimination import (
    EliminationPlan,
    Intermediate,
    elimination_order,
    interaction_graph,
    order_to_path,
    peak_intermediate,
    plan_elimination,
)
from causalppl.backends.exact.errors import EnumerationTooLarge
from causalppl.backends.exact.factor import Factor, cardinalities_of
from causalppl.backends.exact.jointree import JoinTree, build_join_tree
from causalppl.backends.exact.network import CompiledNetwork, distinct_rows
from causalppl.backends.exact.planning import clear_plan_cache, plan_cache_size
from causalppl.backends.exact.pruning import prune_barren

__all__ = [
    "CompiledNetwork",
    "DEFAULT_MAX_BYTES",
    "JoinTree",
    "build_join_tree",
    "distinct_rows",
    "EliminationPlan",
    "EnumerationTooLarge",
    "Factor",
    "Intermediate",
    "batched_marginal",
    "cardinalities_of",
    "clear_plan_cache",
    "elimination_order",
    "interaction_graph",
    "marginal",
    "order_to_path",
    "peak_intermediate",
    "plan_cache_size",
    "plan_elimination",
    "prune_barren",
]
