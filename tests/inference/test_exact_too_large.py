"""``--method exact`` on a query too large for memory: a user error that says how large and what to use."""

from __future__ import annotations

from causalppl.cli import main

ROOTS = 40


def test_the_cli_reports_the_size_and_suggests_monte_carlo(tmp_path, capsys):
    lines = [f"    X{i} ~ Bernoulli(0.5)" for i in range(ROOTS)]
    (tmp_path / "wide.scm").write_text("model Wide {\n" + "\n".join(lines) + "\n}\n")
    joint = ", ".join(f"X{i} = 1" for i in range(ROOTS))
    code = main(["run", str(tmp_path / "wide.scm"), "--method", "exact", "--query", f"P({joint})"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err
    first = captured.err.splitlines()[0]
    assert first.startswith("<query>:1:1: error:") or ":1:1: error:" in first
    assert "TiB" in captured.err and "40 variables" in captured.err
    assert "--method mc" in captured.err
