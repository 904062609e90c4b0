"""Fast start: the commands that need no inference never import torch, pyro, pandas or arviz.

Each command runs in a fresh interpreter (a subprocess), which then reports the
heavy libraries found in ``sys.modules``.
"""

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("torch", "pyro", "pandas", "arviz")
ALARM = str(REPO / "stdlib" / "alarm.scm")
WITH_DATA = str(REPO / "stdlib" / "instrumental_variable.scm")

_WRAPPER = """
import contextlib, io, json, sys
from causalppl.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def _imported(*argv: str) -> tuple[int, list[str]]:
    completed = subprocess.run([sys.executable, "-c", _WRAPPER, *argv], capture_output=True, text=True,
                               cwd=REPO, timeout=300)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    return report["code"], report["modules"]


@pytest.mark.parametrize("argv", [
    ("check", ALARM),
    ("compile", ALARM),
    ("compile", ALARM, "--do", "HYPOVOLEMIA=TRUE"),
    ("graph", ALARM),
    ("graph", ALARM, "--do", "HYPOVOLEMIA=TRUE"),
], ids=["check", "compile", "compile-do", "graph", "graph-do"])
def test_commands_without_inference_import_no_heavy_library(argv):
    code, modules = _imported(*argv)
    assert code == 0
    assert modules == [], f"causalppl {argv[0]} imported {modules}"


def test_check_reads_data_lines_with_pandas_only():
    code, modules = _imported("check", WITH_DATA)
    assert code == 0
    assert modules == ["pandas"]


def test_importing_the_package_imports_no_heavy_library():
    script = "import sys, causalppl; print([m for m in %r if m in sys.modules])" % (HEAVY,)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                               timeout=300)
    assert completed.stdout.strip() == "[]", completed.stderr


def test_fitted_model_is_still_exported():
    import causalppl

    assert causalppl.FittedModel.__name__ == "FittedModel"
    with pytest.raises(AttributeError):
        causalppl.no_such_name  # noqa: B018
