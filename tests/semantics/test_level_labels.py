"""One rule for integers written for a levels-typed variable: a matching label first, then a position.

The same resolver serves expressions, queries, data and ``do``; before, an
expression ``Dose == 1`` meant the second level (by position) while the
query ``Dose = 1`` meant the level labelled 1.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.diagnostics import CausalPPLError

PROBS = [0.2, 0.3, 0.5]


def dose_model(labels: list[int]) -> cp.Model:
    levels = ", ".join(str(label) for label in labels)
    return cp.loads(f"model M {{\n    Dose : {{{levels}}} ~ Categorical([0.2, 0.3, 0.5])\n"
                    f"    Hit := Dose == {labels[0]}\n}}\n")


def test_expression_query_and_do_agree_on_an_integer_label():
    model = dose_model([1, 2, 3])
    assert model.query("P(Hit = true)").estimate == pytest.approx(0.2)  # Dose == 1: the level labelled 1
    assert model.query("P(Dose = 1)").estimate == pytest.approx(0.2)
    assert model.query("P(Hit = true | do(Dose = 1))").estimate == pytest.approx(1.0)
    assert model.do(Dose=1).query("P(Hit = true)").estimate == pytest.approx(1.0)
    assert model.do(Dose="1").query("P(Hit = true)").estimate == pytest.approx(1.0)


def test_data_cells_use_the_same_rule():
    model = cp.loads("model M {\n    Dose : {1, 2, 3}\n    Y : bool <- Dose\n}\n")
    data = model.load_data(pd.DataFrame({"Dose": [1, 3], "Y": [True, False]}))
    assert data.blocks[0].columns["Dose"].tolist() == [0, 2]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=9), min_size=3, max_size=3, unique=True), st.integers(0, 2))
def test_each_integer_label_means_its_own_level_everywhere(labels, pick):
    model = cp.loads(f"model M {{\n    Dose : {{{', '.join(map(str, labels))}}} ~ Categorical([0.2, 0.3, 0.5])\n"
                     f"    Hit := Dose == {labels[pick]}\n}}\n")
    assert model.query("P(Hit = true)").estimate == pytest.approx(PROBS[pick])
    assert model.query(f"P(Dose = {labels[pick]})").estimate == pytest.approx(PROBS[pick])
    assert model.query(f"P(Hit = true | do(Dose = {labels[pick]}))").estimate == pytest.approx(1.0)


def test_an_integer_matching_no_label_is_a_position():
    model = dose_model([1, 2, 3])
    assert model.query("P(Dose = 0)").estimate == pytest.approx(0.2)  # position 0: the level labelled 1


def test_a_name_that_is_both_a_variable_and_a_level_is_ambiguous():
    with pytest.raises(CausalPPLError, match="'hi' is ambiguous"):
        cp.loads("model M {\n  hi ~ Normal(5, 1)\n  A : {lo, hi} ~ Categorical([0.5, 0.5])\n  Y := A == hi\n}\n")
