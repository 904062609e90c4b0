"""Identification: from a causal diagram and a query to a formula over observed data.

A pure graph-algorithm layer.  Given an acyclic directed mixed graph
(:class:`ADMG`) and a query P(Y | do(X), Z), :func:`identify` runs the complete
ID/IDC algorithms of Shpitser & Pearl (2006) and returns either an
:class:`Estimand` -- an expression tree over observational probabilities that
:func:`evaluate` computes, batched, on a joint probability tensor (with
:func:`evaluate_range` and :func:`undefined_conditional` telling where positivity
fails and the data leave it undefined) -- or a
:class:`Hedge` proving that no such formula exists.  :mod:`.adjustment` offers
the back-door and front-door special cases.
"""

from causalppl.identification.adjustment import (
    backdoor_estimand,
    backdoor_sets,
    frontdoor_estimand,
    frontdoor_sets,
)
from causalppl.identification.admg import ADMG
from causalppl.identification.algebra import divide, marginalize, multiply, simplify
from causalppl.identification.estimand import (
    ONE,
    Estimand,
    Fraction,
    Prob,
    Product,
    Sum,
)
from causalppl.identification.evaluation import Undefined, evaluate, evaluate_range, undefined_conditional
from causalppl.identification.id_algorithm import Hedge, Identification, identify

__all__ = [
    "ADMG",
    "ONE",
    "Estimand",
    "Fraction",
    "Hedge",
    "Identification",
    "Prob",
    "Product",
    "Sum",
    "Undefined",
    "backdoor_estimand",
    "backdoor_sets",
    "divide",
    "evaluate",
    "evaluate_range",
    "frontdoor_estimand",
    "frontdoor_sets",
    "identify",
    "marginalize",
    "multiply",
    "simplify",
    "undefined_conditional",
]
