"""Golden diagnostics: each ``bad/NN_name.scm`` is a realistic user mistake and
``bad/NN_name.expected`` the exact text the toolchain prints for it (every
diagnostic, as ``str(error)`` renders it, the file named relative to the
repository root).

When a message is improved on purpose, regenerate every expected file with::

    CAUSALPPL_UPDATE_GOLDEN=1 python -m pytest tests/golden

and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from causalppl.diagnostics import CausalPPLError
from causalppl.semantics import check_program
from causalppl.syntax import parse_program

REPO = Path(__file__).resolve().parents[2]
BAD = Path(__file__).resolve().parent / "bad"
BAD_FILES = sorted(BAD.glob("*.scm"))
UPDATE = os.environ.get("CAUSALPPL_UPDATE_GOLDEN") == "1"


def diagnostics_of(path: Path) -> str:
    """What the toolchain prints for a file, read under its repository-relative name."""
    relative = path.relative_to(REPO).as_posix()
    try:
        check_program(parse_program(path.read_text(encoding="utf-8"), relative))
    except CausalPPLError as error:
        return str(error) + "\n"
    pytest.fail(f"{relative} is accepted, but it is meant to be a mistake")


def test_there_are_enough_bad_programs():
    assert len(BAD_FILES) >= 30


def test_every_bad_program_has_an_expected_file_and_back():
    programs = {path.stem for path in BAD_FILES}
    expected = {path.stem for path in BAD.glob("*.expected")}
    if UPDATE:
        for stale in expected - programs:
            (BAD / f"{stale}.expected").unlink()
        return
    assert programs - expected == set(), "bad programs without an expected file"
    assert expected - programs == set(), "expected files without a bad program"


@pytest.mark.parametrize("path", BAD_FILES, ids=[path.stem for path in BAD_FILES])
def test_golden_diagnostics(path: Path):
    actual = diagnostics_of(path)
    expected_path = path.with_suffix(".expected")
    if UPDATE:
        expected_path.write_text(actual, encoding="utf-8")
        return
    assert expected_path.is_file(), f"run with CAUSALPPL_UPDATE_GOLDEN=1 to create {expected_path.name}"
    assert actual == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", BAD_FILES, ids=[path.stem for path in BAD_FILES])
def test_every_diagnostic_points_into_the_file(path: Path):
    relative = path.relative_to(REPO).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        check_program(parse_program(path.read_text(encoding="utf-8"), relative))
    except CausalPPLError as error:
        for diagnostic in error.diagnostics:
            assert diagnostic.span.filename == relative
            assert 1 <= diagnostic.span.line <= max(len(lines), 1)
            assert diagnostic.message.strip()
            assert "Token(" not in diagnostic.message and "Tree(" not in diagnostic.message
    else:
        pytest.fail(f"{relative} is accepted")
