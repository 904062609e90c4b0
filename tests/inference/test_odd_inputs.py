"""Odd inputs that once ended in internal errors: each is now a user error (or a right answer)."""

from __future__ import annotations

import pandas as pd
import pytest

import causalppl as cp
from causalppl.cli import main
from causalppl.diagnostics import CausalPPLError

BINARY = """
model M {
    X : bool ~ Bernoulli(0.4)
    Y : bool ~ Bernoulli(0.2 + 0.5 * X)
}
"""


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "m.scm"
    path.write_text(BINARY)
    return path


def test_an_integer_beyond_64_bits_in_a_level_column_is_a_bad_cell(model_file, tmp_path, capsys):
    rows = tmp_path / "huge.csv"
    rows.write_text("X,Y\n0,99999999999999999999999999\n1,1\n")
    assert main(["score", str(model_file), "--data", str(rows), "--query", "P(Y = 1 | X, Y)", "--quiet"]) == 1
    assert "huge.csv, row 1, column 'Y'" in capsys.readouterr().err
    with pytest.raises(CausalPPLError, match="column 'X'"):
        cp.loads(BINARY).score(pd.DataFrame({"X": [10**30, 1]}), "P(Y = 1 | X)")


def test_unhashable_cells_are_bad_cells():
    with pytest.raises(CausalPPLError, match=r"row 1, column 'X'"):
        cp.loads(BINARY).score(pd.DataFrame({"X": [[0], [1]]}), "P(Y = 1 | X)")


def test_a_file_that_is_no_parquet_file_is_unreadable(model_file, tmp_path, capsys):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"garbage")
    assert main(["score", str(model_file), "--data", str(bad), "--query", "P(Y = 1 | X)", "--quiet",
                 "-o", str(tmp_path / "out.csv")]) == 1
    assert "cannot read data file" in capsys.readouterr().err


def test_a_parquet_column_changing_type_between_chunks_is_a_user_error(model_file, tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("X,Y,z\n0,0,1\n1,1,2\n0,1,a\n1,0,b\n")
    assert main(["score", str(model_file), "--data", str(rows), "--chunk-size", "2", "--query", "P(Y = 1 | X)",
                 "--quiet", "-o", str(tmp_path / "out.parquet")]) == 1
    assert "a Parquet column holds one type in every chunk" in capsys.readouterr().err


def test_no_rows_with_sampling_give_an_empty_score(model_file, tmp_path):
    rows = tmp_path / "header.csv"
    rows.write_text("X,Y\n")
    model = cp.load(model_file)
    for query in ("P(Y = 1 | X)", "P(Y | X)"):
        assert len(model.score(str(rows), query, method="mc")) == 0


def test_draws_per_row_are_sized_before_they_are_drawn():
    with pytest.raises(CausalPPLError, match="draws per row would take"):
        cp.loads(BINARY).score(pd.DataFrame({"X": [0, 1]}), "P(Y = 1 | X)", method="mc",
                               draws_per_row=100_000_000_000)


@pytest.mark.parametrize("query", ["E[Y] * 1e308 * 10", "1e308 * 10", "E[Y] / 1e-320", "1 / 1e-320"])
def test_arithmetic_that_overflows_is_an_undefined_answer(query):
    with pytest.raises(CausalPPLError, match="the answer is undefined"):
        cp.loads(BINARY).query(query)


def test_the_output_file_cannot_be_the_rows_file(model_file, tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("X,Y\n0,0\n1,1\n")
    assert main(["score", str(model_file), "--data", str(rows), "-o", str(rows), "--query", "P(Y = 1 | X)",
                 "--quiet"]) == 1
    assert "is the file the rows are read from" in capsys.readouterr().err
    assert rows.read_text() == "X,Y\n0,0\n1,1\n"


def test_a_row_with_more_cells_than_the_header_is_refused(model_file, tmp_path, capsys):
    rows = tmp_path / "ragged.csv"
    rows.write_text("X,Y\n0,0,1\n1,1,1\n")  # the reader would take X as the index and shift Y into X
    assert main(["score", str(model_file), "--data", str(rows), "--query", "P(Y = 1 | X)", "--quiet"]) == 1
    assert "a row has more cells than the header has names" in capsys.readouterr().err
    with pytest.raises(CausalPPLError, match="more cells than the header"):
        cp.load(model_file).score(str(rows), "P(Y = 1 | X)")


def test_score_columns_never_clash():
    model = cp.loads(BINARY)
    frame = pd.DataFrame({"X": [0, 1]})
    with pytest.raises(CausalPPLError, match="two queries are named 'a'"):
        model.score(frame, ["a = P(Y = 1 | X)", "a = P(Y = 0 | X)"])
    with pytest.raises(CausalPPLError, match=r"the score column 'd\[1\]' would overwrite"):
        model.score(frame.assign(**{"d[1]": [5, 6]}), "d = P(Y | X)")


def test_score_arguments_of_the_wrong_kind_are_type_errors():
    model = cp.loads(BINARY)
    frame = pd.DataFrame({"X": [0, 1]})
    with pytest.raises(TypeError, match="query text or a list"):
        model.score(frame, None)
    with pytest.raises(TypeError, match="DataFrame or a CSV/Parquet path"):
        model.score({"X": [0, 1]}, "P(Y = 1 | X)")
    with pytest.raises(TypeError, match="output is a .csv or .parquet path"):
        model.score(frame, "P(Y = 1 | X)", output=5)
    columns = frame.assign(Y=[0, 1])
    columns.columns = pd.MultiIndex.from_tuples([("X", "a"), ("Y", "b")])
    with pytest.raises(CausalPPLError, match="MultiIndex"):
        model.score(columns, "P(Y = 1 | X)")


@pytest.mark.parametrize("family", ["Uniform(0, 1)", "Gamma(2, 1)", "Beta(2, 2)", "Exponential(1)"])
def test_evidence_outside_a_bounded_support_has_probability_zero(family):
    model = cp.loads(f"model U {{\n    D ~ {family}\n    E ~ Normal(D, 0.1)\n}}")
    with pytest.raises(CausalPPLError, match=r"row 2: the evidence \(D = -1\) has probability zero"):
        model.score(pd.DataFrame({"D": [0.5, -1.0], "E": [0.4, 0.5]}), "E[E | D]")
    with pytest.raises(CausalPPLError, match="probability zero"):
        model.query("E[E[D = 0.5] | D = -1, E = 0.5]")


@pytest.mark.parametrize("family", ["Poisson(2)", "Binomial(3, 0.5)"])
def test_per_row_evidence_on_a_root_count_variable(family):
    model = cp.loads(f"model P {{\n    D ~ {family}\n    E ~ Normal(D, 0.1)\n}}")
    scored = model.score(pd.DataFrame({"D": [1, 3]}), "E[E | D]", seed=1)
    assert scored["q1"].tolist() == pytest.approx([1.0, 3.0], abs=0.05)


def test_a_variable_observed_twice():
    model = cp.loads(BINARY)
    with pytest.raises(CausalPPLError, match="'X' is observed twice: once with each row's value"):
        model.score(pd.DataFrame({"X": [0, 1]}), "P(Y = 1 | X, X = 1)")
    with pytest.raises(CausalPPLError, match="'X' is observed twice with different values"):
        model.query("P(Y = 1 | X = 1, X = 0)")
    assert model.query("P(Y = 1 | X = 1, X = 1)").estimate == pytest.approx(0.7)
    assert model.query("P(Y = 1 | X[Y = 1] = 1, X = 0)").estimate == pytest.approx(0.2)


def test_counts_that_add_up_beyond_a_float_are_refused(tmp_path):
    rows = tmp_path / "counts.csv"
    rows.write_text("X,Y,count\n0,0,1e308\n1,1,1e308\n")
    model = cp.loads("model NP {\n    X : bool\n    Y : bool <- X\n}")
    with pytest.raises(CausalPPLError, match="row 2, column 'count': the counts up to this row add up"):
        model.query("P(Y = 1 | do(X = 1))", data=str(rows))


def test_monte_carlo_intervals_of_a_probability_stay_within_0_and_1():
    model = cp.loads("model M {\n X : bool ~ Bernoulli(0.4)\n Y : bool ~ Bernoulli(0.03 + 0.9 * X)\n}")
    scored = model.score(pd.DataFrame({"X": [0, 1] * 20}), "P(Y = 1 | X)", method="mc", seed=3, draws_per_row=60)
    assert scored["q1_lo"].min() >= 0.0 and scored["q1_hi"].max() <= 1.0
    assert (scored["q1_lo"] <= scored["q1"]).all() and (scored["q1"] <= scored["q1_hi"]).all()
    low, high = model.query("P(Y = 1)", method="mc", seed=1, num_samples=200).interval
    assert 0.0 <= low <= high <= 1.0


def test_a_parquet_file_without_rows_scores_to_a_header(model_file, tmp_path, capsys):
    rows = tmp_path / "empty.parquet"
    pd.DataFrame({"X": pd.Series([], dtype="int64"), "Y": pd.Series([], dtype="int64")}).to_parquet(rows)
    assert main(["score", str(model_file), "--data", str(rows), "--query", "P(Y = 1 | X)", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == "X,Y,q1"


@pytest.mark.parametrize("query, expected", [
    ("E[Y | Y = 1]", 1.0),  # every variable of the expression fixed by the evidence
    ("E[Y + 2 * X | X = 1, Y = 0]", 2.0),
    ("E[Y | do(Y = 1)]", 1.0),
    ("P(Y = 1 | Y = 1)", 1.0),
])
def test_an_expectation_whose_variables_are_all_fixed_is_answered(query, expected):
    for method in ("exact", "auto"):
        assert cp.loads(BINARY).query(query, method=method).estimate == pytest.approx(expected, abs=1e-15)


def test_nuts_without_a_finite_starting_point_is_a_user_error():
    """A data value that overflows the likelihood at every start NUTS tries (1e30 for a unit-scale Normal)."""
    model = cp.loads("""
model N {
    param a ~ Normal(0, 1)
    param s ~ HalfNormal(1)
    X ~ Normal(0, 1)
    Y ~ Normal(a * X, s)
}
""")
    data = pd.DataFrame({"X": [1.0, 2.0], "Y": [1e30, 3.0]})
    with pytest.raises(CausalPPLError, match="no starting point"):
        model.query("E[a]", data=data, method="nuts", num_chains=1, num_warmup=10, num_samples=10)


def test_monte_carlo_batches_are_made_as_they_are_used():
    """``--samples 2**63`` once built a list of every batch (a MemoryError): the batches now come one by one."""
    from causalppl.inference.estimate.montecarlo import _batches

    huge = _batches(2**63, 10_000, 7)
    assert next(huge) == (10_000, 7) and next(huge) == (10_000, 8)
    assert list(_batches(25_000, 10_000, 1)) == [(10_000, 1), (10_000, 2), (5_000, 3)]
    assert [n for n, _ in _batches(500, 10_000, None)] == [500]
