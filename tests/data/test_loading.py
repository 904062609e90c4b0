"""Loading data: chunked CSV and Parquet, level names and positions, missing cells and the missing setting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causalppl as cp
from causalppl.data import reading
from causalppl.diagnostics import CausalPPLError

MODEL = """model Small {
    Colour : {red, green, blue}
    Age : real
    param b ~ Normal(0, 1)
    Size ~ Normal(b * Age, 1)
    Flag : bool <- Colour
}

data "rows.csv"
"""


def write(tmp_path, frame: pd.DataFrame, name: str = "rows.csv"):
    (tmp_path / "model.scm").write_text(MODEL.replace("rows.csv", name))
    path = tmp_path / name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return cp.load(tmp_path / "model.scm")


def _refused_by(reader: str, data: pd.DataFrame, tmp_path, monkeypatch) -> pytest.ExceptionInfo:
    """The error of loading ``data`` under missing=error through ``reader`` ("text": a small CSV file read as
    text; "pandas": chunks of 7 rows of a CSV file; "parquet": chunks of 7 rows of a Parquet file)."""
    if reader == "pandas":
        monkeypatch.setattr(reading, "SMALL_CSV_BYTES", 0)
    if reader != "text":
        monkeypatch.setattr(reading, "CHUNK_ROWS", 7)
    model = write(tmp_path, data, "rows.parquet" if reader == "parquet" else "rows.csv")
    with pytest.raises(CausalPPLError) as caught:
        model.load_data(missing="error")
    return caught


def frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"Colour": rng.choice(["red", "green", "blue", "2"], n), "Age": rng.normal(40, 10, n),
                         "Size": rng.normal(size=n), "Flag": rng.choice(["true", "false", "1"], n),
                         "Unused": rng.normal(size=n)})


@pytest.mark.parametrize("name", ["rows.csv", "rows.parquet"])
def test_chunks_give_the_same_columns_as_one_read(tmp_path, monkeypatch, name):
    data = frame(1000)
    monkeypatch.setattr(reading, "CHUNK_ROWS", 77)
    block = write(tmp_path, data, name).load_data().blocks[0]
    levels = {"red": 0, "green": 1, "blue": 2, "2": 2}
    assert block.columns["Colour"].tolist() == [levels[c] for c in data["Colour"]]
    assert block.columns["Flag"].tolist() == [1 if f in ("true", "1") else 0 for f in data["Flag"]]
    np.testing.assert_allclose(block.columns["Age"], data["Age"])
    assert "Unused" not in block.columns and block.n_rows == 1000


def test_an_error_in_a_later_chunk_names_the_row_of_the_file(tmp_path, monkeypatch):
    data = frame(300)
    data.loc[250, "Colour"] = "purple"
    monkeypatch.setattr(reading, "CHUNK_ROWS", 100)
    with pytest.raises(CausalPPLError) as caught:
        write(tmp_path, data).load_data()
    assert "rows.csv, row 251, column 'Colour'" in caught.value.render()


def test_missing_cells_are_kept_with_masks_and_counted(tmp_path):
    data = frame(50)
    data.loc[[3, 7], "Size"] = np.nan
    data.loc[[5], "Colour"] = None
    collection = write(tmp_path, data).load_data()
    block = collection.blocks[0]
    assert block.n_rows == 50
    assert np.flatnonzero(block.missing["Size"]).tolist() == [3, 7]
    assert np.flatnonzero(block.missing["Colour"]).tolist() == [5]
    assert block.columns["Size"][3] == 0.0  # a missing cell holds 0, never NaN
    assert collection.missing_cells == {"Size": 2, "Colour": 1}


def test_drop_keeps_complete_rows_and_says_so(tmp_path):
    data = frame(50)
    data.loc[[3, 7], "Size"] = np.nan
    data.loc[[7, 9], "Flag"] = None
    collection = write(tmp_path, data).load_data(missing="drop")
    assert collection.n_rows == 47 and not collection.has_missing
    assert collection.missing_cells == {"Size": 2, "Flag": 2}
    assert "3 rows left out" in collection.left_out[0]


def test_error_mode_names_the_first_missing_cell(tmp_path):
    data = frame(20)
    data.loc[12, "Size"] = np.nan
    with pytest.raises(CausalPPLError) as caught:
        write(tmp_path, data).load_data(missing="error")
    text = caught.value.render()
    assert "rows.csv, row 13, column 'Size': missing value" in text and 'missing="drop"' in text


def test_the_same_data_frame_twice_in_python_is_refused(tmp_path):
    import pandas as pd

    model = cp.loads("model M {\n  param p ~ Beta(1, 1)\n  X : bool ~ Bernoulli(p)\n}\n")
    frame = pd.DataFrame({"X": [1, 0, 1, 1]})
    with pytest.raises(CausalPPLError, match="the DataFrame at position 3 of the data is the one at position 1: "
                                             "reading it again would count its rows twice"):
        model.load_data([frame, frame.copy(), frame])
    with pytest.raises(CausalPPLError, match="give each DataFrame once"):
        model.query("P(X = 1)", data=(frame, frame))
    # an equal copy is another sample: both are read
    assert model.load_data([frame, frame.copy()]).n_rows == 8


@pytest.mark.parametrize("reader", ["text", "pandas", "parquet"])
@pytest.mark.parametrize("cells, first", [
    # (row, column) of the missing cells (0-based data row); the cell the error names (1-based data row)
    ([(12, "Size"), (5, "Colour")], (6, "Colour")),  # an earlier row in a column the model declares first
    ([(12, "Colour"), (5, "Size")], (6, "Size")),  # an earlier row in a column the model declares later
    ([(9, "Size"), (9, "Flag")], (10, "Flag")),  # one row: the leftmost cell in the file (the model has Size first)
    ([(17, "Flag"), (8, "Size"), (3, "Age")], (4, "Age")),  # a covariate counts too
    ([(25, "Colour"), (23, "Flag")], (24, "Flag")),  # past the first chunk
])
def test_error_mode_names_the_first_missing_cell_in_file_order(tmp_path, monkeypatch, reader, cells, first):
    """The first missing cell row by row, left to right in a row (the file's column order), whatever the order
    of the model's declarations and however the file is cut into chunks."""
    data = frame(30)[["Flag", "Colour", "Size", "Age", "Unused"]]  # not the model's order
    for row, column in cells:
        data[column] = data[column].astype(object)
        data.loc[row, column] = None
    caught = _refused_by(reader, data, tmp_path, monkeypatch)
    row, column = first
    assert f", row {row}, column '{column}': missing value" in caught.value.render()


def test_rows_missing_a_covariate_are_left_out_with_the_reason(tmp_path):
    data = frame(30)
    data.loc[[1, 2, 4], "Age"] = np.nan
    collection = write(tmp_path, data).load_data()
    assert collection.n_rows == 27 and "Age" not in collection.blocks[0].missing
    assert "covariate 'Age' is missing" in collection.left_out[0]


def test_an_unknown_missing_setting_is_refused(tmp_path):
    with pytest.raises(CausalPPLError, match="missing must be one of model, drop, error"):
        write(tmp_path, frame(5)).load_data(missing="impute")


def test_a_data_frame_with_missing_cells(tmp_path):
    data = frame(10).drop(columns="Unused")
    data.loc[0, "Flag"] = None
    model = write(tmp_path, data)
    collection = model.load_data(data)
    assert collection.missing_cells == {"Flag": 1} and collection.blocks[0].missing["Flag"][0]


ZERO_COUNT_MODEL = """model Zero {
    V0 : bool ~ table() { [0.47, 0.53] }
    V1 ~ Poisson(exp(0.1 * (V0 == true)))
    V2 ~ Poisson(exp(V1 / 4))
    V3 ~ Normal(-0.4, 1.59)
    V0 <-> V1
}
"""


def test_rows_whose_count_is_zero_stand_for_no_unit(tmp_path):
    """A row of count 0 is kept by no engine (Pyro refuses a likelihood scale of 0: an internal error before)."""
    model = cp.loads(ZERO_COUNT_MODEL)
    rows = pd.DataFrame({"V0": [0, 1, 0, 0, 1], "V1": [2, 2, 1, 6, 3], "V2": [2, 1, 4, 6, 1],
                         "V3": [2.31, 2.14, 2.29, 2.20, 1.9], "count": [5, 0, 0, 3, 2]})
    data = model.load_data(rows)
    (block,) = data.blocks
    assert block.weights.tolist() == [5, 3, 2] and block.columns["V1"].tolist() == [2, 6, 3]
    answer = model.query("E[V3 | do(V2 = 1), V0 = true]", data=rows, seed=0)
    # V3's law is known (no parameters), so the adjustment estimate is its mean whatever the rows
    assert answer.estimate == pytest.approx(-0.4, abs=1e-9)


LEVELS_NAMED_LIKE_BOOLEANS = """model Yes {
    Smoker : {True, False} ~ Categorical([0.3, 0.7])
    Answer : {no, TRUE} ~ table(Smoker) {
        True : [0.5, 0.5]
        False : [0.5, 0.5]
    }
}

data "rows.csv"
"""


@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("reader", ["text", "pandas"])  # small files, and files read in chunks with pandas
def test_levels_named_like_booleans_are_read_by_name_not_as_booleans(tmp_path, monkeypatch, missing, reader):
    """pandas reads the cells True/False as booleans: a levels variable whose labels read so gets the level of
    that name (True is position 0 of {True, False}), never the boolean's number."""
    if reader == "pandas":
        monkeypatch.setattr(reading, "SMALL_CSV_BYTES", 0)
    smoker = ["True", "False", "False", "" if missing else "True"]
    answer = ["TRUE", "no", "TRUE", "no"]
    (tmp_path / "model.scm").write_text(LEVELS_NAMED_LIKE_BOOLEANS)
    (tmp_path / "rows.csv").write_text("Smoker,Answer\n" + "".join(f"{s},{a}\n" for s, a in zip(smoker, answer)))
    block = cp.load(tmp_path / "model.scm").load_data(missing="model").blocks[0]
    assert block.columns["Smoker"].tolist()[:3] == [0, 1, 1]
    assert block.columns["Answer"].tolist() == [1, 0, 1, 0]


def test_a_data_frame_of_booleans_scores_levels_named_like_them(tmp_path):
    model = cp.loads(LEVELS_NAMED_LIKE_BOOLEANS.replace('data "rows.csv"', ""))
    scored = model.score(pd.DataFrame({"Smoker": [True, False, True]}), "P(Answer = TRUE | Smoker)")
    assert scored["Smoker"].tolist() == [True, False, True] and scored["q1"].tolist() == [0.5, 0.5, 0.5]


def test_a_boolean_cell_for_levels_without_such_a_name_is_refused_with_its_row(tmp_path):
    (tmp_path / "model.scm").write_text(LEVELS_NAMED_LIKE_BOOLEANS.replace("no, TRUE", "no, yes")
                                        .replace("data \"rows.csv\"", "data \"rows.csv\""))
    (tmp_path / "rows.csv").write_text("Smoker,Answer\nTrue,no\nFalse,false\n")
    with pytest.raises(CausalPPLError) as caught:
        cp.load(tmp_path / "model.scm").load_data()
    assert "rows.csv, row 2, column 'Answer'" in caught.value.render()


TWICE = """model Twice {
    param p ~ Beta(1, 1)
    X : bool ~ Bernoulli(p)
}

data "rows.csv"
data "./rows.csv"
"""


def test_a_data_file_given_twice_is_an_error_at_the_second_naming_the_first(tmp_path):
    """Its rows would count twice (the posterior as if there were twice the units)."""
    (tmp_path / "m.scm").write_text(TWICE)
    (tmp_path / "rows.csv").write_text("X\ntrue\ntrue\nfalse\n")
    model = cp.load(tmp_path / "m.scm")
    with pytest.raises(CausalPPLError) as caught:
        model.load_data()
    text = caught.value.render()
    assert text.startswith(f"{tmp_path / 'm.scm'}:7:1: error: data file") and "data \"./rows.csv\"" in text
    assert f"is already read by the data line at {tmp_path / 'm.scm'}:6:1" in text and "count its rows twice" in text
    assert "remove one of the two data lines" in text
    once = cp.loads(TWICE.replace('data "./rows.csv"\n', ""), str(tmp_path / "m.scm"))
    assert once.load_data().n_rows == 3
    with pytest.raises(CausalPPLError, match="already read by the data line at .*m.scm:6:1"):
        once.with_data_files([tmp_path / "rows.csv"]).load_data()
    assert once.with_data_files([tmp_path / "rows.csv"], replace=True).load_data().n_rows == 3


def test_the_same_file_by_another_name_twice_in_python_is_refused(tmp_path):
    (tmp_path / "m.scm").write_text(TWICE.replace('data "rows.csv"\ndata "./rows.csv"\n', ""))
    (tmp_path / "rows.csv").write_text("X\ntrue\ntrue\nfalse\n")
    (tmp_path / "copy.csv").write_text("X\ntrue\ntrue\nfalse\n")
    (tmp_path / "link.csv").symlink_to(tmp_path / "rows.csv")
    model = cp.load(tmp_path / "m.scm")
    with pytest.raises(CausalPPLError, match=r"'.*link.csv' is already read earlier \(as '.*rows.csv'\)"):
        model.load_data([tmp_path / "rows.csv", str(tmp_path / "link.csv")])
    # two files with the same rows are two samples: both are read
    assert model.load_data([tmp_path / "rows.csv", tmp_path / "copy.csv"]).n_rows == 6


@pytest.mark.parametrize("reader", ["text", "pandas", "parquet"])
@pytest.mark.parametrize("cells, first", [
    # (row, column, cell) set in the file (0-based data row); the problem the error names (1-based data row)
    ([(0, "Size", None), (1, "Flag", "7")], "row 1, column 'Size': missing value"),  # missing, then a bad cell
    ([(0, "Flag", "7"), (1, "Size", None)], "row 1, column 'Flag'"),  # a bad cell, then a missing one
    ([(4, "Colour", None), (4, "Flag", "7")], "row 5, column 'Colour': missing value"),  # one row: the leftmost
    ([(4, "Colour", "purple"), (4, "Size", None)], "row 5, column 'Colour'"),
    ([(3, "Size", None), (3, "Colour", "purple")], "row 4, column 'Colour'"),  # left of the missing cell
    ([(9, "Flag", "7"), (2, "Colour", "purple")], "row 3, column 'Colour'"),  # bad cells: the earlier row
    ([(20, "Size", None), (24, "Flag", "7")], "row 21, column 'Size': missing value"),  # past the first chunk
    ([(22, "Flag", "7"), (24, "Size", None)], "row 23, column 'Flag'"),
])
def test_error_mode_names_the_first_problem_whatever_its_kind(tmp_path, monkeypatch, reader, cells, first):
    """Under missing=error the first problem in the file's order (row by row, left to right) is named, whether
    a missing cell or a cell that is not a value."""
    data = frame(30)[["Colour", "Flag", "Size", "Age", "Unused"]]
    for row, column, cell in cells:
        data[column] = data[column].astype(object)
        data.loc[row, column] = cell
    caught = _refused_by(reader, data, tmp_path, monkeypatch)
    text = caught.value.render()
    assert f"rows.{'parquet' if reader == 'parquet' else 'csv'}, {first}" in text
    assert ("missing value" in first) == ("missing value" in text)
