"""Every answerer of the planner's table, and the analyses its rules ask of them, in one namespace.

:mod:`causalppl.inference.plan` loads this module on the first query that
needs one of its engines: they import torch, pyro and scipy, which a query
answered by identification from a table of counts never needs (``causalppl
run`` answers such a query without loading them).  Every answerer has the
planner's signature ``(model, query, options) -> Result``; the rest are the
analyses behind the planner's facts (back-door, plug-in, mediation and
bounds translation), read only when a rule asks for them.
"""

from causalppl.inference.bayesian.answering import answer_bayesian
from causalppl.inference.bayesian.fitting import fit
from causalppl.inference.bayesian.weighting import answer_by_weighting
from causalppl.inference.counterfactual import answer_counterfactual, answer_learned
from causalppl.inference.devices import resolve_device
from causalppl.inference.estimate.adjustment import adjustment_plan, aipw_applies, answer_adjustment
from causalppl.inference.estimate.exact import answer_exact
from causalppl.inference.estimate.mediation import NotMediation, answer_mediation, mediation_plan
from causalppl.inference.estimate.montecarlo import answer_mc
from causalppl.inference.estimate.plugin import NotPlugin, answer_plugin, plugin_plans
from causalppl.inference.partial.bounds import LinearTranslator, answer_bounds
from causalppl.inference.rows import answer_rows, answer_rows_learned

__all__ = ["answer_bayesian", "fit", "answer_by_weighting", "answer_counterfactual", "answer_learned",
           "resolve_device", "adjustment_plan", "aipw_applies", "answer_adjustment", "answer_exact",
           "NotMediation", "answer_mediation", "mediation_plan", "answer_mc", "NotPlugin", "answer_plugin",
           "plugin_plans", "LinearTranslator", "answer_bounds", "answer_rows", "answer_rows_learned"]
