"""Golden inference errors: each ``inference/NN_name.scm`` checks cleanly but cannot be answered as asked;
``NN_name.expected`` is exactly what ``causalppl run`` prints on stderr (exit code 1).

The first line may hold the command-line arguments: ``# args: --method nuts``.
Regenerate on purpose with ``CAUSALPPL_UPDATE_GOLDEN=1 python -m pytest tests/golden`` and review the diff.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from causalppl.cli import main

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "inference"
FILES = sorted(CASES.glob("*.scm"))
UPDATE = os.environ.get("CAUSALPPL_UPDATE_GOLDEN") == "1"


def _arguments(path: Path) -> list[str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    return shlex.split(first.removeprefix("# args:")) if first.startswith("# args:") else []


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_golden_inference_error(path: Path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code = main(["run", path.relative_to(REPO).as_posix(), "--quiet", *_arguments(path)])
    err = capsys.readouterr().err
    assert code == 1, f"{path.name} was expected to be refused with exit code 1, got {code}:\n{err}"
    expected = path.with_suffix(".expected")
    if UPDATE or not expected.exists():
        expected.write_text(err, encoding="utf-8")
    assert err == expected.read_text(encoding="utf-8")


def test_every_case_has_an_expected_file():
    assert {p.stem for p in FILES} == {p.stem for p in CASES.glob("*.expected")}
