"""The generated multi-world Pyro program of a counterfactual query (``causalppl compile --query``)."""

from __future__ import annotations

from causalppl.backends.counterfactual_codegen import multiworld_source
from causalppl.inference.counterfactual.leaves import leaf_outcomes
from causalppl.inference.messages import query_error
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import QuerySpec, leaves
from causalppl.transforms.do import InterventionError, do
from causalppl.transforms.noise import NoiseError
from causalppl.transforms.worlds import build_worlds


def counterfactual_source(model: CausalModel, spec: QuerySpec) -> str:
    """The multi-world Pyro program (Python source) of a checked counterfactual query."""
    specs = leaves(spec.term)
    interventions = {tuple(leaf.interventions) for leaf in specs}
    if len(interventions) > 1:
        raise query_error(spec.span, "the leaves of this query use different do(...) conditions, so they have "
                                     "different multi-world programs", "compile each term as its own query")
    base = do(model, dict(specs[0].interventions), spec.span) if specs and specs[0].interventions else model
    try:
        multi = build_worlds(base, [ref for leaf in specs for ref in leaf_outcomes(leaf)])
    except (NoiseError, InterventionError) as error:
        raise query_error(spec.span, str(error)) from None
    evidence = tuple(dict.fromkeys((multi.name_of(e.outcome), e.op, float(e.value))
                                   for leaf in specs for e in leaf.evidence))
    return multiworld_source(multi, spec.text, evidence)
