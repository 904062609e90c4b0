"""Sharp partial-identification bounds over response functions.

Inputs (:mod:`.problem`): a :class:`DiscreteGraph`, a :class:`LinearQuery`
over counterfactual events built from :class:`CfAtom` (nested potential
outcomes through :class:`Potential`), and observational and/or
:class:`Experiment` data. Response types factor over c-components.
:func:`sharp_bounds` solves one problem: a linear program with HiGHS when one
component is involved, the factored program of :mod:`.factored` otherwise
(identified factors substituted; a polynomial program, :mod:`.polynomial`,
when several components interact); :func:`bounds_for_draws` handles posterior
draws of the observational distribution; :mod:`.closed_forms` has the Balke–Pearl and Tian–Pearl formulas;
:func:`posterior_query_draws` samples the posterior of the query itself under
a Dirichlet prior over response types (the Bayesian partial-identification mode).
"""

from causalppl.backends.bounds.bayesian import (
    BayesianBoundsResult,
    posterior_query_draws,
)
from causalppl.backends.bounds.closed_forms import (
    CausationBounds,
    balke_pearl_ace_bounds,
    tian_pearl_bounds,
)
from causalppl.backends.bounds.errors import IncompatibleData, ZeroProbabilityCondition
from causalppl.backends.bounds.lp import (
    BoundsResult,
    DrawBounds,
    bounds_for_draws,
    sharp_bounds,
)
from causalppl.backends.bounds.problem import (
    CfAtom,
    DiscreteGraph,
    Event,
    Experiment,
    LinearQuery,
    Potential,
)

__all__ = [
    "BayesianBoundsResult",
    "posterior_query_draws",
    "BoundsResult",
    "CausationBounds",
    "CfAtom",
    "DiscreteGraph",
    "DrawBounds",
    "Event",
    "Experiment",
    "IncompatibleData",
    "LinearQuery",
    "Potential",
    "ZeroProbabilityCondition",
    "balke_pearl_ace_bounds",
    "bounds_for_draws",
    "sharp_bounds",
    "tian_pearl_bounds",
]
