"""Level labels are names or integers (the contract's ``{l1, l2, ...}``), and every label allowed is usable.

An integer label is matched by its number wherever a value is given (queries,
``do``, expressions, data), so it is written as numbers are read: a label such as
``1.5`` (not an integer), ``2.0``, ``1e3`` or ``007`` (integers written otherwise)
is refused where it is declared, with its line and column. Before, ``{0.5, 1.5}``
was accepted and ``P(X = 1.5)`` was refused ("1.5 is not a value of 'X'"), and
``{007, 1}`` could not be asked for by ``P(X = 7)``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.diagnostics import CausalPPLError
from causalppl.syntax.messages import LARGEST_INTEGER_LABEL
from tests.syntax.test_reference_parser import assert_same_as_reference


def _model(levels: str) -> str:
    return f"model L {{\n    X : {{{levels}}} ~ Categorical([0.2, 0.3, 0.5])\n}}\n"


@pytest.mark.parametrize("levels, column, message", [
    ("a, 1.5, b", 13, "level label '1.5' is not a whole number; levels are names (low) or integers (1, -1)"),
    ("0.5, 1, 2", 10, "level label '0.5' is not a whole number; levels are names (low) or integers (1, -1)"),
    ("a, b, -2.5", 16, "level label '-2.5' is not a whole number; levels are names (low) or integers (1, -1)"),
    ("a, .5, b", 13, "level label '.5' is not a whole number; levels are names (low) or integers (1, -1)"),
    ("1, 2.0, 3", 13, "level label '2.0' must be written as the integer 2"),
    ("1e3, 2, 3", 10, "level label '1e3' must be written as the integer 1000"),
    ("007, 1, 2", 10, "level label '007' must be written as the integer 7"),
    ("1, -0, 2", 13, "level label '-0' must be written as the integer 0"),
    (f"1, 2, {LARGEST_INTEGER_LABEL + 1}", 16, f"level label '{LARGEST_INTEGER_LABEL + 1}' is too large"),
    ("1e400, a, b", 10, "level label '1e400' is too large"),  # (not a float's inf)
    ("a, 1e-400, b", 13, "level label '1e-400' is not a whole number"),  # (not a float's 0)
])
def test_a_numeric_label_that_is_no_plain_integer_is_refused_where_declared(levels, column, message):
    with pytest.raises(CausalPPLError) as caught:
        cp.loads(_model(levels), "l.scm")
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.message.startswith(message)
    assert (diagnostic.span.filename, diagnostic.span.line, diagnostic.span.column) == ("l.scm", 2, column)
    assert diagnostic.hint
    assert assert_same_as_reference(_model(levels)) == "error"  # the grammar's reference parser says the same


def test_the_hint_of_a_fraction_names_a_level():
    with pytest.raises(CausalPPLError) as caught:
        cp.loads(_model("0.5, 1.5, 2"))
    assert "L0_5" in caught.value.diagnostics[0].hint


@pytest.mark.parametrize("labels", [["low", "mid", "high"], ["0", "1", "2"], ["-1", "0", "1"], ["7", "x", "-30"],
                                    [str(LARGEST_INTEGER_LABEL), str(-LARGEST_INTEGER_LABEL), "1"]])
def test_every_allowed_label_is_usable_in_queries_do_expressions_and_data(labels):
    model = cp.loads(_model(", ".join(labels)).replace("}\n", "    Y := X == " + labels[2] + "\n}\n"))
    for position, label in enumerate(labels):
        probability = [0.2, 0.3, 0.5][position]
        assert model.query(f"P(X = {label})").estimate == pytest.approx(probability)
        assert model.query(f"P(Y = true | do(X = {label}))").estimate == pytest.approx(float(position == 2))
        assert model.do(X=label).query("P(Y = true)").estimate == pytest.approx(float(position == 2))
    assert model.query("P(Y = true)").estimate == pytest.approx(0.5)
    column = [int(label) if label.lstrip("-").isdigit() else label for label in labels]
    data = cp.loads(_model(", ".join(labels))).load_data(pd.DataFrame({"X": column}))
    assert data.blocks[0].columns["X"].tolist() == [0, 1, 2]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-LARGEST_INTEGER_LABEL, LARGEST_INTEGER_LABEL), min_size=3, max_size=3, unique=True),
       st.integers(0, 2))
def test_any_integer_label_means_its_own_level(labels, pick):
    model = cp.loads(_model(", ".join(map(str, labels))))
    assert model.query(f"P(X = {labels[pick]})").estimate == pytest.approx([0.2, 0.3, 0.5][pick])
