"""``causalppl score``: per-row queries over files, streamed in chunks, CSV and Parquet, errors naming rows."""

from __future__ import annotations

import os

import pandas as pd
import pytest

import causalppl as cp
from causalppl.cli import main

MEDIATION = """
model Mediation {
    X ~ Bernoulli(0.5)
    M ~ Bernoulli(0.2 + 0.5 * X)
    Y ~ Bernoulli(0.1 + 0.3 * X + 0.4 * M)
}
"""


@pytest.fixture
def files(tmp_path):
    model = tmp_path / "m.scm"
    model.write_text(MEDIATION)
    rows = tmp_path / "rows.csv"
    pd.DataFrame({"id": range(7), "X": [1, 1, 0, 0, 1, 0, 1], "Y": [1, 0, 0, 1, 1, 0, 1]}).to_csv(rows, index=False)
    return model, rows


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_score_writes_the_rows_with_one_column_per_query(files, tmp_path, suffix, capsys):
    model, rows = files
    out = tmp_path / f"out{suffix}"
    code = main(["score", str(model), "--data", str(rows), "--query", "pn = P(Y[X = 0] = 0 | X, Y)",
                 "--query", "P(M = 1 | X)", "-o", str(out), "--chunk-size", "3", "--quiet"])
    assert code == 0
    scored = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
    assert list(scored.columns) == ["id", "X", "Y", "pn", "q2"]
    expected = cp.loads(MEDIATION).score(pd.read_csv(rows), ["pn = P(Y[X = 0] = 0 | X, Y)", "P(M = 1 | X)"])
    assert scored["pn"].tolist() == pytest.approx(expected["pn"].tolist(), abs=1e-12)
    assert "scored 7 rows" in capsys.readouterr().err


def test_score_without_output_prints_csv(files, capsys):
    model, rows = files
    assert main(["score", str(model), "--data", str(rows), "--query", "e = E[Y | do(X = 1), X]", "--quiet"]) == 1
    assert "both intervened on and observed" in capsys.readouterr().err
    assert main(["score", str(model), "--data", str(rows), "--query", "p = P(Y = 1 | X)", "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "id,X,Y,p" and len(lines) == 8


def test_score_errors_name_the_file_row_and_column(files, tmp_path, capsys):
    model, _ = files
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"X": [1, 0, 2], "Y": [1, 1, 1]}).to_csv(bad, index=False)
    assert main(["score", str(model), "--data", str(bad), "--query", "P(Y[X = 0] = 0 | X, Y)",
                 "--chunk-size", "2", "--quiet"]) == 1
    assert "bad.csv, row 3, column 'X': 2 is not a value of 'X'" in capsys.readouterr().err


CONTINUOUS = """
model Sum {
    X ~ Normal(0, 1)
    Z ~ Normal(0, 1)
    Y ~ Normal(X + Z, 1)
}
"""


@pytest.mark.parametrize("evidence", ["X, Z", "Z, X"])
def test_a_missing_evidence_cell_names_the_first_one_in_the_file(tmp_path, capsys, evidence):
    """Row by row, left to right in the file's column order, across chunks, whatever the query's order; a
    missing number is a missing value, not a number that is not finite."""
    (tmp_path / "m.scm").write_text(CONTINUOUS)
    rows = tmp_path / "rows.csv"
    rows.write_text("id,Y,Z,X\n1,1,2,3\n2,1,2,3\n3,0.5,,\n4,,1,\n")
    assert main(["score", str(tmp_path / "m.scm"), "--data", str(rows), "--query", f"e = E[Y | {evidence}]",
                 "--chunk-size", "2", "--quiet"]) == 1
    assert "rows.csv, row 3, column 'Z': missing value" in capsys.readouterr().err
    model = cp.loads(CONTINUOUS)
    with pytest.raises(cp.CausalPPLError, match="row 3, column 'Z': missing value"):
        model.score(pd.DataFrame({"Z": [1.0, 2.0, None], "X": [1.0, 2.0, None]}), f"E[Y | {evidence}]")


@pytest.mark.parametrize("cells, named", [
    ("X,Y\n0,1\n2,1\n,1\n", "row 2, column 'X': 2 is not a value"),  # a bad cell before a missing one
    ("X,Y\n0,1\n,1\n2,1\n", "row 2, column 'X': missing value"),  # a missing cell before a bad one
    ("Y,X\n1,1\n1,\n", "row 2, column 'X': missing value"),
])
def test_scored_rows_name_their_first_problem_whatever_its_kind(files, tmp_path, capsys, cells, named):
    model, _ = files
    rows = tmp_path / "rows.csv"
    rows.write_text(cells)
    assert main(["score", str(model), "--data", str(rows), "--query", "p = P(Y = 1 | X)", "--quiet"]) == 1
    assert f"rows.csv, {named}" in capsys.readouterr().err


def test_a_repeated_evidence_column_in_a_csv_header_is_refused(files, tmp_path, capsys):
    model, _ = files
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("X,Y,X\n1,0,0\n")  # the CSV reader would rename the second X to X.1
    assert main(["score", str(model), "--data", str(repeated), "--query", "P(Y = 1 | X)", "--quiet"]) == 1
    assert "repeated.csv: the column 'X' appears more than once" in capsys.readouterr().err
    with pytest.raises(cp.CausalPPLError, match="the column 'X' appears more than once"):
        cp.loads(MEDIATION).score(str(repeated), "P(Y = 1 | X)")
    assert main(["score", str(model), "--data", str(repeated), "--query", "P(M = 1 | Y)", "--quiet"]) == 0


def test_run_refuses_per_row_evidence_and_points_to_score(files, capsys):
    model, _ = files
    assert main(["run", str(model), "--query", "P(Y = 1 | X)"]) == 1
    err = capsys.readouterr().err
    assert "evidence needs a value" in err and "causalppl score" in err


def test_bad_ray_address_is_a_user_error(files, capsys):
    model, rows = files
    assert main(["score", str(model), "--data", str(rows), "--query", "P(Y = 1 | X)", "--ray", "no where"]) == 1
    assert "--ray must be auto, local, or a cluster address" in capsys.readouterr().err


def test_pass_through_columns_keep_their_text_in_a_csv_output(files, tmp_path):
    """Columns the model does not name are written back as they were written (leading zeros, NA, TRUE), while
    the model's own columns still read missing-value strings as missing; a Parquet output stores inferred types."""
    model, _ = files
    rows = tmp_path / "ids.csv"
    rows.write_text("id,flag,X,note\n007,TRUE,1,NA\n010,FALSE,0,n/a\n3,true,1,\n")
    out = tmp_path / "out.csv"
    assert main(["score", str(model), "--data", str(rows), "--query", "P(Y = 1 | X)", "-o", str(out),
                 "--chunk-size", "2", "--quiet"]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "id,flag,X,note,q1"
    assert [line.rsplit(",", 1)[0] for line in lines[1:]] == ["007,TRUE,1,NA", "010,FALSE,0,n/a", "3,true,1,"]
    parquet = tmp_path / "out.parquet"
    assert main(["score", str(model), "--data", str(rows), "--query", "P(Y = 1 | X)", "-o", str(parquet),
                 "--quiet"]) == 0
    assert pd.read_parquet(parquet)["id"].tolist() == [7, 10, 3]
    rows.write_text("id,X\n001,1\n002,NA\n")
    assert main(["score", str(model), "--data", str(rows), "--query", "P(Y = 1 | X)", "-o", str(out),
                 "--quiet"]) == 1  # a missing evidence value is still missing


def test_an_output_that_is_a_file_the_run_reads_or_has_no_table_suffix_is_refused(tmp_path, capsys):
    """``-o`` never overwrites the model file or a data file (by any name), names a .csv/.parquet file and a
    folder that exists; each refusal comes before any row is scored, and the file is left as it was."""
    rows = tmp_path / "rows.csv"
    rows.write_text("X,Y\n1,0\n0,1\n")
    learn = tmp_path / "learn.csv"
    learn.write_text("X,Y\n1,1\n0,0\n")
    model = tmp_path / "m.scm"
    model.write_text(MEDIATION.replace("model Mediation {", f'data "{learn}"\nmodel Mediation {{'))
    before = model.read_text(), learn.read_text()
    cases = {str(model): "must end in .csv", str(tmp_path / "out.txt"): "must end in .csv",
             str(learn): "would overwrite an input", str(tmp_path / "." / "learn.csv"): "would overwrite an input",
             str(tmp_path / "missing" / "out.csv"): "does not exist"}
    for output, said in cases.items():
        assert main(["score", str(model), "--data", str(rows), "--query", "P(M = 1 | X)", "-o", output,
                     "--quiet"]) == 1
        assert said in capsys.readouterr().err
    fit = tmp_path / "fit.csv"
    fit.write_text("X,Y\n1,1\n")
    assert main(["score", str(model), "--data", str(rows), "--fit-data", str(fit), "--replace-data",
                 "--query", "P(M = 1 | X)", "-o", str(fit), "--quiet"]) == 1
    assert "would overwrite an input" in capsys.readouterr().err
    assert (model.read_text(), learn.read_text()) == before and fit.read_text() == "X,Y\n1,1\n"


def test_rows_from_a_pipe_or_a_device_are_refused(files, tmp_path, capsys):
    model, _ = files
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    for rows in (str(pipe), "/dev/zero"):
        assert main(["score", str(model), "--data", rows, "--query", "P(M = 1 | X)", "--quiet"]) == 1
        assert "not a regular file" in capsys.readouterr().err
