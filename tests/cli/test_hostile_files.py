"""Hostile files and flags on the command line: a located user error (exit 1), never exit 2 or a hang."""

from __future__ import annotations

import os

import pytest

from causalppl.cli import main

OK = "model M {\n  X ~ Normal(0, 1)\n}\nquery q = E[X]\n"


@pytest.fixture
def ok(tmp_path):
    path = tmp_path / "ok.scm"
    path.write_text(OK)
    return path


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.err


def test_a_utf8_byte_order_mark_is_accepted(tmp_path, capsys):
    path = tmp_path / "bom.scm"
    path.write_bytes(b"\xef\xbb\xbf" + OK.encode())
    assert run(capsys, "check", str(path))[0] == 0


@pytest.mark.parametrize("content,words", [
    (OK.encode("utf-16"), "UTF-16"),
    (bytes(range(256)), "not UTF-8"),
], ids=["utf16", "binary"])
def test_files_that_are_not_utf8_text_are_refused(tmp_path, capsys, content, words):
    path = tmp_path / "bad.scm"
    path.write_bytes(content)
    code, err = run(capsys, "check", str(path))
    assert code == 1 and words in err and "bad.scm" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_pipes_and_devices_are_refused_without_reading(tmp_path, capsys):
    fifo = tmp_path / "pipe.scm"
    os.mkfifo(fifo)
    code, err = run(capsys, "check", str(fifo))
    assert code == 1 and "named pipe" in err
    if os.path.exists("/dev/zero"):
        code, err = run(capsys, "check", "/dev/zero")
        assert code == 1 and "device" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_data_file_that_is_a_pipe_is_refused(tmp_path, capsys):
    os.mkfifo(tmp_path / "rows.csv")
    path = tmp_path / "m.scm"
    path.write_text("model M {\n  param b ~ Normal(0, 1)\n  X ~ Normal(b, 1)\n}\ndata \"rows.csv\"\nquery q = E[X]\n")
    code, err = run(capsys, "run", str(path))
    assert code == 1 and "named pipe" in err and "m.scm:5:" in err


@pytest.mark.parametrize("flags,words", [
    (["--seed", "-1"], "--seed must be an integer from 0"),
    (["--seed", "1" * 30], "--seed must be an integer from 0"),
    (["--samples", "abc"], "--samples must be an integer"),
    (["--samples", "0"], "--samples must be a positive integer"),
    (["--plot", "out.txt"], "--plot"),
    (["--no-such-flag"], "unrecognized arguments"),
], ids=["negative-seed", "huge-seed", "samples-text", "samples-zero", "plot-suffix", "unknown-flag"])
def test_bad_flags_are_user_errors_before_any_work(ok, capsys, flags, words):
    code, err = run(capsys, "run", str(ok), *flags)
    assert code == 1 and words in err
    assert not list(ok.parent.glob("out.*"))


def test_graph_outputs_are_checked_and_never_overwrite_inputs(ok, tmp_path, capsys):
    assert run(capsys, "graph", str(ok), "-o", "")[0] == 1
    assert run(capsys, "graph", str(ok), "-o", str(ok))[0] == 1
    assert ok.read_text() == OK
    code, err = run(capsys, "graph", str(ok), "-o", str(tmp_path / "missing" / "g.dot"))
    assert code == 1 and "does not exist" in err and not (tmp_path / "missing").exists()
    notes = tmp_path / "NOTES"
    notes.write_text("mine")
    assert run(capsys, "graph", str(ok), "-o", str(notes))[0] == 1 and notes.read_text() == "mine"


def test_control_characters_are_escaped_in_messages(tmp_path, capsys):
    path = tmp_path / "esc.scm"
    path.write_text("model M {\n  X ~ Normal(0, 1)\n  Y\x1b[31m ~ Normal(0, 1)\n}\n")
    code, err = run(capsys, "check", str(path))
    assert code == 1 and "\x1b" not in err and "\\x1b" in err


def test_a_data_path_with_control_characters_is_echoed_escaped(tmp_path, capsys):
    path = tmp_path / "m.scm"
    path.write_text("model M {\n  param b ~ Normal(0, 1)\n  X ~ Normal(b, 1)\n}\ndata \"\x1b]0;owned\x07.csv\"\n"
                    "query q = E[X]\n")
    code, err = run(capsys, "run", str(path))
    assert code == 1 and "\x1b" not in err and "\x07" not in err
