"""Exact enumeration sizes its whole plan before allocating: oversize models are refused with the size and a remedy.

The two shapes of the robustness issue: one mechanism whose table alone is
enormous (a 40-parent sigmoid: 2**41 entries), and many tables each of
which fits but which together do not (30 parents, 60 children of 21 parents
each). Both must be refused before any table is built: the queries run under
``tracemalloc`` (numpy reports its allocations to it) and must not allocate
more than a few MiB.
"""

from __future__ import annotations

import tracemalloc

import pytest

import causalppl as cp
from causalppl.diagnostics import CausalPPLError

FEW_MIB = 64 * 2**20


def sigmoid_of_many_parents(parents: int) -> cp.Model:
    lines = [f"    X{i} ~ Bernoulli(0.5)" for i in range(parents)]
    lines.append("    Y ~ Bernoulli(sigmoid(" + " + ".join(f"X{i}" for i in range(parents)) + f" - {parents // 2}))")
    return cp.loads("model Wide {\n" + "\n".join(lines) + "\n}\n")


def many_children(parents: int, children: int, each: int) -> cp.Model:
    lines = [f"    P{i} ~ Bernoulli(0.5)" for i in range(parents)]
    for c in range(children):
        chosen = [f"P{(c + k) % parents}" for k in range(each)]
        lines.append(f"    C{c} ~ Bernoulli(sigmoid(" + " + ".join(chosen) + f" - {each // 2}))")
    return cp.loads("model Dense {\n" + "\n".join(lines) + "\n}\n")


def refused(model: cp.Model, query: str) -> str:
    tracemalloc.start()
    try:
        with pytest.raises(CausalPPLError) as caught:
            model.query(query, method="exact")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < FEW_MIB, f"allocated {peak} bytes before refusing"
    return str(caught.value)


def test_one_enormous_mechanism_is_refused_before_it_is_tabulated():
    message = refused(sigmoid_of_many_parents(40), "P(Y = 1)")
    assert "too large for exact enumeration" in message
    assert "TiB" in message and "41 variables" in message and "limit is 2.0 GiB" in message
    assert 'method="mc"' in message  # the remedy


def test_many_tables_that_fit_one_by_one_are_refused_together():
    model = many_children(parents=30, children=60, each=21)
    total = " + ".join(f"C{c}" for c in range(60))
    message = refused(model, f"E[{total}]")
    assert "for its tables together" in message and "GiB" in message and "limit is 2.0 GiB" in message
    assert 'method="mc"' in message


def test_a_query_on_a_small_part_of_an_oversize_model_is_answered():
    model = many_children(parents=30, children=60, each=3)  # small tables: compiled and answered
    result = model.query("P(C0 = 1 | P0 = 1)", method="exact")
    assert 0.0 < result.estimate < 1.0
