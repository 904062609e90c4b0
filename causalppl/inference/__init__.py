"""Stage 6 of the compiler: answering checked queries.

:mod:`~causalppl.inference.plan` is the one table that picks an answerer for
each query (and says why); the answerers live in :mod:`.estimate` (exact,
Monte Carlo, identification estimands), :mod:`.bayesian` (NUTS, SVI,
conjugate and prior draws), :mod:`.counterfactual` and :mod:`.partial`
(bounds).  Options are typed in :mod:`.options`; every message of this stage
is in :mod:`.messages`.
"""
