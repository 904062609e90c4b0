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
