"""The wheel ships the grammar and the stdlib; installed in a fresh venv, the CLI runs from elsewhere."""

import subprocess
import sys
import sysconfig
import venv
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


def test_every_subpackage_is_in_the_wheel(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for init in (REPO / "causalppl").rglob("__init__.py"):
        relative = init.relative_to(REPO).as_posix()
        assert relative in names, f"{relative} is missing from the wheel: add its package to pyproject.toml"


def _fresh_venv(root: Path) -> Path:
    """A new venv that sees this environment's dependencies (torch, pyro, ...) but not its causalppl."""
    venv.EnvBuilder(with_pip=False).create(root)
    site = next((root / "lib").glob("python3*/site-packages"))
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return root / "bin"


def test_installed_wheel_runs_from_another_directory(wheel, tmp_path):
    bin_dir = _fresh_venv(tmp_path / "venv")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install", "-q", "--no-deps",
                    str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(bin_dir / "python"), "-c", "import causalppl; print(causalppl.__file__)"],
                           cwd=elsewhere, capture_output=True, text=True, check=True).stdout
    assert str(tmp_path / "venv") in where, where  # the wheel's copy, not the checkout's
    completed = subprocess.run([str(bin_dir / "causalppl"), "run", "stdlib:backdoor", "--format", "json"],
                               cwd=elsewhere, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert '"model": "KidneyStones"' in completed.stdout
