"""Every answerer of the planner's table, and the analyses its rules ask of them, in one namespace, each loaded
on first use.

:mod:`causalppl.inference.plan` reads its engines from here. Each name is
imported from its own module the first time it is looked up (module
``__getattr__``), so a query pays only for the engine that answers it: the
exact engine on a network of tables needs neither pyro nor scipy nor pandas,
and a query answered by identification from a table of counts loads no
engine at all (``causalppl run`` answers both without loading the samplers).
Every answerer has the planner's signature ``(model, query, options) ->
Result``; the rest are the analyses behind the planner's facts (back-door,
plug-in, mediation and bounds translation), read only when a rule asks for
them.

>>> from causalppl.inference import engines
>>> engines.answer_exact.__module__
'causalppl.inference.estimate.exact'
"""

from __future__ import annotations

import importlib

#: Each name of the namespace and the module it is imported from on first use.
SOURCES = {
    "answer_bayesian": "causalppl.inference.bayesian.answering",
    "fit": "causalppl.inference.bayesian.fitting",
    "answer_by_weighting": "causalppl.inference.bayesian.weighting",
    "answer_counterfactual": "causalppl.inference.counterfactual",
    "answer_learned": "causalppl.inference.counterfactual",
    "resolve_device": "causalppl.inference.devices",
    "adjustment_plan": "causalppl.inference.estimate.adjustment",
    "aipw_applies": "causalppl.inference.estimate.adjustment",
    "answer_adjustment": "causalppl.inference.estimate.adjustment",
    "answer_exact": "causalppl.inference.estimate.exact",
    "NotMediation": "causalppl.inference.estimate.mediation",
    "answer_mediation": "causalppl.inference.estimate.mediation",
    "mediation_plan": "causalppl.inference.estimate.mediation",
    "answer_mc": "causalppl.inference.estimate.montecarlo",
    "NotPlugin": "causalppl.inference.estimate.plugin",
    "answer_plugin": "causalppl.inference.estimate.plugin",
    "plugin_plans": "causalppl.inference.estimate.plugin",
    "LinearTranslator": "causalppl.inference.partial.bounds",
    "answer_bounds": "causalppl.inference.partial.bounds",
    "answer_rows": "causalppl.inference.rows",
    "answer_rows_learned": "causalppl.inference.rows",
}

__all__ = sorted(SOURCES)


def __getattr__(name: str):
    if name not in SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(SOURCES[name]), name)
    globals()[name] = value  # later lookups are plain attribute hits
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(SOURCES))
