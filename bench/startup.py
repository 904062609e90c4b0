"""Start-up time of the commands that need no inference (a script, not a test).

Run ``python -m bench.startup`` from the repository root. Each figure is a
fresh interpreter: ``causalppl check`` on the bnlearn ``alarm`` network and on
a generated 500-variable linear model, against ``python -c "import lark,
networkx"`` (the baseline kept from when the front end imported both; it
now loads networkx only for identification and ``Model.graph``) in the same
run. Runs are interleaved and repeated; the script prints medians of the wall
time and of the CPU time (user + system, the steadier figure on a shared
machine) and the ratio to the baseline (target: under 2).

It also times ``causalppl run`` on the front-door model of Pearl's 800-unit
smoking table (``examples/front_door_smoking/smoking.csv``) asking
``P(Cancer = 1 | Smoking = 1)``: an observational question on a model with
an unmeasured confounder, answered by identification from the table of
counts with a Dirichlet interval. Target: well under a second, all of it
(interpreter, parse, planning, reading the file, the answer, the table).

And it times the cold start of an exact query as a user meets it: a fresh
interpreter running ``causalppl run NETWORK.scm --query "P(T | three observed
variables)"`` on bnlearn's ``alarm`` and ``munin`` (the ``.scm`` that
``bench/exact_vs_pyagrum.py`` converts from the BIF files bundled with
pgmpy), against a fresh interpreter running the same query in pyAgrum
(``import pyagrum``, ``loadBN`` of the same tables as BIF, LazyPropagation
with the evidence, ``posterior``), when pyAgrum is installed. causalppl
loads its compiled network with numpy alone: torch, pyro, scipy and pandas
are never imported for such a query. (Their answers are compared to 1e-9
by ``bench/exact_vs_pyagrum.py``; target: within 3x of pyAgrum.)

The package's bytecode is compiled first (``python -m compileall``), as
``pip install`` does for the libraries of the baseline and as Python does on
a package's first import: without it every run would compile causalppl's
modules from source (about 200 ms) while lark and networkx load compiled
code, which is not the start-up a user sees. (An environment with
``PYTHONDONTWRITEBYTECODE=1`` and a fresh checkout never writes that cache;
``scripts/setup-env`` compiles it.)
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import shutil
import time
from pathlib import Path

from bench.generate_linear import linear_chain_source

AGRUM_SCRIPT = """import sys, pyagrum as gum
bn = gum.loadBN(sys.argv[1])
engine = gum.LazyPropagation(bn)
engine.setEvidence({evidence!r})
engine.addTarget({target!r})
engine.makeInference()
print(engine.posterior({target!r}).toarray())
"""

REPEATS = int(os.environ.get("BENCH_REPEATS", "9"))
REPO = Path(__file__).resolve().parents[1]
FRONT_DOOR = """model FrontDoor { Smoking : bool; Tar : bool <- Smoking; Cancer : bool <- Tar; Smoking <-> Cancer }
data "smoking.csv"
query P(Cancer = 1 | Smoking = 1)
"""


def _timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", "causalppl"], check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as folder:
        large = Path(folder) / "linear500.scm"
        large.write_text(linear_chain_source(500), encoding="utf-8")
        front_door = Path(folder) / "front_door.scm"
        front_door.write_text(FRONT_DOOR, encoding="utf-8")
        shutil.copy(REPO / "examples" / "front_door_smoking" / "smoking.csv", Path(folder) / "smoking.csv")
        commands = {
            "import lark, networkx": [sys.executable, "-c", "import lark, networkx"],
            "causalppl check alarm": [sys.executable, "-m", "causalppl.cli", "check", "stdlib:alarm"],
            "causalppl check linear 500": [sys.executable, "-m", "causalppl.cli", "check", str(large)],
            "causalppl run front door": [sys.executable, "-m", "causalppl.cli", "run", str(front_door)],
        }
        pairs = _exact_commands(Path(folder))
        for ours, theirs in pairs:
            commands.update([ours, theirs])
        for argv in commands.values():  # warm the file cache and the parser cache
            _timed(argv)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(REPEATS):
            for name, argv in commands.items():
                wall, cpu = _timed(argv)
                walls[name].append(wall)
                cpus[name].append(cpu)
    base_wall = statistics.median(walls["import lark, networkx"])
    base_cpu = statistics.median(cpus["import lark, networkx"])
    print(f"median of {REPEATS} interleaved runs (fresh interpreter each)")
    for name in commands:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:28s} wall {wall * 1000:7.0f} ms ({wall / base_wall:.2f}x)   "
              f"cpu {cpu * 1000:7.0f} ms ({cpu / base_cpu:.2f}x)")
    print("target: causalppl check under 2x the baseline; causalppl run front door well under 1 s")
    for (ours, _), (theirs, _) in pairs:
        wall = statistics.median(walls[ours]) / statistics.median(walls[theirs])
        cpu = statistics.median(cpus[ours]) / statistics.median(cpus[theirs])
        print(f"{ours}: {wall:.2f}x pyAgrum's wall time, {cpu:.2f}x its CPU time (target: within 3x)")


def _exact_commands(folder: Path) -> list[tuple[tuple[str, list[str]], tuple[str, list[str]]]]:
    """For alarm and munin: the exact query through ``causalppl run`` and the same query in pyAgrum."""
    try:
        import pyagrum  # noqa: F401
        from bench import exact_vs_pyagrum as networks
    except ImportError:
        print("(pyagrum is not installed: the cold exact queries are not timed)")
        return []
    import causalppl as cp

    pairs = []
    for name in ("alarm", "munin"):
        net = networks.prepare(name, folder)
        source = folder / f"{name}.scm"
        source.write_text(net.source, encoding="utf-8")
        query = networks.random_queries(net, cp.loads(net.source), 1, 2026, 3, False)[0]
        ours = [sys.executable, "-m", "causalppl.cli", "run", str(source), "--query", query.text()]
        script = AGRUM_SCRIPT.format(evidence=query.evidence, target=query.target)
        theirs = [sys.executable, "-c", script, str(net.bif_path)]
        pairs.append(((f"causalppl run {name} (exact)", ours), (f"pyAgrum {name} (same query)", theirs)))
    return pairs


if __name__ == "__main__":
    main()
