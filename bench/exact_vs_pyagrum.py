"""Exact inference on the bnlearn networks: causalppl against pyAgrum's LazyPropagation, in one run.

Run ``python -m bench.exact_vs_pyagrum`` from the repository root (needs
``pip install pyagrum``; ``--help`` lists the options). For every bnlearn
network bundled with pgmpy, both sides read the same numbers: the BIF file
is converted to ``.scm`` with every table row divided by its sum, and the
same rows are written back as a BIF file for pyAgrum (level names
sanitised, so that pyAgrum parses them all). Four workloads:

* **warm**: ``P(T | three observed variables)``, T and the evidence drawn at
  random (evidence levels from a simulated unit, so it is possible), on a
  network both engines have compiled and queried before. Every repeat draws
  fresh queries, so no side answers a query it has seen. causalppl is timed
  at the query layer (a checked query to its answer: ``plan.answer``, the
  path of ``Model.query`` after the text is parsed) and at the engine
  (``CompiledNetwork.query`` of a second compiled copy, so each has its own
  caches); pyAgrum with T as its only target.
* **do**: ``P(T | do(X = x), two observed variables)``. causalppl answers by
  surgery on its compiled network; pyAgrum has no do-operator in
  LazyPropagation, so the network is copied, X's arcs cut and its table set
  to the point mass, and a LazyPropagation built on the copy (what
  ``pyagrum.causal`` does for an identified query without latent variables).
* **cold**: load the network and answer one query in a fresh state.
  causalppl's time is split into the front end (``cp.loads`` of the
  ``.scm`` text) and the engine (tabulating, compiling and answering);
  pyAgrum's is ``loadBN`` of the BIF file plus the query.
* **batch**: ``P(T | row)`` for 100,000 rows over eight observed variables
  (simulated from the network), one answer per row. causalppl answers all
  rows with ``exact_rows``; pyAgrum numbers the rows, de-duplicates them
  with numpy and loops over the distinct ones with ``chgEvidence`` (that
  time included: both sides go from the columns to per-row answers). When
  the loop would take long, a prefix of the distinct rows is timed and
  scaled (said in the output).

Every answer of causalppl is compared with pyAgrum's (largest difference
printed; the run stops when it exceeds 1e-9). Repeats are interleaved and
medians (warm, do, cold) or best times (batch) reported. ``--networks``
picks a subset.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import statistics
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore", category=FutureWarning)

import pgmpy  # noqa: E402  (only for the BIF files it bundles)
import pyagrum as gum  # noqa: E402

import causalppl as cp  # noqa: E402
from causalppl.backends.compiled import clear_compiled_cache, compiled_network  # noqa: E402
from causalppl.inference.estimate.exact import exact_rows  # noqa: E402
from causalppl.inference.options import Options  # noqa: E402
from causalppl.inference.plan import answer  # noqa: E402
from causalppl.interop import bif  # noqa: E402

EXAMPLES = Path(pgmpy.__file__).parent / "utils" / "example_models"
NETWORKS = ("asia", "cancer", "earthquake", "sachs", "survey", "alarm", "barley", "child", "insurance", "mildew",
            "water", "hailfinder", "hepar2", "win95pts", "andes", "diabetes", "pathfinder", "pigs", "link",
            "munin1", "munin2", "munin3", "munin4", "munin")
TOLERANCE = 1e-9


@dataclass
class Network:
    name: str
    source: str  # .scm text
    bif_path: Path  # the same numbers, for pyAgrum
    names: dict[str, str]  # BIF name -> .scm name
    states: dict[str, list[str]]  # .scm name -> .scm level names, in order
    parents: dict[str, list[str]]  # .scm names


def prepare(name: str, folder: Path) -> Network:
    text = bif.read_bif_text(EXAMPLES / f"{name}.bif.gz")
    original = bif.SUM_TOLERANCE
    bif.SUM_TOLERANCE = 0.0
    try:
        conversion = bif.convert_bif(text, name.capitalize())
    finally:
        bif.SUM_TOLERANCE = original
    network = bif.parse_bif(text)
    names = conversion.variable_names
    states = {names[v]: [conversion.level_names[v][s] for s in var.states] for v, var in network.variables.items()}
    parents = {names[c.child]: [names[p] for p in c.parents] for c in network.cpds.values()}
    lines = [f"network {name} {{\n}}"]
    for v, var in network.variables.items():
        lines.append(f"variable {names[v]} {{\n  type discrete [ {len(var.states)} ] {{ {', '.join(states[names[v]])} }};\n}}")
    for cpd in network.cpds.values():
        child = names[cpd.child]
        rows = [[x / math.fsum(row) for x in row] for row in cpd.rows]
        if not cpd.parents:
            lines.append(f"probability ( {child} ) {{\n  table {', '.join(map(repr, rows[0]))};\n}}")
            continue
        body = []
        levels = [states[names[p]] for p in cpd.parents]
        for combo, row in zip(_product(levels), rows):
            body.append(f"  ({', '.join(combo)}) {', '.join(map(repr, row))};")
        lines.append(f"probability ( {child} | {', '.join(names[p] for p in cpd.parents)} ) {{\n" + "\n".join(body)
                     + "\n}")
    path = folder / f"{name}.bif"
    path.write_text("\n".join(lines) + "\n")
    return Network(name, conversion.source, path, names, states, parents)


def _product(levels):
    if not levels:
        yield ()
        return
    for first in levels[0]:
        for rest in _product(levels[1:]):
            yield (first, *rest)


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    target: str
    evidence: dict[str, str]
    intervened: str | None = None
    setting: str | None = None

    def text(self) -> str:
        parts = [f"do({self.intervened} = {self.setting})"] if self.intervened else []
        parts += [f"{v} = {s}" for v, s in self.evidence.items()]
        return f"P({self.target} | {', '.join(parts)})"


def simulate(net: Network, model, rows: int, seed: int, wanted: list[str]) -> dict[str, np.ndarray]:
    """Forward samples (level positions) of ``wanted`` and their ancestors, all rows at once per variable."""
    compiled = compiled_network(model.ir)
    rng = np.random.default_rng(seed)
    needed = model.ir.ancestors(wanted)
    values: dict[str, np.ndarray] = {}
    for variable in model.ir.model_variables:
        if variable.name not in needed:
            continue
        scope, table = compiled.network._raw[compiled.index[variable.name]]
        index = tuple(values[compiled.names[v]] for v in scope[:-1])
        probs = table[index] if index else np.broadcast_to(table, (rows, table.shape[-1]))
        cumulative = np.cumsum(probs, axis=-1)
        draws = rng.random(rows)[:, None]
        values[variable.name] = np.minimum((draws > cumulative).sum(axis=-1), table.shape[-1] - 1)
    return {name: values[name] for name in wanted}


def random_queries(net: Network, model, count: int, seed: int, evidence: int, do: bool) -> list[Query]:
    rng = random.Random(seed)
    variables = sorted(net.states)
    queries = []
    for k in range(count):
        while True:
            chosen = rng.sample(variables, evidence + 1 + do)
            target, observed = chosen[0], chosen[1:1 + evidence]
            intervened = chosen[-1] if do else None
            setting = rng.choice(net.states[intervened]) if do else None
            sample = simulate_do(net, model, seed * 1000 + k, observed, intervened, setting)
            query = Query(target, {v: net.states[v][int(sample[v][0])] for v in observed}, intervened, setting)
            break
        queries.append(query)
    return queries


def simulate_do(net, model, seed, observed, intervened, setting):
    if intervened is None:
        return simulate(net, model, 1, seed, observed)
    mutilated = model.do({intervened: setting})
    return simulate(net, mutilated, 1, seed, observed)


class Agrum:
    """pyAgrum on the network's BIF file; ``exact`` overwrites its tables in double precision.

    pyAgrum's BIF reader keeps single-precision numbers (0.98 reads as
    0.98000002), so the answers compared to 1e-9 come from tables filled
    from Python doubles; the cold workload times ``loadBN`` as a user
    would call it, and checks its answer against the exact tables.
    """

    def __init__(self, path: Path, exact=None) -> None:
        self.bn = gum.loadBN(str(path))
        if exact is not None:
            for name in exact.names:
                scope, table = exact.network._raw[exact.index[name]]
                order = [exact.names[v] for v in scope]
                cpt = self.bn.cpt(name)
                axes = list(reversed(cpt.names))
                cpt[:] = np.ascontiguousarray(np.transpose(table, [order.index(a) for a in axes]))
        self.engine = gum.LazyPropagation(self.bn)

    def query(self, query: Query) -> np.ndarray:
        if query.intervened is None:
            engine = self.engine
        else:
            bn = gum.BayesNet(self.bn)
            for parent in list(bn.parents(query.intervened)):
                bn.eraseArc(parent, bn.idFromName(query.intervened))
            labels = list(bn.variable(query.intervened).labels())
            bn.cpt(query.intervened).fillWith([1.0 if label == query.setting else 0.0 for label in labels])
            engine = gum.LazyPropagation(bn)
        engine.eraseAllEvidence()
        engine.eraseAllTargets()
        engine.setEvidence(query.evidence)
        engine.addTarget(query.target)
        engine.makeInference()
        return engine.posterior(query.target).toarray()


class Ours:
    def __init__(self, source: str, net: Network) -> None:
        self.model = cp.loads(source)
        self.net = net
        self.options = Options(method="exact")
        self.compiled = compiled_network(self.model.ir)
        self.twin = compiled_network(cp.loads(source).ir)  # the engine timed alone, with caches of its own

    def spec(self, query: Query):
        return self.model._check_query_text(query.text())

    def answer(self, spec) -> np.ndarray:
        result = answer(self.model.ir, spec, self.options)
        return np.fromiter(result.distribution.values(), dtype=np.float64)

    def engine(self, query: Query) -> np.ndarray:
        c = self.twin
        hard = {c.index[v]: self.net.states[v].index(s) for v, s in query.evidence.items()}
        do = {c.index[query.intervened]: self.net.states[query.intervened].index(query.setting)} \
            if query.intervened else {}
        return c.network.posterior((c.index[query.target],), hard, {}, do)


def median(values):
    return statistics.median(values)


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- workloads


def bench_warm(net: Network, ours: Ours, agrum: Agrum, queries: int, repeats: int, do: bool, seed: int):
    """Median per-query seconds (query layer, engine, pyAgrum) and the largest difference.

    Each query is timed on its own, the sides alternating query by query,
    so that a pause of the (shared) machine spoils single queries, not a
    whole side; the medians are reported.
    """
    layer, engine, theirs = [], [], []
    worst = 0.0
    for rep in range(repeats):
        batch = random_queries(net, ours.model, queries, seed + 7919 * rep, 2 if do else 3, do)
        specs = [ours.spec(q) for q in batch]
        agrum.query(batch[0])  # both engines have answered a query before
        ours.answer(specs[0])
        ours.engine(batch[0])
        for k, (query, spec) in enumerate(zip(batch, specs)):
            for side in (("ours", "agrum") if (rep + k) % 2 == 0 else ("agrum", "ours")):
                start = time.perf_counter()
                if side == "ours":
                    got = ours.answer(spec)
                    layer.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    direct = ours.engine(query)  # the same query, on a network with caches of its own
                    engine.append(time.perf_counter() - start)
                else:
                    expected = agrum.query(query)
                    theirs.append(time.perf_counter() - start)
            difference = max(float(np.abs(got - expected).max()), float(np.abs(direct - expected).max()))
            if difference > TOLERANCE:
                raise AssertionError(f"{net.name}: {query.text()}: difference {difference}")
            worst = max(worst, difference)
    return median(layer), median(engine), median(theirs), worst


def bench_cold(net: Network, repeats: int, seed: int):
    """Median seconds: causalppl front end, causalppl engine, pyAgrum (load + first query)."""
    front, back, theirs = [], [], []
    probe_model = cp.loads(net.source)
    query = random_queries(net, probe_model, 1, seed, 3, False)[0]
    reference = Agrum(net.bif_path, compiled_network(probe_model.ir)).query(query)
    del probe_model
    for rep in range(repeats):
        for side in (("ours", "agrum") if rep % 2 == 0 else ("agrum", "ours")):
            clear_compiled_cache()
            gc.collect()
            if side == "ours":
                start = time.perf_counter()
                model = cp.loads(net.source)
                spec = model._check_query_text(query.text())
                loaded = time.perf_counter()
                result = answer(model.ir, spec, Options(method="exact"))
                done = time.perf_counter()
                front.append(loaded - start)
                back.append(done - loaded)
                mine = np.fromiter(result.distribution.values(), dtype=np.float64)
            else:
                start = time.perf_counter()
                Agrum(net.bif_path).query(query)
                theirs.append(time.perf_counter() - start)
        if np.abs(mine - reference).max() > TOLERANCE:
            raise AssertionError(f"{net.name} cold: {mine} vs {reference}")
    return median(front), median(back), median(theirs)


def bench_batch(net: Network, ours: Ours, agrum: Agrum, rows: int, observed: int, budget: float, seed: int,
                repeats: int):
    """Per-row answers for ``rows`` rows: causalppl's ``exact_rows`` against pyAgrum looping over distinct rows.

    Both sides start from the same level columns and end with one answer
    per row: pyAgrum's time includes numbering the rows, ``np.unique`` of
    the numbers and spreading the answers back (the cheapest numpy way;
    small next to its loop unless distinct rows are few). Best of
    ``repeats`` for each side.
    """
    rng = random.Random(seed)
    variables = sorted(net.states)
    chosen = rng.sample(variables, observed + 1)
    target, columns = chosen[0], sorted(chosen[1:])
    data = simulate(net, ours.model, rows, seed, columns)
    leaf = ours.model._check_query_text(f"P({target})").term
    mine = exact_rows(ours.model.ir, leaf, data)
    ours_time = min(timed(lambda: exact_rows(ours.model.ir, leaf, data)) for _ in range(repeats))
    engine = gum.LazyPropagation(agrum.bn)
    engine.addTarget(target)
    cards = [len(net.states[c]) for c in columns]

    def loop(limit: float):
        start = time.perf_counter()
        codes = np.zeros(rows, dtype=np.int64)
        for c, card in zip(columns, cards):
            codes = codes * card + data[c]
        numbers, first_rows, inverse = np.unique(codes, return_index=True, return_inverse=True)
        answers = []
        engine.setEvidence({c: net.states[c][int(data[c][first_rows[0]])] for c in columns})
        for row in first_rows:
            for c in columns:
                engine.chgEvidence(c, net.states[c][int(data[c][row])])
            engine.makeInference()
            answers.append(engine.posterior(target).toarray())
            if time.perf_counter() - start > limit:
                break
        done = len(answers)
        if done == len(numbers):
            spread = np.asarray(answers)[inverse]
            return time.perf_counter() - start, done, len(numbers), spread, first_rows
        elapsed = time.perf_counter() - start
        return elapsed * len(numbers) / done, done, len(numbers), np.asarray(answers), first_rows

    results = [loop(budget) for _ in range(repeats)]
    theirs, done, distinct, answers, first_rows = min(results, key=lambda r: r[0])
    if done == distinct:
        worst = float(np.abs(mine - answers).max())
    else:
        worst = float(np.abs(mine[first_rows[:done]] - answers).max())
    if worst > TOLERANCE:
        raise AssertionError(f"{net.name} batch: difference {worst}")
    return target, columns, distinct, ours_time, theirs, done, worst


# --------------------------------------------------------------------------- main


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} cores, {memory:.0f} GiB; Python {platform.python_version()}"


def geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", default=",".join(NETWORKS))
    parser.add_argument("--queries", type=int, default=20, help="fresh queries per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--observed", type=int, default=8, help="evidence columns of the batch")
    parser.add_argument("--loop-budget", type=float, default=5.0, help="seconds pyAgrum's row loop is timed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip", default="", help="workloads to skip: warm,do,cold,batch")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    print(f"machine: {machine()}; pyAgrum {gum.__version__}, numpy {np.__version__}")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.networks.split(","):
            net = prepare(name, Path(folder))
            print(f"\n== {name}: {len(net.states)} variables", flush=True)
            try:
                ours = Ours(net.source, net)
            except Exception as error:  # noqa: BLE001  (reported, the run goes on)
                print(f"  causalppl: {error}")
                continue
            if ours.compiled.network is None:
                print(f"  causalppl refuses to compile it: {ours.compiled.too_large}")
                continue
            agrum = Agrum(net.bif_path, ours.compiled)
            row = {"network": name}
            if "warm" not in skip:
                layer, engine, theirs, worst = bench_warm(net, ours, agrum, args.queries, args.repeats, False,
                                                          args.seed)
                row.update(warm=(layer, engine, theirs))
                print(f"  warm P(T | 3 observed): query layer {layer * 1e3:.3f} ms, engine {engine * 1e3:.3f} ms, "
                      f"pyAgrum {theirs * 1e3:.3f} ms -> {theirs / layer:.2f}x (engine {theirs / engine:.2f}x); "
                      f"max diff {worst:.1e}", flush=True)
            if "do" not in skip:
                layer, engine, theirs, worst = bench_warm(net, ours, agrum, args.queries, args.repeats, True,
                                                          args.seed + 1)
                row.update(do=(layer, engine, theirs))
                print(f"  do P(T | do(X), 2 observed): query layer {layer * 1e3:.3f} ms, engine {engine * 1e3:.3f} ms,"
                      f" pyAgrum (copy + cut + LazyPropagation) {theirs * 1e3:.3f} ms -> {theirs / layer:.2f}x; "
                      f"max diff {worst:.1e}", flush=True)
            if "batch" not in skip:
                target, columns, distinct, mine, theirs, done, worst = bench_batch(
                    net, ours, agrum, args.rows, min(args.observed, len(net.states) - 1), args.loop_budget, args.seed,
                    args.repeats)
                row.update(batch=(mine, theirs, distinct))
                scaled = "" if done == distinct else f" (timed {done} of {distinct} distinct rows, scaled)"
                print(f"  batch {args.rows} rows, {len(columns)} columns, {distinct} distinct: causalppl "
                      f"{mine * 1e3:.1f} ms, pyAgrum loop {theirs * 1e3:.1f} ms{scaled} -> {theirs / mine:.1f}x; "
                      f"max diff {worst:.1e}", flush=True)
            if "cold" not in skip:
                del ours
                front, back, theirs = bench_cold(net, args.repeats, args.seed)
                row.update(cold=(front, back, theirs))
                print(f"  cold: causalppl {1e3 * (front + back):.1f} ms (front end {front * 1e3:.1f}, engine "
                      f"{back * 1e3:.1f}), pyAgrum {theirs * 1e3:.1f} ms -> total {(front + back) / theirs:.1f}x, "
                      f"engine {back / theirs:.2f}x of pyAgrum", flush=True)
            rows.append(row)
    summarise(rows)


def summarise(rows) -> None:
    print("\n== summary (ratios: pyAgrum time / causalppl time; above 1 is faster)")
    for key, label in (("warm", "warm evidence queries"), ("do", "do-queries")):
        found = [r[key] for r in rows if key in r]
        if found:
            print(f"  {label}: geometric mean {geometric_mean([t / q for q, _, t in found]):.2f}x at the query "
                  f"layer, {geometric_mean([t / e for _, e, t in found]):.2f}x at the engine "
                  f"(range {min(t / q for q, _, t in found):.2f}-{max(t / q for q, _, t in found):.2f}x)")
    found = [r["batch"] for r in rows if "batch" in r]
    if found:
        ratios = [t / m for m, t, _ in found]
        print(f"  batches: {min(ratios):.1f}-{max(ratios):.1f}x, geometric mean {geometric_mean(ratios):.1f}x")
    found = [r["cold"] for r in rows if "cold" in r]
    if found:
        print(f"  cold, engine only (causalppl engine / pyAgrum total): "
              f"{min(b / t for _, b, t in found):.2f}-{max(b / t for _, b, t in found):.2f}x; with the front end "
              f"{min((f + b) / t for f, b, t in found):.1f}-{max((f + b) / t for f, b, t in found):.1f}x")


if __name__ == "__main__":
    main()
