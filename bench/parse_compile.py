"""Front-end speed: loading models, against pyAgrum and pgmpy in the same run (a script, not a test).

Run ``python -m bench.parse_compile`` from the repository root (``BENCH_QUICK=1``
for a short run). Four parts, each interleaving causalppl with its peer and
reporting medians of CPU time (user + system of this process: the steadier
figure on a shared machine) with the wall time beside it:

1. the whole front end (parse + check + IR + Pyro code generation) on the
   bnlearn ``alarm`` network, against pgmpy reading the same network from BIF;
2. cold loads of bnlearn networks: ``causalppl.load`` of the converted
   ``.scm`` file (parse + check + IR, tables as arrays) against pyAgrum's
   ``loadBN`` of the BIF file (target: within 3x), with causalppl's own BIF
   reader beside them and pgmpy's ``BIFReader`` for the smaller networks;
3. generated linear-Gaussian models of 50 and 500 variables (the 500/50 ratio
   is about 10 when the front end is linear);
4. ``causalppl check`` in a fresh process on generated models up to 47,000
   variables: CPU seconds and peak memory per megabyte of source (flat when
   the front end is linear in the file's size).

The BIF files ship with pgmpy (``pgmpy/utils/example_models``); pyAgrum is in
the ``bench`` extra.
"""

from __future__ import annotations

import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import causalppl
from bench.generate_linear import linear_chain_source
from causalppl.backends.pyro_codegen import generate
from causalppl.interop.bif import convert_bif
from causalppl.interop.bif_reader import parse_bif
from causalppl.ir.mechanisms import TableMechanism
from causalppl.resources import stdlib_dir
from causalppl.semantics import check_program
from causalppl.semantics.lower import build_model
from causalppl.syntax import parse_program

QUICK = os.environ.get("BENCH_QUICK") == "1"
REPEATS = int(os.environ.get("BENCH_REPEATS", "3" if QUICK else "7"))
NETWORKS = ["alarm", "hailfinder", "pathfinder", "munin"] if QUICK else \
    ["alarm", "hailfinder", "win95pts", "link", "pathfinder", "munin", "barley", "mildew", "diabetes"]
PGMPY_NETWORKS = {"alarm", "hailfinder", "win95pts"}  # pgmpy takes minutes on the big ones
CHECK_SIZES = [5_000, 15_000] if QUICK else [5_000, 15_000, 47_000]
REPO = Path(__file__).resolve().parents[1]


def front_end(source: str) -> str:
    program = check_program(parse_program(source, "bench.scm"))
    return generate(build_model(program.model)).source


def _clock() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def interleaved(functions: dict[str, Callable[[], object]], repeats: int) -> dict[str, tuple[float, float]]:
    """Median (CPU, wall) seconds of each function, the functions taking turns; one warm-up call each."""
    for function in functions.values():
        function()
    cpu: dict[str, list[float]] = {name: [] for name in functions}
    wall: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            cpu0, wall0 = _clock()
            function()
            cpu1, wall1 = _clock()
            cpu[name].append(cpu1 - cpu0)
            wall[name].append(wall1 - wall0)
    return {name: (statistics.median(cpu[name]), statistics.median(wall[name])) for name in functions}


def _ms(figure: tuple[float, float]) -> str:
    return f"{figure[0] * 1000:8.1f} ms cpu ({figure[1] * 1000:8.1f} wall)"


def example_models() -> Path | None:
    try:
        import pgmpy
    except ImportError:
        return None
    return Path(pgmpy.__file__).parent / "utils" / "example_models"


def part_alarm(models: Path | None) -> None:
    print("1. alarm (37 variables): parse + check + IR + Pyro code generation")
    alarm = (stdlib_dir() / "alarm.scm").read_text()
    functions: dict[str, Callable[[], object]] = {"causalppl": lambda: front_end(alarm)}
    if models is not None:
        from pgmpy.readwrite import BIFReader

        text = gzip.decompress((models / "alarm.bif.gz").read_bytes()).decode()
        functions["pgmpy BIFReader.get_model"] = lambda: BIFReader(string=text).get_model()
    figures = interleaved(functions, REPEATS)
    for name, figure in figures.items():
        print(f"   {name:28s} {_ms(figure)}")
    if len(figures) == 2:
        ours, theirs = figures.values()
        print(f"   causalppl is {theirs[0] / ours[0]:.1f}x faster than pgmpy")


def part_networks(models: Path | None, folder: Path) -> None:
    print("2. cold load of bnlearn networks: causalppl.load(.scm) vs pyAgrum loadBN(.bif)")
    try:
        import pyagrum as gum
    except ImportError:
        gum = None
        print("   (pyAgrum is not installed: pip install -e '.[bench]')")
    if models is None:
        print("   (pgmpy is not installed: its example networks are the inputs)")
        return
    from pgmpy.readwrite import BIFReader

    print(f"   {'network':11s} {'vars':>5s} {'numbers':>8s} | {'causalppl.load':>14s} | {'pyAgrum':>9s} | "
          f"{'ratio':>5s} | {'our BIF reader':>14s} | {'pgmpy':>9s}")
    for name in NETWORKS:
        text = gzip.decompress((models / f"{name}.bif.gz").read_bytes()).decode()
        bif = folder / f"{name}.bif"
        bif.write_text(text, encoding="utf-8")
        scm = folder / f"{name}.scm"
        scm.write_text(convert_bif(text, name.capitalize()).source, encoding="utf-8")
        functions: dict[str, Callable[[], object]] = {
            "causalppl": lambda scm=scm: causalppl.load(scm),
            "bif reader": lambda text=text: parse_bif(text),
        }
        if gum is not None:
            functions["pyagrum"] = lambda bif=bif: gum.loadBN(str(bif))
        if name in PGMPY_NETWORKS:
            functions["pgmpy"] = lambda text=text: BIFReader(string=text).get_model()
        figures = interleaved(functions, REPEATS)
        model = causalppl.load(scm)
        numbers = sum(v.mechanism.rows.array.size for v in model.ir.model_variables
                      if isinstance(v.mechanism, TableMechanism))
        numbers += sum(len(dict(v.mechanism.arguments)["probs"].items) for v in model.ir.model_variables
                       if getattr(v.mechanism, "family", None) == "Categorical")
        ours = figures["causalppl"][0]
        theirs = figures.get("pyagrum", (float("nan"),))[0]
        pgmpy = figures.get("pgmpy", (float("nan"),))[0]
        print(f"   {name:11s} {len(model.ir.model_variables):5d} {numbers:8d} | {ours * 1000:11.0f} ms | "
              f"{theirs * 1000:6.0f} ms | {ours / theirs:5.2f} | {figures['bif reader'][0] * 1000:11.0f} ms | "
              + (f"{pgmpy * 1000:6.0f} ms" if pgmpy == pgmpy else "       --"))
    print("   (ms of CPU, medians; ratio = causalppl.load / pyAgrum loadBN, target <= 3)")


def part_linear() -> None:
    print("3. generated linear-Gaussian models: parse + check + IR + Pyro code generation")
    small, large = linear_chain_source(50), linear_chain_source(500)
    figures = interleaved({"50 variables": lambda: front_end(small), "500 variables": lambda: front_end(large)},
                          REPEATS)
    for name, figure in figures.items():
        print(f"   {name:28s} {_ms(figure)}")
    ratio = figures["500 variables"][0] / figures["50 variables"][0]
    print(f"   ratio 500/50: {ratio:.1f} (linear growth ~10; target < 15)")


def part_check(folder: Path) -> None:
    print("4. `causalppl check` in a fresh process on generated linear models")
    print(f"   {'variables':>9s} {'MB':>6s} {'cpu s':>7s} {'s/MB':>6s} {'peak MiB':>9s} {'MiB/MB':>7s}")
    for size in CHECK_SIZES:
        path = folder / f"linear{size}.scm"
        path.write_text(linear_chain_source(size), encoding="utf-8")
        megabytes = path.stat().st_size / 1e6
        # VmHWM (peak resident memory of this program, Linux) rather than ru_maxrss, which a child started
        # by fork and exec inherits from its parent.
        script = ("import os, sys\nfrom causalppl.cli import main\ncode = main(['check', sys.argv[1]])\n"
                  "times = os.times()\n"
                  "peak = next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM'))\n"
                  "print(times.user + times.system, peak, file=sys.stderr)\nsys.exit(code)")
        completed = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                                   cwd=REPO, check=True)
        cpu, peak_kib = map(float, completed.stderr.split())
        print(f"   {size:9d} {megabytes:6.2f} {cpu:7.2f} {cpu / megabytes:6.2f} {peak_kib / 1024:9.0f} "
              f"{peak_kib / 1024 / megabytes:7.0f}")
    print("   (whole process: interpreter start and imports included)")


def main() -> None:
    print(f"causalppl front end, {REPEATS} interleaved repeats")
    models = example_models()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        part_alarm(models)
        part_networks(models, folder)
        part_linear()
        part_check(folder)


if __name__ == "__main__":
    main()
