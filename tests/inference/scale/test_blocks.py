"""Bounds draws in blocks: the blocks put back together equal one call over every draw."""

from __future__ import annotations

import dataclasses

import numpy as np

from causalppl.backends.bounds import DiscreteGraph, bounds_for_draws
from causalppl.backends.bounds.problem import CfAtom, LinearQuery
from causalppl.inference.scale.blocks import bounds_in_blocks, merge_blocks


def test_blocks_equal_one_batch():
    graph = DiscreteGraph({"X": 2, "Y": 2}, {"X": (), "Y": ("X",)}, frozenset({("X", "Y")}))
    query = LinearQuery(((1.0, (CfAtom("Y", (("X", 1),), 1),)),))
    draws = np.random.default_rng(0).dirichlet(np.ones(4), size=23).reshape(23, 2, 2)
    whole = bounds_for_draws(graph, query, draws)
    pieces = bounds_in_blocks(bounds_for_draws, graph, query, draws, (), blocks=5)
    np.testing.assert_allclose(pieces.lowers, whole.lowers, atol=1e-12)
    np.testing.assert_allclose(pieces.uppers, whole.uppers, atol=1e-12)
    assert pieces.n_infeasible == whole.n_infeasible


def test_merge_keeps_order_and_sums_counts():
    Piece = dataclasses.make_dataclass("Piece", ["lowers", "uppers", "n_infeasible", "method"])
    merged = merge_blocks([Piece(np.array([1.0]), np.array([2.0]), 1, "m"), Piece(np.array([3.0]), np.array([4.0]), 2, "m")])
    assert merged.lowers.tolist() == [1.0, 3.0] and merged.uppers.tolist() == [2.0, 4.0]
    assert merged.n_infeasible == 3 and merged.method == "m"
