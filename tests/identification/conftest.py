"""Ground truth for identification tests: random discrete SCMs solved by brute force.

Each bidirected arc of a graph becomes an explicit binary latent parent of its
two ends; every observed variable gets a random conditional table given its
observed and latent parents.  Interventional distributions are computed by the
truncated factorization, summing the latents out exactly with ``einsum``.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product

import numpy as np
import pytest
import torch

from causalppl.identification import ADMG, Estimand, evaluate


@dataclass(frozen=True)
class DiscreteSCM:
    """A discrete structural causal model whose latents are the graph's bidirected arcs."""

    graph: ADMG
    levels: Mapping[str, int]
    tables: Mapping[str, np.ndarray]  # observed: axes (observed parents, latent parents, self)
    latent_priors: tuple[np.ndarray, ...]

    @classmethod
    def random(cls, graph: ADMG, seed: int, max_levels: int = 2) -> DiscreteSCM:
        rng = np.random.default_rng(seed)
        levels = {v: int(rng.integers(2, max_levels + 1)) for v in graph.nodes}
        arcs = _arcs(graph)
        tables = {}
        for v in graph.nodes:
            shape = [levels[p] for p in _observed_parents(graph, v)]
            shape += [2 for arc in arcs if v in arc] + [levels[v]]
            tables[v] = rng.dirichlet(np.ones(levels[v]), size=shape[:-1]).reshape(shape)
        priors = tuple(rng.dirichlet(np.ones(2)) for _ in arcs)
        return cls(graph, levels, tables, priors)

    def joint(self, do: Mapping[str, int] | None = None) -> torch.Tensor:
        """P(V) (or P(V | do)) as a float64 tensor with axes in ``graph.nodes`` order."""
        do = do or {}
        arcs = _arcs(self.graph)
        letters = iter(string.ascii_letters)
        axis = {v: next(letters) for v in self.graph.nodes}
        latent_axis = [next(letters) for _ in arcs]
        operands, subscripts = [], []
        for v in self.graph.nodes:
            if v in do:
                operands.append(np.eye(self.levels[v])[do[v]])
                subscripts.append(axis[v])
                continue
            latents = "".join(latent_axis[i] for i, arc in enumerate(arcs) if v in arc)
            parents = "".join(axis[p] for p in _observed_parents(self.graph, v))
            operands.append(self.tables[v])
            subscripts.append(parents + latents + axis[v])
        operands += list(self.latent_priors)
        subscripts += latent_axis
        output = "".join(axis[v] for v in self.graph.nodes)
        joint = np.einsum(",".join(subscripts) + "->" + output, *operands)
        return torch.from_numpy(np.ascontiguousarray(joint))

    def interventional(self, outcomes: dict[str, int], do: dict[str, int], given: dict[str, int]) -> float:
        """P(outcomes | do(do), given) by brute force."""
        joint = self.joint(do).numpy()
        return _probability(joint, self.graph.nodes, {**outcomes, **given}) / _probability(
            joint, self.graph.nodes, given
        )


def _probability(joint: np.ndarray, nodes: tuple[str, ...], event: dict[str, int]) -> float:
    index = tuple(event.get(v, slice(None)) for v in nodes)
    return float(joint[index].sum())


def _arcs(graph: ADMG) -> list[tuple[str, str]]:
    return sorted(tuple(sorted(arc)) for arc in graph.bidirected)


def _observed_parents(graph: ADMG, v: str) -> list[str]:
    return [p for p in graph.nodes if (p, v) in graph.directed]


def check_estimand(
    scm: DiscreteSCM,
    estimand: Estimand,
    outcomes: Iterable[str],
    treatments: Iterable[str],
    conditions: Iterable[str] = (),
    tol: float = 1e-9,
) -> None:
    """Assert that ``estimand`` equals the brute-force P(outcomes | do(treatments), conditions)."""
    observed = scm.joint()
    outcomes, treatments, conditions = list(outcomes), list(treatments), list(conditions)
    names = outcomes + treatments + conditions
    for values in product(*(range(scm.levels[v]) for v in names)):
        assignment = dict(zip(names, values))
        truth = scm.interventional(*({v: assignment[v] for v in part} for part in (outcomes, treatments, conditions)))
        value = evaluate(estimand, observed, scm.graph.nodes, assignment)
        assert value.shape == ()
        assert abs(float(value) - truth) < tol, (estimand.to_text(), assignment, float(value), truth)


@pytest.fixture(scope="session")
def scm_tools():
    """The brute-force helpers, shared by the identification tests."""
    return DiscreteSCM, check_estimand
