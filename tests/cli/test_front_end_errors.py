"""Mistakes the front end refuses, seen from the command line: exit 1 and a located message, never exit 2."""

from __future__ import annotations

import pytest

from causalppl.cli import main

MODEL = """model M {
    X : bool ~ Bernoulli(0.5)
    Z : bool ~ Bernoulli(0.3)
    Y : bool ~ Bernoulli(0.2 + 0.5 * X + 0.2 * Z)
}
"""


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "m.scm"
    path.write_text(MODEL)
    return str(path)


# ---------------------------------------------------- a variable set twice ----


@pytest.mark.parametrize("command", ["compile", "graph"])
def test_do_option_that_sets_a_variable_twice_is_refused(model_file, capsys, command):
    assert main([command, model_file, "--do", "Z=1,Z=0"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert ("<--do>:1:5: error: 'Z' is set twice in this intervention (Z = 1 at column 1, Z = 0 at column 5)"
            in captured.err)
    assert "hint: an intervention sets each variable once: keep one value for 'Z'" in captured.err


def test_repeated_do_options_make_one_intervention(model_file, capsys):
    assert main(["graph", model_file, "--do", "X=1", "--do", "Z=0"]) == 0
    dot = capsys.readouterr().out
    assert "do(X = 1)" in dot and "do(Z = 0)" in dot  # before, the last --do replaced the first
    assert main(["compile", model_file, "--do", "Z=1", "--do", "Z=0"]) == 1
    assert "'Z' is set twice in this intervention" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["compile", "graph"])
@pytest.mark.parametrize("options, message, shown", [
    (["X=1", "X=1"], "'X' is set twice in this intervention (X=1 at the 1st --do, X=1 at the 2nd --do)",
     "    X=1\n    ^~~\n"),
    (["X=1,Z=0", "Y=1", "Z=1"], "'Z' is set twice in this intervention (Z=0 at the 1st --do, Z=1 at the 3rd --do)",
     "    Z=1\n    ^~~\n"),
    (["Y=1", "X=0, Z = 1"], None, None),
    (["Y=1", "X=0,  Z = 1", "Z=0"], "(Z = 1 at the 2nd --do, Z=0 at the 3rd --do)", "    Z=0\n    ^~~\n"),
])
def test_a_variable_set_by_two_do_options_is_named_by_the_options(model_file, capsys, command, options, message,
                                                                   shown):
    """The error names the options as written and shows the one that sets the variable again: the options used to
    be joined into one line nobody typed (X=1, X=1), with columns in that line."""
    argv = [command, model_file]
    for option in options:
        argv += ["--do", option]
    assert main(argv) == (0 if message is None else 1)
    err = capsys.readouterr().err
    if message is not None:
        assert err.startswith(f"<--do>:1:1: error: ") and message in err and shown in err
        assert ", ".join(options) not in err
        assert "hint: an intervention sets each variable once" in err


def test_a_variable_set_twice_in_one_of_several_do_options_keeps_its_columns(model_file, capsys):
    assert main(["graph", model_file, "--do", "Y=1", "--do", "X=1,X=0"]) == 1
    err = capsys.readouterr().err
    assert "<--do>:1:5: error: 'X' is set twice in this intervention (X = 1 at column 1, X = 0 at column 5)" in err
    assert "    X=1,X=0\n        ^~~\n" in err and "Y=1" not in err


@pytest.mark.parametrize("query, message", [
    ("E[Y[X = 1, X = 0]]", "<query>:1:12: error: 'X' is set twice in this intervention (X = 1 at column 5, "
                           "X = 0 at column 12)"),
    ("P(Y = 1 | do(X = 1, X = 0))", "<query>:1:21: error: 'X' is set twice in this intervention (X = 1 at column "
                                    "14, X = 0 at column 21)"),
])
def test_run_query_that_sets_a_variable_twice_is_refused(model_file, capsys, query, message):
    assert main(["run", model_file, "--query", query]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err


def test_data_line_that_sets_a_variable_twice_is_refused(tmp_path, capsys):
    (tmp_path / "rows.csv").write_text("Y\n1\n")
    path = tmp_path / "m.scm"
    path.write_text(MODEL + 'data "rows.csv" under do(X = 1, X = 0)\n')
    assert main(["check", str(path)]) == 1
    assert (f"{path}:6:33: error: 'X' is set twice in this intervention (X = 1 at column 26, X = 0 at column 33)"
            in capsys.readouterr().err)


# ------------------------------------------------------ vectors in E[...] ----

VECTORS = """model V {
    param c[2] ~ Normal(0, 1)
    X ~ Normal(c[0], 1)
}
"""


@pytest.mark.parametrize("query, message", [
    ("E[c]", "<query>:1:3: error: E[...] takes a number, but 'c' is a vector of 2 entries"),
    ("E[[1, 2]]", "<query>:1:3: error: E[...] takes a number, but '[1, 2]' is a vector of 2 entries"),
])
def test_expectation_of_a_vector_is_a_user_error_not_a_bug(tmp_path, capsys, query, message):
    path = tmp_path / "v.scm"
    path.write_text(VECTORS)
    assert main(["run", str(path), "--query", query, "--samples", "100"]) == 1  # before: 2 (E[c]), 0 (E[[1, 2]])
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and "internal error" not in captured.err


# --------------------------------------------------- numeric level labels ----


def test_a_decimal_level_label_is_refused_by_check(tmp_path, capsys):
    path = tmp_path / "l.scm"
    path.write_text("model L {\n    Dose : {0.5, 1.5, 2} ~ Categorical([0.2, 0.3, 0.5])\n}\nquery P(Dose = 1.5)\n")
    assert main(["check", str(path)]) == 1  # before: accepted, and P(Dose = 1.5) refused as "not a value"
    err = capsys.readouterr().err
    assert f"{path}:2:13: error: level label '0.5' is not a whole number" in err
    assert "hint: name the level (e.g. L0_5), or declare the variable real" in err


# ------------------------------------------------------- expression depth ----


def test_a_query_at_the_documented_depth_runs_and_one_past_it_is_refused(model_file, capsys):
    """docs/language.md: a query adding up to 101 probabilities (100 levels) is accepted; 102 is one level too deep."""
    at_limit = " + ".join(["P(X = 1)"] * 101)
    assert main(["run", model_file, "--format", "json", "--query", at_limit]) == 0  # before: refused
    assert '"estimate": 50.5' in capsys.readouterr().out
    assert main(["run", model_file, "--query", at_limit + " + P(X = 1)"]) == 1
    assert "error: this expression is nested too deeply (more than 100 levels)" in capsys.readouterr().err
