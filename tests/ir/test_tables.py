"""Tables in the IR: one read-only array, equal and hashed by value, rows as tuples."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.diagnostics import CausalPPLError, Span
from causalppl.ir.mechanisms import TableMechanism
from causalppl.ir.tables import ProbabilityRows


def test_probability_rows_compare_and_hash_by_value():
    a = ProbabilityRows([[0.2, 0.8], [0.6, 0.4]])
    b = ProbabilityRows(((0.2, 0.8), (0.6, 0.4)))
    assert a == b and hash(a) == hash(b)
    assert a != ProbabilityRows([[0.2, 0.8], [0.5, 0.5]])
    assert ProbabilityRows([[-0.0, 1.0]]) == ProbabilityRows([[0.0, 1.0]])
    assert hash(ProbabilityRows([[-0.0, 1.0]])) == hash(ProbabilityRows([[0.0, 1.0]]))
    assert list(a) == [(0.2, 0.8), (0.6, 0.4)] and a[1] == (0.6, 0.4) and len(a) == 2
    with pytest.raises(ValueError):
        a.array[0, 0] = 1.0


def test_table_mechanisms_built_from_tuples_or_arrays_are_equal():
    span = Span.unknown()
    from_tuples = TableMechanism(("A",), (2,), ((0.1, 0.9), (0.5, 0.5)), span)
    from_array = TableMechanism(("A",), (2,), np.array([[0.1, 0.9], [0.5, 0.5]]), span)
    assert from_tuples == from_array and hash(from_tuples) == hash(from_array)
    assert from_tuples.probabilities.shape == (2, 2)
    assert {from_tuples: 1}[from_array] == 1


LEVELS = ["a", "b", "c"]


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.integers(1, 3), st.integers(2, 3), st.randoms(use_true_random=False), st.booleans())
def test_rows_in_any_order_give_the_table_in_parent_order(parent_size, size, rng, shuffle):
    configurations = [(i, j) for i in range(parent_size) for j in range(2)]
    rows = []
    for _ in configurations:
        weights = [rng.randint(1, 9) for _ in range(size)]
        rows.append([w / sum(weights) for w in weights])
    lines = [f"        {LEVELS[i]}, {j} : [{', '.join(repr(p) for p in row)}]"
             for (i, j), row in zip(configurations, rows)]
    if shuffle:
        rng.shuffle(lines)
    text = (f"model T {{\n    A : {{{', '.join(LEVELS[:parent_size])}}}\n    B : bool\n"
            f"    C : {{{', '.join(LEVELS[:size])}}} ~ table(A, B) {{\n" + "\n".join(lines) + "\n    }\n}\n")
    table = cp.loads(text).ir.variable("C").mechanism
    assert table.rows == ProbabilityRows(rows)


@pytest.mark.parametrize(("row", "message"), [
    ("b : [0.5, 0.5]", "'b' is not a level of 'A'"),
    ("a : [0.5, 0.6]", "this row sums to 1.1, not 1"),
    ("a : [-0.5, 1.5]", "probabilities must not be negative"),
    ("a : [0.5, 0.25, 0.25]", "this row has 3 probabilities but 'C' has 2 levels"),
])
def test_a_wrong_row_is_found_and_located(row, message):
    text = f"model T {{\n    A : {{a}}\n    C : bool ~ table(A) {{\n        {row}\n    }}\n}}\n"
    with pytest.raises(CausalPPLError) as caught:
        cp.loads(text, "t.scm")
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.message.startswith(message) and diagnostic.span.line == 4
