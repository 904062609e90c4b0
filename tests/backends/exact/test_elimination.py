"""Elimination orders, the paths they induce and the peak tables of paths."""

from __future__ import annotations

import math

import opt_einsum
import pytest
import torch

from causalppl.backends.exact import (
    elimination_order,
    interaction_graph,
    order_to_path,
    peak_intermediate,
    plan_elimination,
)


def test_interaction_graph_joins_variables_sharing_a_scope() -> None:
    graph = interaction_graph([("a", "b"), ("b", "c"), ("d",)])
    assert graph == {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}, "d": set()}


def test_min_fill_eliminates_the_leaves_of_a_star_before_its_hub() -> None:
    scopes = [("hub", leaf) for leaf in "abcd"]
    cards = {"hub": 2, **{leaf: 2 for leaf in "abcd"}}
    order = elimination_order(scopes, cards, {"hub", *"abcd"})
    assert order[-1] == "hub"
    assert sorted(order) == sorted(["hub", *"abcd"])


def test_min_weight_prefers_small_tables() -> None:
    scopes = [("big", "x"), ("x", "small")]
    cards = {"big": 10, "x": 2, "small": 2}
    assert elimination_order(scopes, cards, {"big", "small"}, "min_weight") == ("small", "big")


def test_unknown_heuristic_is_rejected() -> None:
    with pytest.raises(ValueError, match="heuristic"):
        elimination_order([("a",)], {"a": 2}, {"a"}, "random")  # type: ignore[arg-type]


def test_chain_plan_never_builds_more_than_two_variables() -> None:
    names = [f"x{i}" for i in range(12)]
    scopes = [(a, b) for a, b in zip(names, names[1:])]
    cards = {name: 3 for name in names}
    plan = plan_elimination(scopes, cards, (names[0], names[-1]))
    assert set(plan.order) == set(names[1:-1])
    assert plan.peak.elements == 9
    assert plan.peak.bytes == 72


def test_order_to_path_computes_the_same_tensor_as_einsum() -> None:
    torch.manual_seed(0)
    scopes = [("a", "b"), ("b", "c", "d"), ("d",), ("a", "e"), ("e", "c")]
    cards = {"a": 2, "b": 3, "c": 2, "d": 4, "e": 3}
    tensors = [torch.rand([cards[v] for v in s], dtype=torch.float64) for s in scopes]
    equation = ",".join("".join(s) for s in scopes) + "->ca"
    order = elimination_order(scopes, cards, {"b", "d", "e"})
    path = order_to_path(scopes, cards, order, ("c", "a"))
    expected = torch.einsum(equation, *tensors)
    actual = opt_einsum.contract(equation, *tensors, optimize=list(path), backend="torch")
    assert torch.allclose(actual, expected, rtol=1e-13, atol=0)


def test_peak_matches_opt_einsum_largest_intermediate() -> None:
    scopes = [("a", "b"), ("b", "c", "d"), ("d",), ("a", "e"), ("e", "c")]
    cards = {"a": 2, "b": 3, "c": 5, "d": 4, "e": 3}
    shapes = [tuple(cards[v] for v in s) for s in scopes]
    equation = ",".join("".join(s) for s in scopes) + "->ac"
    for optimize in ("greedy", "optimal"):
        path, info = opt_einsum.contract_path(equation, *shapes, shapes=True, optimize=optimize)
        peak = peak_intermediate(scopes, cards, path, ("a", "c"))
        assert peak.elements == int(info.largest_intermediate)
        assert peak.elements == math.prod(cards[v] for v in peak.variables)
