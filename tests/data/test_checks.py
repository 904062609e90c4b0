"""Data that used to be accepted silently, or to fail inside a sampler: located errors naming file, column, row."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.data import DataCollection
from causalppl.data.loading import Dataset
from causalppl.data.tensors import count_unit, expand_weighted_rows, expanded_rows
from causalppl.diagnostics import CausalPPLError, CausalPPLWarning
from causalppl.inference.bayesian import likelihood
from causalppl.inference.bayesian.likelihood import build_likelihood

MODEL = """model Small {
    Colour : {red, green, blue} ~ Categorical([0.2, 0.3, 0.5])
    param b ~ Normal(0, 1)
    latent U ~ Normal(0, 1)
    Size ~ Normal(b + U, 1)
}

data "rows.csv"
"""


def load(tmp_path, csv_text: str, model_text: str = MODEL, encoding: str = "utf-8"):
    (tmp_path / "model.scm").write_text(model_text)
    (tmp_path / "rows.csv").write_bytes(csv_text.encode(encoding))
    return cp.load(tmp_path / "model.scm").load_data()


def load_error(tmp_path, csv_text: str, model_text: str = MODEL) -> str:
    with pytest.raises(CausalPPLError) as caught:
        load(tmp_path, csv_text, model_text)
    text = caught.value.render()
    assert text.startswith(f"{tmp_path / 'model.scm'}:") or "model.scm:" in text.splitlines()[0]
    return text


# ----------------------------------------------------------------- columns ----


def test_duplicate_column_names_are_refused(tmp_path):
    text = load_error(tmp_path, "Colour,Size,Size\nred,1.0,2.0\n")
    assert "rows.csv: the column 'Size' appears more than once" in text


def test_a_column_for_a_latent_variable_is_refused(tmp_path):
    text = load_error(tmp_path, "Colour,Size,U\nred,1.0,0.5\n")
    assert "column 'U' is for the latent variable 'U'" in text


def test_a_column_for_a_parameter_is_refused(tmp_path):
    text = load_error(tmp_path, "Colour,Size,b\nred,1.0,0.5\n")
    assert "column 'b' is for the parameter 'b'" in text


def test_an_extra_column_is_a_warning_not_an_error(tmp_path):
    with pytest.warns(CausalPPLWarning, match="column 'Weight' is not a model variable and will be ignored"):
        data = load(tmp_path, "Colour,Size,Weight\nred,1.0,70\n")
    assert data.n_rows == 1


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CausalPPLWarning)  # the BOM must not make an unknown column
        data = load(tmp_path, "Colour,Size\nred,1.0\n", encoding="utf-8-sig")
    assert data.n_rows == 1


def test_cell_values_are_echoed_short_and_escaped(tmp_path):
    text = load_error(tmp_path, "Colour,Size\n\x1b[31m" + "x" * 500 + ",1.0\n")
    assert "\x1b" not in text and "\\x1b" in text
    assert "x" * 200 not in text


# ------------------------------------------------------------------ counts ----


@pytest.mark.parametrize("count", ["inf", "nan", "-1", "-inf"])
def test_counts_must_be_finite_and_not_negative(tmp_path, count):
    text = load_error(tmp_path, f"Colour,Size,count\nred,1.0,2\ngreen,2.0,{count}\n")
    assert "rows.csv, row 2, column 'count': counts must be finite numbers ≥ 0" in text


# ------------------------------------------------------------- experiments ----

EXPERIMENT = """model E {
    A : {0, 1}
    B : {0, 1} <- A
}

data "rows.csv" under do(A = 1)
"""


def test_rows_that_contradict_the_data_line_are_refused(tmp_path):
    text = load_error(tmp_path, "A,B\n1,1\n0,0\n", EXPERIMENT)
    assert "rows.csv, row 2, column 'A': the data line says do(A = 1)" in text


def test_rows_that_agree_with_the_data_line_are_accepted(tmp_path):
    data = load(tmp_path, "A,B\n1,1\n1,0\n", EXPERIMENT)
    assert data.n_rows == 2


def test_the_documented_experiment_form_answers_on_a_nonparametric_model(tmp_path):
    (tmp_path / "model.scm").write_text(EXPERIMENT + "query q = P(B = 1 | do(A = 1))\n")
    (tmp_path / "rows.csv").write_text("B\n1\n0\n1\n")
    result = cp.load(tmp_path / "model.scm").run(samples=400, seed=1)[0]
    assert 0 < result.estimate < 1  # Beta(1,1) prior and 2 of 3: posterior mean 0.6
    assert result.estimate == pytest.approx(0.6, abs=0.08)


# ----------------------------------------------------------------- support ----

SUPPORT = """model S {{
    X ~ {family}
}}

data "rows.csv"
"""

OUTSIDE = [
    ("Poisson(3)", "-3", "whole numbers ≥ 0"),
    ("LogNormal(0, 1)", "-2", "positive numbers"),
    ("Uniform(0, 1)", "5", "numbers from 0 to 1"),
    ("Beta(2, 2)", "1", "strictly between 0 and 1"),
    ("Exponential(1)", "-0.5", "numbers ≥ 0"),
    ("Binomial(4, 0.5)", "5", "whole numbers from 0 to 4"),
]


@pytest.mark.parametrize("family,value,words", OUTSIDE, ids=[row[0] for row in OUTSIDE])
def test_data_outside_the_support_is_refused_with_file_column_row(tmp_path, family, value, words):
    inside = "1" if family.startswith(("Poisson", "Binomial")) else "0.5"  # row 1 is a value of the variable
    text = load_error(tmp_path, f"X\n{inside}\n{value}\n", SUPPORT.format(family=family))
    assert f"rows.csv, row 2, column 'X': {value} is outside the support" in text and words in text


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400"])
def test_infinite_data_is_refused(tmp_path, value):
    text = load_error(tmp_path, f"X\n0.5\n{value}\n", SUPPORT.format(family="Normal(0, 1)"))
    assert "rows.csv, row 2, column 'X': the value of 'X' must be finite, not " in text


def test_the_first_problem_of_a_column_is_named_whatever_its_kind(tmp_path):
    """A whole-number variable: 0.5 in row 1 (not a value) comes before -3 in row 2 (outside the support)."""
    text = load_error(tmp_path, "X\n0.5\n-3\n", SUPPORT.format(family="Poisson(3)"))
    assert "rows.csv, row 1, column 'X': 0.5 is not a value of 'X'" in text


@settings(max_examples=30, deadline=None)
@given(st.floats(max_value=-1e-3, min_value=-1e6), st.integers(min_value=0, max_value=20))
def test_negative_values_of_positive_families_are_refused_at_their_row(tmp_path_factory, value, row):
    tmp_path = tmp_path_factory.mktemp("support")
    rows = ["1.5"] * row + [repr(value)]
    with pytest.raises(CausalPPLError) as caught:
        load(tmp_path, "X\n" + "\n".join(rows) + "\n", SUPPORT.format(family="Gamma(2, 1)"))
    assert f"row {row + 1}, column 'X'" in caught.value.render()


# ------------------------------------------------------------ DataFrames ----


def test_dataframes_with_a_multiindex_duplicate_or_complex_columns_are_user_errors():
    model = cp.loads("model M {\n    X ~ Normal(0, 1)\n    param b ~ Normal(0, 1)\n    Y ~ Normal(b * X, 1)\n}\n")
    multi = pd.DataFrame([[1.0, 2.0]], columns=pd.MultiIndex.from_tuples([("X", "a"), ("Y", "b")]))
    duplicate = pd.DataFrame([[1.0, 2.0, 3.0]], columns=["X", "Y", "Y"])
    complex_values = pd.DataFrame({"X": [1 + 2j], "Y": [1.0]})
    for frame, words in [(multi, "MultiIndex"), (duplicate, "appears more than once"),
                         (complex_values, "must be a number or a level name, not complex")]:
        with pytest.raises(CausalPPLError, match=words):
            model.query("E[Y]", data=frame, samples=10, seed=1)
    with pytest.raises(TypeError, match="data must be"):
        model.query("E[Y]", data=123, samples=10, seed=1)


# ---------------------------------------------------- counts not expanded ----


def _weighted(counts: list[float]) -> DataCollection:
    columns = {"Y": np.arange(len(counts)) % 2}
    return DataCollection((Dataset(columns, np.array(counts, dtype=float), (), "<rows>"),))


def test_counts_with_a_common_factor_are_repeated_by_the_quotient_only():
    data = _weighted([5_000_000, 3_000_000])
    assert count_unit(data) == 1_000_000
    assert expanded_rows(data, 1_000_000) == 8
    expanded = expand_weighted_rows(data, 1_000_000)
    assert expanded.n_rows == 8 and np.all(expanded.blocks[0].weights == 1)


def test_fractional_counts_have_unit_one():
    assert count_unit(_weighted([2.5, 4])) == 1


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=6),
       st.integers(min_value=1, max_value=10_000))
def test_the_unit_divides_every_count_and_keeps_the_total(multipliers, scale):
    data = _weighted([m * scale for m in multipliers])
    unit = count_unit(data)
    assert unit % scale == 0
    assert expanded_rows(data, unit) * unit == sum(multipliers) * scale


LATENT_CLASS = """model L {
    param p ~ Beta(1, 1)
    latent C ~ Bernoulli(p)
    Y ~ Bernoulli(if C then 0.2 else 0.7)
}
"""


def test_counts_that_would_expand_past_the_limit_are_refused_before_expanding(monkeypatch):
    monkeypatch.setattr(likelihood, "MAX_EXPANDED_ROWS", 1000)
    model = cp.loads(LATENT_CLASS)
    data = DataCollection((Dataset({"Y": np.array([1, 0])}, np.array([1001.0, 3.0]), (), "<rows>"),))
    with pytest.raises(ValueError, match="1,004 rows"):
        build_likelihood(model.ir, data, __import__("torch").device("cpu"))


def test_large_counts_with_a_common_factor_are_fitted_as_weighted_rows():
    model = cp.loads(LATENT_CLASS)
    frame = pd.DataFrame({"Y": [True, False], "count": [5_000_000, 3_000_000]})
    result = model.query("P(C = true)", data=frame, method="svi", num_steps=400, lr=0.05, samples=100, seed=1)
    # P(Y) = 0.2 p + 0.7 (1 - p) = 5/8 gives p = 0.15
    assert result.estimate == pytest.approx(0.15, abs=0.02)
    assert math.isfinite(result.estimate)
