"""Barren-factor pruning (automatic and hinted) and the plan cache."""

from __future__ import annotations

import torch

from causalppl.backends.exact import (
    Factor,
    clear_plan_cache,
    marginal,
    plan_cache_size,
    prune_barren,
)
from causalppl.backends.exact.pruning import barren_free


def cpt(*shape: int, seed: int = 0) -> torch.Tensor:
    values = torch.rand(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return values / values.sum(dim=-1, keepdim=True)


def chain() -> list[Factor]:
    """a -> b -> c -> d, each factor a CPT with the child last."""
    return [
        Factor(("a",), cpt(2)),
        Factor(("a", "b"), cpt(2, 3, seed=1)),
        Factor(("b", "c"), cpt(3, 2, seed=2)),
        Factor(("c", "d"), cpt(2, 2, seed=3)),
    ]


def test_barren_descendants_are_dropped() -> None:
    factors = chain()
    scopes = [f.variables for f in factors]
    normalized = [f.normalized_over for f in factors]
    assert barren_free(scopes, normalized, {"b"}) == [0, 1]
    assert barren_free(scopes, normalized, {"d"}) == [0, 1, 2, 3]


def test_unnormalised_factors_are_kept() -> None:
    factors = chain()
    factors[3] = Factor(("c", "d"), cpt(2, 2) * 2.0)
    scopes = [f.variables for f in factors]
    assert barren_free(scopes, [f.normalized_over for f in factors], {"b"}) == [0, 1, 2, 3]


def test_factor_whose_other_variable_is_alone_is_kept() -> None:
    # sum_u sum_v P(v | u) = |u|: dropping P(v | u) would lose that factor of 3.
    factors = [Factor(("u", "v"), cpt(3, 2))]
    assert barren_free([factors[0].variables], [factors[0].normalized_over], set()) == [0]
    assert abs(marginal(factors, []).item() - 3.0) < 1e-12


def test_prune_barren_keeps_the_ancestral_set() -> None:
    factors = chain()
    kept = prune_barren(factors, ["a", "b", "c", "d"], {"b"})
    assert kept == factors[:2]
    extra = Factor(("d",), torch.ones(2, dtype=torch.float64))
    assert len(prune_barren([*factors, extra], ["a", "b", "c", "d", None], {"a"})) == 5


def test_repeated_queries_plan_once_per_structure() -> None:
    clear_plan_cache()
    factors = chain()
    first = marginal(factors, ["d"], {"a": 0})
    assert plan_cache_size() == 1
    marginal(factors, ["d"], {"a": 1})
    marginal([Factor(f.variables, f.table.clone()) for f in factors], ["d"], {"a": 1})
    assert plan_cache_size() == 1
    marginal(factors, ["c"], {"a": 0})
    assert plan_cache_size() == 2
    torch.testing.assert_close(marginal(factors, ["d"], {"a": 0}), first, rtol=0, atol=0)
