"""marginal and batched_marginal against brute-force enumeration on random networks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from causalppl.backends.exact import Factor, batched_marginal, marginal


@dataclass(frozen=True)
class Problem:
    factors: list[Factor]
    keep: tuple[str, ...]
    evidence: dict[str, int]


def random_factors(rng: np.random.Generator, cards: dict[str, int], extra: int) -> list[Factor]:
    """A random Bayesian network over ``cards`` (some zeros), plus ``extra`` arbitrary factors."""
    names = list(cards)
    factors = []
    for position, name in enumerate(names):
        parents = [p for p in names[:position] if rng.random() < 0.5][:3]
        shape = [cards[p] for p in parents] + [cards[name]]
        values = rng.random(shape) * (rng.random(shape) > 0.15)
        values[values.sum(axis=-1) == 0] = 1.0
        cpt = values / values.sum(axis=-1, keepdims=True)
        factors.append(Factor((*parents, name), torch.from_numpy(cpt)))
    for _ in range(extra):
        size = rng.integers(0, min(3, len(names)) + 1)
        scope = tuple(str(v) for v in rng.choice(names, size=size, replace=False))
        values = np.asarray(rng.random([cards[v] for v in scope]) * 3)
        factors.append(Factor(scope, torch.from_numpy(values)))
    rng.shuffle(factors)
    return factors


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    count = draw(st.integers(1, 6))
    cards = {f"v{i}": draw(st.integers(1, 3)) for i in range(count)}
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    factors = random_factors(rng, cards, extra=draw(st.integers(0, 2)))
    names = list(cards)
    observed = draw(st.lists(st.sampled_from(names), unique=True, max_size=count))
    evidence = {v: draw(st.integers(0, cards[v] - 1)) for v in observed}
    free = [v for v in names if v not in evidence]
    order = draw(st.permutations(free))
    keep = tuple(order[: draw(st.integers(0, len(order)))])
    return Problem(factors, keep, evidence)


@settings(max_examples=150, deadline=None)
@given(problem=problems(), strategy=st.sampled_from(["min_fill", "min_weight", "greedy"]))
def test_marginal_equals_brute_force(problem: Problem, strategy: str, brute_force) -> None:
    expected = brute_force(problem.factors, problem.keep, problem.evidence)
    actual = marginal(problem.factors, problem.keep, problem.evidence, strategy=strategy)
    assert actual.dtype == torch.float64
    assert tuple(actual.shape) == expected.shape
    np.testing.assert_allclose(actual.numpy(), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_batched_marginal_equals_a_loop(problem: Problem, seed: int, rows: int) -> None:
    cards = {v: n for factor in problem.factors for v, n in factor.cardinalities.items()}
    names = sorted(problem.evidence)
    if not names:
        return
    fixed = {names[0]: problem.evidence[names[0]]} if len(names) > 1 else {}
    generator = torch.Generator().manual_seed(seed)
    columns = {
        v: torch.randint(0, cards[v], (rows,), generator=generator) for v in names if v not in fixed
    }
    result = batched_marginal(problem.factors, problem.keep, {**fixed, **columns})
    assert tuple(result.shape) == (rows, *(cards[v] for v in problem.keep))
    for row in range(rows):
        evidence = {**fixed, **{v: int(column[row]) for v, column in columns.items()}}
        expected = marginal(problem.factors, problem.keep, evidence)
        torch.testing.assert_close(result[row], expected, rtol=1e-12, atol=1e-12)
