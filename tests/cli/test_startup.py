"""Fast start: the commands that need no inference never import torch, pyro, pandas, arviz or networkx.

Each command runs in a fresh interpreter (a subprocess), which then reports the
heavy libraries found in ``sys.modules``.
"""

import contextlib
import io
import json
import subprocess
import sys

import numpy as np
import pytest

import causalppl as cp
from causalppl.cli import main
from causalppl.inference.rows import answer as rows_answer
from tests.conftest import REPO

HEAVY = ("torch", "pyro", "pandas", "arviz")
GRAPHS = ("networkx",)  # graph algorithms: identification needs them, the front end and the exact engine do not
ALARM = str(REPO / "stdlib" / "alarm.scm")
WITH_DATA = str(REPO / "stdlib" / "instrumental_variable.scm")

_WRAPPER = """
import contextlib, io, json, sys
from causalppl.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": [m for m in %r if m in sys.modules]}))
""" % (HEAVY + GRAPHS,)


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


def test_check_reads_a_small_data_file_without_pandas():
    code, modules = _imported("check", WITH_DATA)
    assert code == 0
    assert modules == []


FRONT_DOOR = """model FrontDoor { Smoking : bool; Tar : bool <- Smoking; Cancer : bool <- Tar; Smoking <-> Cancer }
data "smoking.csv"
query P(Cancer = 1 | Smoking = 1)
"""


def _run_fresh(argv: list[str], absent: tuple[str, ...]) -> list[dict]:
    """``causalppl`` with ``argv`` (JSON output) in a fresh interpreter: its answers, after checking that it
    succeeded and that none of the ``absent`` libraries was imported."""
    script = ("import contextlib, io, json, sys\n"
              "from causalppl.cli import main\n"
              "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
              f"    code = main({argv!r})\n"
              "print(json.dumps({'code': code, 'out': out.getvalue(), 'modules': [m for m in "
              f"{absent!r} if m in sys.modules]}}))")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and report["modules"] == []
    return json.loads(report["out"])["queries"]


def test_an_identified_query_on_a_table_of_counts_runs_without_torch_pyro_scipy_or_pandas(tmp_path):
    """The front-door model on Pearl's 800 units: identification on the counts needs none of the engines."""
    (tmp_path / "front_door.scm").write_text(FRONT_DOOR)
    (tmp_path / "smoking.csv").write_text((REPO / "examples" / "front_door_smoking" / "smoking.csv").read_text())
    answer = _run_fresh(["run", str(tmp_path / "front_door.scm"), "--format", "json", "--explain"],
                        HEAVY + ("scipy",))[0]
    assert answer["estimate"] == pytest.approx(0.8525) and answer["plan"]["engine"] == "identification-estimate"
    low, high = answer["interval"]
    assert low < 0.8525 < high


EXACT_QUERIES = [
    "P(HYPOVOLEMIA | CVP = LOW, HR = HIGH)",  # a distribution
    "P(HYPOVOLEMIA = TRUE | do(CVP = LOW), HR = HIGH)",  # an intervention by surgery on the compiled network
    "P(LVFAILURE = TRUE | HR = HIGH) - P(LVFAILURE = TRUE)",  # arithmetic of leaves
    "P(HYPOVOLEMIA | CVP = LOW, LVFAILURE = TRUE)",  # a fixed variable's point mass
    "E[HR + 2 * (CVP > 0) | LVFAILURE = TRUE]",  # an expectation: its expression evaluated with numpy
]


def test_an_exact_query_on_a_network_of_tables_runs_without_torch_pyro_scipy_or_pandas():
    """`causalppl run` answers exact queries on bnlearn's alarm with the compiled network alone: torch, pyro,
    scipy, pandas and networkx (seconds of start-up) are never imported, and the answers are those computed with
    them loaded."""
    argv = ["run", ALARM, "--format", "json", "--explain"]
    for query in EXACT_QUERIES:
        argv += ["--query", query]
    answers = _run_fresh(argv, HEAVY + GRAPHS + ("scipy",))
    assert [a["plan"]["engine"] for a in answers] == ["exact"] * len(EXACT_QUERIES)
    buffer = io.StringIO()  # the same answers in this process, where torch is loaded
    with contextlib.redirect_stdout(buffer):
        assert main(argv) == 0
    for mine, theirs in zip(answers, json.loads(buffer.getvalue())["queries"]):
        assert mine.get("distribution") == pytest.approx(theirs.get("distribution"), abs=1e-15)
        assert mine.get("estimate") == pytest.approx(theirs.get("estimate"), abs=1e-15)


def test_scoring_factual_queries_on_a_network_of_tables_loads_no_torch_pyro_scipy_or_networkx(tmp_path):
    """`causalppl score` of factual per-row queries on a network of tables runs on the compiled network alone
    (numpy): the file's rows are scored without torch, pyro, scipy or networkx, and the scores are those of the
    general route with them loaded."""
    rows = tmp_path / "rows.csv"
    levels = {"CVP": ["LOW", "NORMAL", "HIGH"], "HR": ["LOW", "NORMAL", "HIGH"]}
    rows.write_text("CVP,HR\n" + "".join(f"{levels['CVP'][k % 3]},{levels['HR'][(k // 3) % 3]}\n"
                                          for k in range(30)))
    queries = ["P(HYPOVOLEMIA | CVP, HR)", "P(LVFAILURE = TRUE | do(HYPOVOLEMIA = TRUE), HR) - P(LVFAILURE = TRUE)"]
    argv = ["score", ALARM, "--data", str(rows), "-o", str(tmp_path / "fresh.csv")]
    for query in queries:
        argv += ["--query", query]
    script = ("import json, sys\nfrom causalppl.cli import main\n"
              f"code = main({argv!r})\n"
              f"print(json.dumps({{'code': code, 'modules': [m for m in {HEAVY[:2] + GRAPHS + ('scipy',)!r} "
              "if m in sys.modules]}))")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == {"code": 0, "modules": []}
    import pandas as pd

    fresh = pd.read_csv(tmp_path / "fresh.csv")
    model = cp.load(ALARM)
    with pytest.MonkeyPatch.context() as patch:  # the general route (the twin network, torch) as the oracle
        patch.setattr(rows_answer, "compiled_rows", lambda *args, **kwargs: None)
        general = model.score(pd.read_csv(rows), queries)
    assert list(fresh.columns) == list(general.columns) and len(fresh) == 30
    numbers = [c for c in fresh.columns if c.startswith("q")]
    np.testing.assert_allclose(fresh[numbers].to_numpy(), general[numbers].to_numpy(), rtol=1e-9, atol=1e-12)


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


def test_the_command_ends_front_end_runs_without_losing_output_or_exit_codes(tmp_path):
    """`check`, `graph` and `compile` end the process at once (no interpreter teardown): the output is whole,
    written files are complete, and user errors keep exit code 1 with their message."""
    def cli(*argv):
        return subprocess.run([sys.executable, "-m", "causalppl.cli", *argv], capture_output=True, text=True,
                              cwd=REPO, timeout=300)

    compiled = cli("compile", ALARM)
    assert compiled.returncode == 0 and compiled.stdout == cli("compile", ALARM).stdout
    buffer = io.StringIO()  # the same program text from a function call in this process
    with contextlib.redirect_stdout(buffer):
        assert main(["compile", ALARM]) == 0
    assert compiled.stdout == buffer.getvalue()
    dot = tmp_path / "alarm.dot"
    drawn = cli("graph", ALARM, "-o", str(dot))
    assert drawn.returncode == 0 and dot.read_text().rstrip().endswith("}")
    bad = tmp_path / "bad.scm"
    bad.write_text("model X { A ~ Normal(0 }\n")
    refused = cli("check", str(bad))
    assert refused.returncode == 1 and "error:" in refused.stderr
