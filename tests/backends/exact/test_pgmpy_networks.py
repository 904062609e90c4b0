"""marginal and batched_marginal against pgmpy's VariableElimination on bnlearn networks."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from causalppl.backends.exact import batched_marginal, marginal

QUERIES_PER_NETWORK = 12


def state_index(model, variable: str, state) -> int:
    return model.get_cpds(variable).state_names[variable].index(state)


def random_queries(model, count: int, seed: int) -> list[tuple[list[str], dict[str, int]]]:
    """Targets (1-2 variables) and 0-4 observed variables at levels simulated from the model."""
    rng = random.Random(seed)
    samples = model.simulate(n_samples=count, seed=seed, show_progress=False)
    names = sorted(model.nodes())
    queries = []
    for row in range(count):
        chosen = rng.sample(names, rng.randint(1, 2) + rng.randint(0, 4))
        targets, observed = chosen[:2] if len(chosen) > 1 else chosen, chosen[2:]
        evidence = {v: state_index(model, v, samples.iloc[row][v]) for v in observed}
        queries.append((list(targets), evidence))
    return queries


def pgmpy_marginal(model, targets: list[str], evidence: dict[str, int]) -> np.ndarray:
    from pgmpy.inference import VariableElimination

    states = {v: model.get_cpds(v).state_names[v][level] for v, level in evidence.items()}
    result = VariableElimination(model).query(targets, evidence=states, show_progress=False)
    return np.transpose(result.values, [result.variables.index(v) for v in targets])


@pytest.mark.parametrize("name", ["asia", "alarm", "child"])
def test_marginals_match_pgmpy(name: str, network) -> None:
    model, factors = network(name)
    for targets, evidence in random_queries(model, QUERIES_PER_NETWORK, seed=len(name)):
        table = marginal(factors, targets, evidence)
        expected = pgmpy_marginal(model, targets, evidence)
        np.testing.assert_allclose((table / table.sum()).numpy(), expected, rtol=0, atol=1e-9)


def test_evidence_mass_matches_pgmpy_joint_probability(network) -> None:
    model, factors = network("asia")
    mass = marginal(factors, [], {"smoke": 0, "dysp": 1})
    joint = pgmpy_marginal(model, ["smoke", "dysp"], {})
    smoke, dysp = (state_index(model, "smoke", "yes"), state_index(model, "dysp", "no"))
    assert (smoke, dysp) == (0, 1)
    assert abs(float(mass) - joint[0, 1]) < 1e-12


def test_batched_alarm_rows_match_pgmpy(network) -> None:
    model, factors = network("alarm")
    observed = ["HRBP", "BP", "SAO2", "EXPCO2", "HISTORY"]
    samples = model.simulate(n_samples=200, seed=3, show_progress=False)
    evidence = {v: torch.tensor([state_index(model, v, s) for s in samples[v]]) for v in observed}
    targets = ["LVFAILURE", "HYPOVOLEMIA"]
    result = batched_marginal(factors, targets, evidence)
    assert result.shape == (200, 2, 2)
    for row in range(0, 200, 25):
        levels = {v: int(column[row]) for v, column in evidence.items()}
        expected = pgmpy_marginal(model, targets, levels)
        np.testing.assert_allclose((result[row] / result[row].sum()).numpy(), expected, atol=1e-9)
        single = marginal(factors, targets, levels)
        torch.testing.assert_close(result[row], single, rtol=1e-12, atol=0)
