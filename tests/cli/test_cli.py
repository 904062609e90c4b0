"""The command line: run, check, graph, compile; exit codes; errors without tracebacks."""

import json
import re
import shutil
import subprocess
import sys

import pytest

from causalppl.cli import main
from tests.conftest import REPO

KIDNEY = str(REPO / "examples" / "kidney_stones" / "kidney_stones.scm")
BAD = "model Bad {\n    X : bool\n    Y : bool <- X, Q\n}\n"


def test_run_table_output(capsys):
    assert main(["run", KIDNEY]) == 0
    out = capsys.readouterr().out
    assert "seen_A" in out and "0.78" in out and "exact" in out


def test_run_json_is_exactly_one_object(capsys):
    assert main(["run", KIDNEY, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["model"] == "KidneyStones"
    first = payload["queries"][0]
    assert set(first) == {"name", "text", "estimate", "interval", "bounds", "distribution", "identifiable",
                          "estimand", "method", "diagnostics", "plan"}
    assert first["plan"]["engine"] == "exact" and first["plan"]["reasons"]
    assert isinstance(first["plan"]["rejected"], dict)
    assert first["name"] == "seen_A" and first["estimate"] == pytest.approx(273 / 350, abs=1e-9)


def test_run_query_flags_replace_the_file_queries(capsys):
    assert main(["run", KIDNEY, "--format", "json", "--query", "P(Recovery)", "--query", "x = P(Size = large)"]) == 0
    queries = json.loads(capsys.readouterr().out)["queries"]
    assert [q["text"] for q in queries] == ["P(Recovery)", "P(Size = large)"]
    assert queries[0]["estimate"] is None and set(queries[0]["distribution"]) == {"0", "1"}
    assert queries[1]["name"] == "x"


def test_check_reports_errors_with_location_and_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.scm"
    bad.write_text(BAD)
    assert main(["check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3:20: error: unknown variable 'Q'" in err
    assert "^" in err


def test_check_ok(capsys):
    assert main(["check", KIDNEY]) == 0
    assert "ok" in capsys.readouterr().out


def test_bad_query_text_is_a_user_error(capsys):
    assert main(["run", KIDNEY, "--query", "P(Recovery = maybe)"]) == 1
    err = capsys.readouterr().err
    assert "<query>:1:14: error: 'maybe' is not a value of 'Recovery'" in err


def test_compile_prints_python_and_do_prints_surgery(capsys):
    assert main(["compile", KIDNEY]) == 0
    plain = capsys.readouterr().out
    compile(plain, "generated", "exec")
    assert main(["compile", KIDNEY, "--do", "Treatment=B"]) == 0
    transformed = capsys.readouterr().out
    assert 'pyro.deterministic("Treatment", rt.constant(1.0' in transformed
    assert "do(Treatment = B)" in transformed


def test_graph_dot_and_mutilated(tmp_path, capsys):
    out = tmp_path / "g.dot"
    assert main(["graph", KIDNEY, "-o", str(out), "--do", "Treatment=A"]) == 0
    dot = out.read_text()
    assert '"Size" -> "Recovery"' in dot
    assert '"Size" -> "Treatment"' not in dot
    assert "do(Treatment = A)" in dot


def test_graph_bidirected_arcs_are_dashed(capsys):
    source = "model C {\n X : bool\n Y : bool <- X\n X <-> Y\n}\n"
    from causalppl import loads

    dot = loads(source).to_dot()
    assert '"X" -> "Y" [dir=both, style=dashed' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graph_svg_rendered(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", KIDNEY, "-o", str(out)]) == 0
    assert out.read_text().lstrip().startswith("<?xml") or "<svg" in out.read_text()


def test_graph_without_graphviz_writes_nothing_and_explains(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("causalppl.drawing.dot_available", lambda: False)
    out = tmp_path / "g.png"
    assert main(["graph", KIDNEY, "-o", str(out)]) == 1
    assert list(tmp_path.iterdir()) == []  # only what was asked is ever written: here, nothing
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err and "-o g.dot" in err


def test_stdlib_listing(capsys):
    assert main(["stdlib"]) == 0


def test_subprocess_error_has_no_traceback(tmp_path):
    bad = tmp_path / "bad.scm"
    bad.write_text("model M {\n  X ~ Normal(0, 1\n  Y ~ Normal(X, 1)\n}\n")
    completed = subprocess.run([sys.executable, "-m", "causalppl.cli", "run", str(bad)], capture_output=True,
                               text=True, cwd=tmp_path)
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert f"{bad}:3:3: error:" in completed.stderr


def test_a_reader_that_stops_early_is_no_error(tmp_path):
    """``causalppl run --format json ... | head -1``: the closed pipe ends the command quietly, not as a bug."""
    script = (f"import subprocess, sys\n"
              f"p = subprocess.Popen([sys.executable, '-m', 'causalppl.cli', 'run', {KIDNEY!r}, '--format', 'json'],"
              f" stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
              f"p.stdout.close()\n"
              f"err = p.stderr.read().decode()\n"
              f"sys.exit(10 + p.wait() if err else p.wait())\n")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr


def test_device_cuda_without_a_gpu_is_a_clear_error(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert main(["run", KIDNEY, "--device", "cuda"]) == 1
    assert "torch sees no CUDA GPU" in capsys.readouterr().err


def test_missing_setting_and_counts_in_json(tmp_path, capsys):
    (tmp_path / "m.scm").write_text("model M { X : bool\n Y : bool <- X }\ndata \"rows.csv\"\n")
    (tmp_path / "rows.csv").write_text("X,Y\n1,1\n0,\n1,0\n0,0\n1,1\n")
    assert main(["run", str(tmp_path / "m.scm"), "--format", "json", "--missing", "drop",
                 "--query", "P(Y = 1 | X = 1)"]) == 0
    query = json.loads(capsys.readouterr().out)["queries"][0]
    assert query["diagnostics"]["missing_cells"] == {"Y": 1} and query["diagnostics"]["missing"] == "drop"
    assert main(["run", str(tmp_path / "m.scm"), "--missing", "error"]) == 1
    assert "rows.csv, row 2, column 'Y': missing value" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "m.scm"), "--missing", "sometimes"]) == 1
    assert "--missing must be one of model, drop, error" in capsys.readouterr().err


def test_a_data_file_given_twice_on_the_command_line_is_refused(tmp_path, capsys):
    (tmp_path / "m.scm").write_text("model M {\n    X : bool\n    Y : bool <- X\n}\ndata \"rows.csv\"\n")
    (tmp_path / "rows.csv").write_text("X,Y\n1,1\n0,0\n1,0\n")
    rows = str(tmp_path / "rows.csv")
    assert main(["check", str(tmp_path / "m.scm"), "--data", rows, "--data", rows]) == 1
    err = capsys.readouterr().err
    assert "rows.csv' is already read earlier: reading it again would count its rows twice" in err
    assert main(["run", str(tmp_path / "m.scm"), "--data", rows, "--query", "P(Y = 1 | X = 1)"]) == 1
    err = capsys.readouterr().err
    assert f"is already read by the data line at {tmp_path / 'm.scm'}:5:1" in err and "Traceback" not in err
    assert main(["run", str(tmp_path / "m.scm"), "--data", rows, "--replace-data", "--query", "P(Y = 1 | X = 1)"]) == 0


COUNT_MODEL = "model M {\n    X : bool\n    Y : bool <- X\n}\n"
COUNT_OPTIONS = [("check", "--show"), ("check --data", "--show"), ("run", "--samples"), ("run", "--chains"),
                 ("run", "--draws"), ("run", "--steps"), ("run", "--workers"), ("score", "--samples"),
                 ("score", "--chains"), ("score", "--draws"), ("score", "--chunk-size"), ("score", "--draws-per-row"),
                 ("score", "--workers")]


@pytest.mark.parametrize("value, problem", [("-1", "must be a positive integer (got -1)"),
                                            ("0", "must be a positive integer (got 0)"),
                                            ("abc", "must be an integer (got 'abc')"),
                                            ("2.5", "must be an integer (got '2.5')")])
@pytest.mark.parametrize("command, flag", COUNT_OPTIONS)
def test_every_count_option_takes_a_positive_integer(tmp_path, capsys, command, flag, value, problem):
    """One rule and one message for every count (check --show was read by int(), -1 accepted, 'abc' exit 2)."""
    (tmp_path / "m.scm").write_text(COUNT_MODEL)
    (tmp_path / "rows.csv").write_text("X,Y\n1,1\n0,0\n1,0\n0,1\n")
    model, rows = str(tmp_path / "m.scm"), str(tmp_path / "rows.csv")
    argv = {"check": ["check", model], "check --data": ["check", model, "--data", rows],
            "run": ["run", model, "--query", "P(Y = 1)"],
            "score": ["score", model, "--data", rows, "--query", "P(Y = 1 | X)"]}[command]
    assert main([*argv, flag, value]) == 1
    err = capsys.readouterr().err
    assert f"error: {flag} {problem}" in err and "internal error" not in err


@pytest.mark.parametrize("flag, value, problem", [
    ("--warmup", "-1", "--warmup must be zero or a positive integer (got -1)"),
    ("--seed", "-3", "--seed must be an integer from 0 to 4294967295 (got -3)"),
    ("--seed", "abc", "--seed must be an integer (got 'abc')"),
    ("--alpha", "2", "--alpha must be a number between 0 and 1 (got '2')"),
    ("--alpha", "abc", "--alpha must be a number (got 'abc')"),
])
def test_check_and_run_numbers_are_checked_by_the_same_rules(tmp_path, capsys, flag, value, problem):
    (tmp_path / "m.scm").write_text(COUNT_MODEL)
    (tmp_path / "rows.csv").write_text("X,Y\n1,1\n0,0\n1,0\n0,1\n")
    commands = [["check", str(tmp_path / "m.scm"), "--data", str(tmp_path / "rows.csv")],
                ["check", str(tmp_path / "m.scm")]]  # without data, as --show is: not accepted unread
    if flag != "--alpha":
        commands.append(["run", str(tmp_path / "m.scm"), "--query", "P(Y = 1)"])
    if flag == "--warmup":
        commands = commands[2:]
    for argv in commands:
        assert main([*argv, flag, value]) == 1
        assert f"error: {problem}" in capsys.readouterr().err


def test_check_without_data_refuses_bad_alpha_and_seed(tmp_path, capsys):
    """`check a.scm --alpha 5 --seed -3` exited 0 while `--show abc` exited 1."""
    (tmp_path / "m.scm").write_text(COUNT_MODEL)
    assert main(["check", str(tmp_path / "m.scm"), "--alpha", "5", "--seed", "-3"]) == 1
    assert "error: --alpha must be a number between 0 and 1 (got '5')" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "m.scm"), "--alpha", "0.1", "--seed", "3", "--show", "2"]) == 0


def test_check_lists_as_many_implications_as_shown(tmp_path, capsys):
    (tmp_path / "m.scm").write_text("model M {\n    X : bool\n    Y : bool\n    Z : bool\n}\n")
    (tmp_path / "rows.csv").write_text("X,Y,Z\n" + "1,0,1\n0,1,1\n1,1,0\n0,0,0\n" * 10)
    assert main(["check", str(tmp_path / "m.scm"), "--data", str(tmp_path / "rows.csv"), "--show", "2"]) == 0
    assert "worst 2 of 3 tested implications" in capsys.readouterr().out


@pytest.mark.parametrize("keywords, problem", [({"seed": -1}, "seed must be an integer from 0 to 4294967295"),
                                               ({"seed": "abc"}, "seed must be an integer (got 'abc')"),
                                               ({"alpha": "abc"}, "alpha must be a number (got 'abc')"),
                                               ({"alpha": 1.5}, "alpha must be a number between 0 and 1")])
def test_model_check_names_a_bad_seed_or_alpha(keywords, problem):
    """Python gets the same rules (a seed of -1 was numpy's ValueError, alpha='abc' a TypeError)."""
    import pandas as pd

    import causalppl as cp

    rows = pd.DataFrame({"X": [1, 0, 1, 0] * 5, "Y": [1, 0, 0, 1] * 5})
    with pytest.raises(cp.CausalPPLError, match=re.escape(problem)):
        cp.loads(COUNT_MODEL).check(rows, **keywords)
