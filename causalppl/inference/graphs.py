"""The IR's causal graph as an ADMG over its observed variables (latent projection)."""

from __future__ import annotations

from typing import Iterable

from causalppl.identification import ADMG
from causalppl.ir.model import CausalModel


def observed_admg(model: CausalModel, observed: Iterable[str] | None = None) -> ADMG:
    """Observed variables, arrows between them, and ``<->`` for every latent common cause.

    Explicit latent variables -- and, when ``observed`` is given, every
    variable not in it (a column the data lack) -- are projected out (Verma's
    latent projection): ``a -> b`` when a directed path from a to b passes
    only through unobserved variables, ``a <-> b`` when an unobserved-only
    path leads from one unobserved variable to both.  ``<->`` arcs of the
    model whose ends are both kept stay; an arc to a dropped variable becomes
    a latent common cause of that variable's kept effects and the other end.
    """
    keep = None if observed is None else set(observed)
    observed = [v.name for v in model.model_variables
                if v.kind != "latent" and (keep is None or v.name in keep)]
    latent = {v.name for v in model.model_variables if v.name not in set(observed)}
    directed = {(a, b) for b in observed for a in _observed_causes(model, b, latent)}
    bidirected = set()
    for arc in model.confounders:  # an anonymous latent parent of both ends
        ends = set()
        for end in (arc.a, arc.b):
            ends |= {end} if end not in latent else _observed_effects(model, end, latent)
        ends = sorted(ends)
        bidirected |= {frozenset((a, b)) for i, a in enumerate(ends) for b in ends[i + 1:]}
    for root in latent:
        reached = sorted(_observed_effects(model, root, latent))
        bidirected |= {frozenset((a, b)) for i, a in enumerate(reached) for b in reached[i + 1:]}
    return ADMG.from_edges(observed, directed, bidirected)


def _observed_causes(model: CausalModel, name: str, latent: set[str]) -> set[str]:
    return _observed_reach(name, latent, model.parents)


def _observed_effects(model: CausalModel, name: str, latent: set[str]) -> set[str]:
    return _observed_reach(name, latent, model.children)


def _observed_reach(name: str, latent: set[str], step) -> set[str]:
    """Observed variables reached from ``name`` by ``step`` (parents or children), passing only through latents."""
    reached, frontier, seen = set(), list(step(name)), set()
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        if node in latent:
            frontier.extend(step(node))
        else:
            reached.add(node)
    return reached
