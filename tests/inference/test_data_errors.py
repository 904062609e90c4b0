"""Bad data is a user error that names the file, the column and the row, at the data line."""

from __future__ import annotations

import pytest

import causalppl as cp
from causalppl.diagnostics import CausalPPLError

MODEL = """model Small {
    Colour : {red, green, blue} ~ Categorical([0.2, 0.3, 0.5])
    param b ~ Normal(0, 1)
    Size ~ Normal(b, 1)
}

data "rows.csv"
"""


def load_error(tmp_path, csv_text: str | None, missing: str = "model") -> str:
    (tmp_path / "model.scm").write_text(MODEL)
    if csv_text is not None:
        (tmp_path / "rows.csv").write_text(csv_text)
    model = cp.load(tmp_path / "model.scm")
    with pytest.raises(CausalPPLError) as caught:
        model.load_data(missing=missing)
    text = caught.value.render()
    assert ":7:" in text.splitlines()[0]  # the data line
    assert 'data "rows.csv"' in text  # the source line is shown
    return text


def test_missing_file(tmp_path):
    text = load_error(tmp_path, None)
    assert "rows.csv" in text and "does not exist" in text


def test_missing_column(tmp_path):
    text = load_error(tmp_path, "Colour\nred\n")
    assert "rows.csv" in text and "'Size'" in text


def test_unknown_level(tmp_path):
    text = load_error(tmp_path, "Colour,Size\nred,1.0\npurple,2.0\n")
    assert "rows.csv, row 2, column 'Colour'" in text and "'purple'" in text


def test_missing_value_with_missing_error(tmp_path):
    text = load_error(tmp_path, "Colour,Size\nred,1.0\ngreen,2.0\nblue,\n", missing="error")
    assert "rows.csv, row 3, column 'Size'" in text and "missing value" in text


def test_wrong_type(tmp_path):
    text = load_error(tmp_path, "Colour,Size\nred,1.0\ngreen,big\n")
    assert "rows.csv, row 2, column 'Size': 'big' is not a value of 'Size' (real)" in text


def test_negative_count(tmp_path):
    text = load_error(tmp_path, "Colour,Size,count\nred,1.0,2\ngreen,2.0,-1\n")
    assert "rows.csv, row 2, column 'count'" in text


def test_levels_by_name_or_position(tmp_path):
    (tmp_path / "model.scm").write_text(MODEL)
    (tmp_path / "rows.csv").write_text("Colour,Size\nred,1.0\n2,2.0\ngreen,0.5\n")
    data = cp.load(tmp_path / "model.scm").load_data()
    assert data.blocks[0].columns["Colour"].tolist() == [0, 2, 1]
