"""The IR's causal graph as an ADMG over its observed variables (latent projection)."""

from __future__ import annotations

from causalppl.identification import ADMG
from causalppl.ir.model import CausalModel


def observed_admg(model: CausalModel) -> ADMG:
    """Observed variables, arrows between them, and ``<->`` for every latent common cause.

    Explicit latent variables are projected out (Verma's latent projection):
    ``a -> b`` when a directed path from a to b passes only through latents,
    ``a <-> b`` when a latent-only path leads from one latent to both.
    """
    observed = [v.name for v in model.model_variables if v.kind != "latent"]
    latent = {v.name for v in model.model_variables if v.kind == "latent"}
    directed = {(a, b) for b in observed for a in _observed_causes(model, b, latent)}
    bidirected = {frozenset((c.a, c.b)) for c in model.confounders}
    for root in latent:
        reached = sorted(_observed_effects(model, root, latent))
        bidirected |= {frozenset((a, b)) for i, a in enumerate(reached) for b in reached[i + 1:]}
    return ADMG.from_edges(observed, directed, bidirected)


def _observed_causes(model: CausalModel, name: str, latent: set[str]) -> set[str]:
    causes, frontier = set(), list(model.parents(name))
    seen: set[str] = set()
    while frontier:
        parent = frontier.pop()
        if parent in seen:
            continue
        seen.add(parent)
        if parent in latent:
            frontier.extend(model.parents(parent))
        else:
            causes.add(parent)
    return causes


def _observed_effects(model: CausalModel, name: str, latent: set[str]) -> set[str]:
    effects, frontier, seen = set(), list(model.children(name)), set()
    while frontier:
        child = frontier.pop()
        if child in seen:
            continue
        seen.add(child)
        if child in latent:
            frontier.extend(model.children(child))
        else:
            effects.add(child)
    return effects
