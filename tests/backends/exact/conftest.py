"""Fixtures for the exact engine: bnlearn networks from pgmpy, and brute-force marginals."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import cache

import numpy as np
import pytest
import torch

from causalppl.backends.exact import Factor

BruteForce = Callable[[Sequence[Factor], Sequence[str], Mapping[str, int]], np.ndarray]


@cache
def _network(name: str):
    """A bundled bnlearn network with CPDs renormalised, and its factors.

    alarm's HREKG and HRSAT CPDs sum to 1 +- 1e-7; pgmpy drops such CPDs when
    they are barren, so unnormalised CPDs would make exact answers differ
    from pgmpy's at the 1e-9 level.
    """
    pytest.importorskip("pgmpy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgmpy.inference  # noqa: F401  (imported here, where its warnings are silenced)
        from pgmpy.utils import get_example_model

        model = get_example_model(name)
    for cpd in model.get_cpds():
        cpd.normalize(inplace=True)
    factors = [
        Factor(tuple(cpd.variables), torch.as_tensor(np.asarray(cpd.values, dtype=np.float64)))
        for cpd in model.get_cpds()
    ]
    return model, factors


@pytest.fixture(scope="session")
def network() -> Callable[[str], tuple[object, list[Factor]]]:
    """``network(name)`` -> (pgmpy model, factors), loaded once per session."""
    return _network


def brute_force_marginal(
    factors: Sequence[Factor], keep: Sequence[str], evidence: Mapping[str, int]
) -> np.ndarray:
    """Unnormalised marginal by summing the full joint, one assignment at a time."""
    sizes: dict[str, int] = {}
    for factor in factors:
        sizes.update(factor.cardinalities)
    names = sorted(sizes)
    tables = [(f.variables, f.table.numpy()) for f in factors]
    result = np.zeros([sizes[v] for v in keep])
    for levels in itertools.product(*(range(sizes[v]) for v in names)):
        assignment = dict(zip(names, levels))
        if any(assignment[v] != level for v, level in evidence.items()):
            continue
        weight = 1.0
        for variables, table in tables:
            weight *= table[tuple(assignment[v] for v in variables)]
        result[tuple(assignment[v] for v in keep)] += weight
    return result


@pytest.fixture(scope="session")
def brute_force() -> BruteForce:
    return brute_force_marginal
