"""The compiled network (join tree, cached messages, do-surgery, batches) against brute-force enumeration."""

from __future__ import annotations

import contextlib
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalppl.backends.exact import EnumerationTooLarge
from causalppl.backends.exact.jointree import build_join_tree
from causalppl.backends.exact.network import CompiledNetwork, check_tree_budget, distinct_rows


def random_network(seed: int, count: int, max_card: int = 3, max_parents: int = 3):
    """A random Bayesian network: cardinalities, (scope, table) CPTs with some zeros, heads."""
    rng = np.random.default_rng(seed)
    cards = [int(rng.integers(1, max_card + 1)) for _ in range(count)]
    factors = []
    for v in range(count):
        parents = [p for p in range(v) if rng.random() < 0.5][:max_parents]
        shape = [cards[p] for p in parents] + [cards[v]]
        values = rng.random(shape) * (rng.random(shape) > 0.2)
        values[values.sum(axis=-1) == 0] = 1.0
        factors.append(((*parents, v), values / values.sum(axis=-1, keepdims=True)))
    return cards, factors, list(range(count))


def brute_force(cards, factors, keep, hard=None, soft=None, do=None) -> np.ndarray:
    """The unnormalised marginal by summing the mutilated joint over every assignment."""
    hard, soft, do = hard or {}, soft or {}, do or {}
    result = np.zeros([cards[v] for v in keep])
    for levels in itertools.product(*(range(c) for c in cards)):
        if any(levels[v] != x for v, x in {**hard, **do}.items()):
            continue
        weight = 1.0
        for scope, table in factors:
            if scope[-1] in do:
                continue
            weight *= table[tuple(levels[v] for v in scope)]
        for v, w in soft.items():
            weight *= w[levels[v]]
        result[tuple(levels[v] for v in keep)] += weight
    return result


@st.composite
def queries(draw):
    count = draw(st.integers(1, 7))
    seed = draw(st.integers(0, 2**32 - 1))
    cards, factors, heads = random_network(seed, count)
    variables = list(range(count))
    rng = np.random.default_rng(seed + 1)
    roles = {v: draw(st.sampled_from(["free", "free", "hard", "soft", "do"])) for v in variables}
    hard = {v: int(rng.integers(cards[v])) for v in variables if roles[v] == "hard"}
    soft = {v: rng.random(cards[v]) * (rng.random(cards[v]) > 0.3) for v in variables if roles[v] == "soft"}
    do = {v: int(rng.integers(cards[v])) for v in variables if roles[v] == "do"}
    free = [v for v in variables if roles[v] in ("free", "soft")]
    keep = tuple(draw(st.permutations(free))[: draw(st.integers(0, min(2, len(free))))])
    return cards, factors, heads, keep, hard, soft, do


@settings(max_examples=120, deadline=None)
@given(queries())
def test_every_plan_equals_brute_force(query) -> None:
    cards, factors, heads, keep, hard, soft, do = query
    network = CompiledNetwork(cards, factors, heads)
    expected = brute_force(cards, factors, keep, hard, soft, do)
    answers = [network.query(keep, hard, soft, do), network.eliminate(keep, hard, soft, do)]
    tree_answer = network.marginal(keep, hard, soft, do)
    if tree_answer is not None:
        answers.append(tree_answer)
    for answer in answers:
        np.testing.assert_allclose(answer, expected, rtol=1e-10, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 9))
def test_cached_messages_follow_the_evidence(seed: int, count: int) -> None:
    """A sequence of queries on one network, each checked: no message outlives the evidence it was made for."""
    cards, factors, heads = random_network(seed, count)
    network = CompiledNetwork(cards, factors, heads)
    rng = np.random.default_rng(seed)
    for _ in range(8):
        target = int(rng.integers(count))
        others = [v for v in range(count) if v != target]
        observed = rng.permutation(others)[: int(rng.integers(0, len(others) + 1))]
        hard = {int(v): int(rng.integers(cards[v])) for v in observed[: len(observed) // 2 + 1]}
        do = {int(v): int(rng.integers(cards[v])) for v in observed[len(observed) // 2 + 1:]}
        got = network.marginal((target,), hard, {}, do)
        np.testing.assert_allclose(got, brute_force(cards, factors, (target,), hard, {}, do), rtol=1e-10, atol=1e-12)


def test_messages_of_evidence_free_sides_are_computed_once() -> None:
    cards, factors, heads = random_network(3, 8, max_card=2)
    network = CompiledNetwork(cards, factors, heads)
    network.marginal((0,))
    prior = network.cached_messages()
    assert prior > 0
    network.marginal((0,))
    assert network.cached_messages() == prior  # nothing new: every message was reused
    network.marginal((0,), hard={7: 1})
    assert network.cached_messages() > prior  # the messages on the path from 7 to 0 depend on it
    network.clear_cache()
    assert network.cached_messages() == 0


def test_do_is_surgery_not_evidence() -> None:
    # X -> Y, X confounded with nothing: P(X | do(Y = 1)) is P(X); P(X | Y = 1) is not.
    prior = np.array([0.3, 0.7])
    likelihood = np.array([[0.9, 0.1], [0.2, 0.8]])
    network = CompiledNetwork((2, 2), [((0,), prior), ((0, 1), likelihood)], heads=(0, 1))
    np.testing.assert_allclose(network.query((0,), do={1: 1}), prior)
    seen = network.query((0,), hard={1: 1})
    np.testing.assert_allclose(seen / seen.sum(), prior * likelihood[:, 1] / (prior * likelihood[:, 1]).sum())
    assert network.query((1,), hard={1: 0}, do={1: 1}).sum() == 0.0  # observed against the intervention


def test_join_tree_has_the_running_intersection_property() -> None:
    rng = np.random.default_rng(0)
    for _ in range(30):
        n = int(rng.integers(2, 14))
        scopes = [tuple(sorted(set(rng.choice(n, size=int(rng.integers(1, 4)))))) for _ in range(n)]
        tree = build_join_tree(scopes, [2] * n)
        for scope, home in zip(scopes, tree.home):
            assert set(scope) <= set(tree.cliques[home])
        edges = sum(len(ns) for ns in tree.neighbours) // 2
        assert edges == len(tree.cliques) - 1  # a tree
        for v in range(n):
            holders = set(tree.variable_cliques[v])
            start = next(iter(holders))
            reached, stack = {start}, [start]
            while stack:  # the cliques holding v are connected
                for other in tree.neighbours[stack.pop()]:
                    if other in holders and other not in reached:
                        reached.add(other)
                        stack.append(other)
            assert reached == holders


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 7), st.integers(1, 40),
       st.sampled_from(["joint", "rows", "auto", "grouped"]))
def test_batches_equal_a_loop_of_queries(seed: int, count: int, rows: int, strategy: str) -> None:
    cards, factors, heads = random_network(seed, count)
    network = CompiledNetwork(cards, factors, heads)
    rng = np.random.default_rng(seed)
    target = int(rng.integers(count))
    columns = [int(v) for v in rng.permutation(count)[: int(rng.integers(1, count + 1))]]
    data = {v: rng.integers(0, cards[v], size=rows) for v in columns}
    do = {}
    spare = [v for v in range(count) if v not in columns and v != target]
    if spare and rng.random() < 0.5:
        do = {spare[0]: int(rng.integers(cards[spare[0]]))}
    got = network.batched((target,), data, do=do, strategy=strategy)
    assert got.shape == (rows, cards[target])
    for r in range(rows):
        hard = {v: int(data[v][r]) for v in columns if v != target}
        expected = brute_force(cards, factors, (target,), hard, {}, do)
        if target in columns:
            mask = np.zeros(cards[target])
            mask[data[target][r]] = 1.0
            expected = expected * mask
        np.testing.assert_allclose(got[r], expected, rtol=1e-10, atol=1e-12)


def test_batches_are_chunked_to_the_budget() -> None:
    cards, factors, heads = random_network(5, 7, max_card=3)
    data = {v: np.arange(90) % cards[v] for v in (1, 2, 3)}
    whole = CompiledNetwork(cards, factors, heads).batched((6,), data, strategy="rows")
    small = CompiledNetwork(cards, factors, heads, max_bytes=2048).batched((6,), data, strategy="rows")
    np.testing.assert_allclose(small, whole, rtol=1e-12)


def test_distinct_rows_and_their_inverse() -> None:
    rng = np.random.default_rng(1)
    for cards in ([3, 2, 4], [2**20, 2**20, 2**22], [5]):
        rows = np.stack([rng.integers(0, min(c, 6), size=500) for c in cards], axis=1)
        distinct, inverse = distinct_rows(rows, cards)
        assert len({tuple(r) for r in rows}) == len(distinct)
        np.testing.assert_array_equal(distinct[inverse], rows)


def test_a_tree_over_the_budget_is_refused_on_scopes_alone() -> None:
    count = 40
    scopes = [(*range(v), v) for v in range(count)]  # every variable a parent of every later one
    tree = build_join_tree(scopes, [2] * count)  # scopes only: no table exists
    with pytest.raises(EnumerationTooLarge) as caught:
        check_tree_budget(tree, 2**31, [f"x{v}" for v in range(count)])
    assert caught.value.required_bytes == 8 * 2**count
    assert len(caught.value.largest_factor_vars) == count


@settings(max_examples=300, deadline=None)
@given(queries())
def test_posterior_is_the_normalised_brute_force_and_zero_exactly_when_impossible(query) -> None:
    """Relevance pruning (barren tables, separated evidence) changes no answer, nor which evidence is impossible."""
    cards, factors, heads, keep, hard, soft, do = query
    network = CompiledNetwork(cards, factors, heads)
    expected = brute_force(cards, factors, keep, hard, soft, do)
    got = network.posterior(keep, hard, soft, do)
    assert got.shape == expected.shape
    if expected.sum() <= 0.0:
        assert not got.any()
    else:
        np.testing.assert_allclose(got, expected / expected.sum(), rtol=1e-10, atol=1e-12)


def sparse_network(seed: int, count: int):
    """A random network whose tables are mostly zeros (deterministic-looking), so evidence is often impossible."""
    rng = np.random.default_rng(seed)
    cards = [int(rng.integers(2, 4)) for _ in range(count)]
    factors = []
    for v in range(count):
        parents = [p for p in range(v) if rng.random() < 0.4][:3]
        shape = [cards[p] for p in parents] + [cards[v]]
        values = rng.random(shape) * (rng.random(shape) > 0.6)
        if rng.random() < 0.3:  # some tables positive everywhere
            values = rng.random(shape) + 0.1
        empty = values.sum(axis=-1) == 0
        values[empty, 0] = 1.0
        factors.append(((*parents, v), values / values.sum(axis=-1, keepdims=True)))
    return cards, factors, list(range(count))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 9))
def test_posterior_on_sparse_tables_against_brute_force(seed: int, count: int) -> None:
    cards, factors, heads = sparse_network(seed, count)
    network = CompiledNetwork(cards, factors, heads)
    rng = np.random.default_rng(seed)
    for _ in range(6):
        order = rng.permutation(count)
        keep = tuple(int(v) for v in order[: int(rng.integers(0, 3))])
        rest = [int(v) for v in order[len(keep):]]
        hard = {v: int(rng.integers(cards[v])) for v in rest if rng.random() < 0.4}
        do = {v: int(rng.integers(cards[v])) for v in rest if v not in hard and rng.random() < 0.15}
        soft = {v: rng.random(cards[v]) * (rng.random(cards[v]) > 0.3) for v in rest
                if v not in hard and v not in do and rng.random() < 0.15}
        expected = brute_force(cards, factors, keep, hard, soft, do)
        got = network.posterior(keep, hard, soft, do)
        if expected.sum() <= 0.0:
            assert not got.any(), (keep, hard, soft, do)
        else:
            np.testing.assert_allclose(got, expected / expected.sum(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("route", ["elimination", "tree"])
def test_posterior_routes_agree_with_brute_force(route: str) -> None:
    """The planned elimination and the join tree (given only the requisite evidence), each forced."""
    from unittest import mock

    from causalppl.backends.exact import network as module

    real = module.plan_elimination_run

    def costly(*args, **kwargs):
        run = real(*args, **kwargs)
        run.cost = 10**18  # never cheaper than the tree
        return run

    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(module, "ONE_EINSUM_ENTRIES", 0))
        if route == "tree":
            stack.enter_context(mock.patch.object(module, "DIRECT_ELIMINATION_COST", -1))
            stack.enter_context(mock.patch.object(module, "plan_elimination_run", costly))
        for seed in range(60):
            count = 2 + seed % 8
            cards, factors, heads = sparse_network(seed, count) if seed % 2 else random_network(seed, count)
            network = CompiledNetwork(cards, factors, heads)
            rng = np.random.default_rng(seed)
            for _ in range(5):
                order = rng.permutation(count)
                keep = tuple(int(v) for v in order[: int(rng.integers(0, 3))])
                rest = [int(v) for v in order[len(keep):]]
                hard = {v: int(rng.integers(cards[v])) for v in rest if rng.random() < 0.4}
                do = {v: int(rng.integers(cards[v])) for v in rest if v not in hard and rng.random() < 0.15}
                soft = {v: rng.random(cards[v]) + 0.05 * (rng.random() < 0.5) for v in rest
                        if v not in hard and v not in do and rng.random() < 0.15}
                expected = brute_force(cards, factors, keep, hard, soft, do)
                got = network.posterior(keep, hard, soft, do)
                if expected.sum() <= 0.0:
                    assert not got.any()
                else:
                    np.testing.assert_allclose(got, expected / expected.sum(), rtol=1e-10, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 9), st.one_of(st.integers(1, 30), st.integers(500, 2000)))
def test_batched_posterior_equals_a_loop_of_posteriors(seed: int, count: int, rows: int) -> None:
    """Columns left out by relevance reasoning change no answer, nor which rows are impossible (many rows over
    few settings: every setting is answered, present or not)."""
    cards, factors, heads = sparse_network(seed, count)
    network = CompiledNetwork(cards, factors, heads)
    rng = np.random.default_rng(seed)
    order = [int(v) for v in rng.permutation(count)]
    keep = tuple(order[: int(rng.integers(1, 3))])
    rest = order[len(keep):]
    columns = [v for v in rest if rng.random() < 0.6] or rest[:1]
    if not columns:
        return
    others = [v for v in rest if v not in columns]
    hard = {v: int(rng.integers(cards[v])) for v in others if rng.random() < 0.3}
    do = {v: int(rng.integers(cards[v])) for v in others if v not in hard and rng.random() < 0.2}
    for _ in range(2):  # a second batch of the same query reuses its plans and its possibility-check table
        data = {v: rng.integers(0, cards[v], size=rows) for v in columns}
        answers, numbers = network.batched_posterior(keep, data, hard, {}, do)
        got = numbers.spread(answers)
        assert got.shape == (rows, *(cards[v] for v in keep))
        expected: dict[tuple, np.ndarray] = {}
        for r in range(rows):
            row = tuple(int(data[v][r]) for v in columns)
            if row not in expected:
                expected[row] = network.posterior(keep, {**hard, **dict(zip(columns, row))}, {}, do)
            np.testing.assert_allclose(got[r], expected[row], rtol=1e-10, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 7), st.integers(1, 40))
def test_batches_grouped_by_some_columns_equal_a_loop_of_queries(seed: int, count: int, rows: int) -> None:
    """The grouped strategy (some columns fixed per group, the others kept in a joint) changes no answer."""
    cards, factors, heads = random_network(seed, count)
    network = CompiledNetwork(cards, factors, heads)
    rng = np.random.default_rng(seed)
    target = int(rng.integers(count))
    columns = [int(v) for v in rng.permutation(count) if v != target][: int(rng.integers(2, count))]
    data = {v: rng.integers(0, cards[v], size=rows) for v in columns}
    got = network.batched((target,), data, strategy="grouped")
    for r in range(rows):
        expected = brute_force(cards, factors, (target,), {v: int(data[v][r]) for v in columns})
        np.testing.assert_allclose(got[r], expected, rtol=1e-10, atol=1e-12)


def test_a_join_tree_given_as_a_function_is_built_on_first_need() -> None:
    """Within the budget (no clique can exceed a whole joint that fits) the tree waits for a query needing it."""
    cards, factors, heads = random_network(7, 6)
    built = []

    def tree():
        built.append(1)
        return build_join_tree([scope for scope, _ in factors], cards)

    lazy = CompiledNetwork(cards, factors, heads, max_bytes=1 << 20, tree=tree)
    eager = CompiledNetwork(cards, factors, heads, max_bytes=1 << 20)
    np.testing.assert_allclose(lazy.posterior((5,), {0: 0}), eager.posterior((5,), {0: 0}), rtol=1e-12)
    assert not built  # a small query is one contraction
    np.testing.assert_allclose(lazy.marginal((5,), {0: 0}), eager.marginal((5,), {0: 0}), rtol=1e-12)
    assert built == [1]
    lazy.marginal((4,), {1: 0})
    assert built == [1]
