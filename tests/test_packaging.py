"""The wheel ships the grammar and the stdlib, and the CLI runs from another directory."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    completed = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                                "-w", str(out), str(REPO)], capture_output=True, text=True)
    if completed.returncode != 0:
        pytest.fail(completed.stderr)
    return next(out.glob("causalppl-*.whl"))


def test_wheel_contains_grammar_and_stdlib(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "causalppl/grammar/causalppl.lark" in names
    assert any(name.startswith("causalppl/stdlib/") and name.endswith(".scm") for name in names)


def test_installed_wheel_runs_from_another_directory(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target))
    script = ("import causalppl, sys; from causalppl.cli import main; "
              "assert causalppl.__file__.startswith(sys.argv[1]), causalppl.__file__; "
              "sys.exit(main(['run', 'stdlib:backdoor', '--format', 'json']))")
    completed = subprocess.run([sys.executable, "-c", script, str(target)], cwd=workdir, env=env,
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert '"model"' in completed.stdout


def test_every_subpackage_is_in_the_wheel(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for init in (REPO / "causalppl").rglob("__init__.py"):
        relative = init.relative_to(REPO).as_posix()
        assert relative in names, f"{relative} is missing from the wheel: add its package to pyproject.toml"
