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
  with ``np.unique`` and loops over the distinct ones with ``chgEvidence``,
  then spreads the answers back with ``np.take``: that work is timed too,
  since a user looping over distinct rows must find them, and it is
  written in the cheapest plain numpy found (see ``bench_batch``; its
  share is printed). When the loop would take long, a prefix of the
  distinct rows is timed and scaled (said in the output). The user's path
  is timed beside it: ``Model.score`` of the per-row query
  ``P(T | columns)`` on a DataFrame of the same level columns (validating
  the columns and building the scored frame included).

Every answer of causalppl is compared with pyAgrum's (largest difference
printed; the run stops when it exceeds 1e-9). Repeats are interleaved and
medians reported. ``--networks``
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
import pandas as pd

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


def simulate(net: Network, model, rows: int, seed: int, wanted: list[str],
             intervened: dict[str, int] | None = None) -> dict[str, np.ndarray]:
    """Forward samples (level positions) of ``wanted`` and their ancestors, all rows at once per variable;
    ``intervened`` variables are set to their levels (do), the others drawn from the network's tables."""
    compiled = compiled_network(model.ir)
    rng = np.random.default_rng(seed)
    needed = model.ir.ancestors(wanted)
    values: dict[str, np.ndarray] = {}
    for variable in model.ir.model_variables:
        if variable.name not in needed:
            continue
        if intervened and variable.name in intervened:
            values[variable.name] = np.full(rows, intervened[variable.name])
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
    """One unit under ``do(intervened = setting)``, drawn with the model's own network (a mutilated model
    need not compile: its triangulation can differ)."""
    if intervened is None:
        return simulate(net, model, 1, seed, observed)
    return simulate(net, model, 1, seed, observed, {intervened: net.states[intervened].index(setting)})


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

    Both sides start from the same integer level columns and end with one
    answer per row. pyAgrum's side is what a user looping over the distinct
    rows must write, in the cheapest plain numpy we found: number the rows
    in mixed radix (in place), ``np.unique(numbers, return_inverse=True)``
    (asking for ``return_index`` too costs about 4x more, so the distinct
    rows' levels are decoded from their numbers instead), one
    ``chgEvidence`` per column with integer levels, ``makeInference`` and
    ``posterior`` per distinct row, and ``np.take`` to spread the answers
    back (fancy indexing costs about 10x more). All of it is timed; the
    numbering, de-duplicating and spreading part is also reported alone.
    causalppl's time is one ``exact_rows`` call, which does the same work
    inside. The first call of a query plans it (reported apart); the timed
    calls reuse the plans, as a second chunk of the same query does. The
    sides alternate; medians of ``repeats`` (of each part on pyAgrum's side).
    """
    rng = random.Random(seed)
    variables = sorted(net.states)
    chosen = rng.sample(variables, observed + 1)
    target, columns = chosen[0], sorted(chosen[1:])
    data = simulate(net, ours.model, rows, seed, columns)
    leaf = ours.model._check_query_text(f"P({target})").term
    start = time.perf_counter()
    mine = exact_rows(ours.model.ir, leaf, data)  # the first batch of this query plans it
    first_call = time.perf_counter() - start
    engine = gum.LazyPropagation(agrum.bn)
    engine.addTarget(target)
    cards = [len(net.states[c]) for c in columns]
    strides = np.cumprod([1, *cards[:0:-1]])[::-1].astype(np.int64)
    levels_of_target = len(net.states[target])

    def loop(limit: float):
        """Seconds: de-duplicating by sorting, by counting, the loop (scaled when cut short), spreading back."""
        start = time.perf_counter()
        numbers, inverse = number_by_sorting(data, columns, cards)
        sorted_at = time.perf_counter()
        counted, counted_inverse = number_by_counting(data, columns, cards)
        counted_at = time.perf_counter()
        assert np.array_equal(numbers, counted) and np.array_equal(inverse, counted_inverse)
        levels = (numbers[:, None] // strides) % np.asarray(cards)  # the distinct rows, decoded
        answers = np.zeros((len(numbers), levels_of_target))
        engine.setEvidence({c: int(x) for c, x in zip(columns, levels[0])})
        done = 0
        for row in levels.tolist():
            for c, x in zip(columns, row):
                engine.chgEvidence(c, x)
            engine.makeInference()
            answers[done] = engine.posterior(target).toarray()
            done += 1
            if time.perf_counter() - counted_at > limit:
                break
        looped = time.perf_counter()
        spread = np.take(answers, inverse, axis=0)
        spread_time = time.perf_counter() - looped
        looping = (looped - counted_at) * len(numbers) / done
        return sorted_at - start, counted_at - sorted_at, looping, spread_time, done, len(numbers), spread, answers

    frame = pd.DataFrame(data)  # the user's rows: one column of level positions per observed variable
    per_row = f"P({target} | {', '.join(columns)})"
    scored = ours.model.score(frame, per_row)
    labels = [f"q1[{level}]" for level in net.states[target]]
    if np.abs(scored[labels].to_numpy() - mine).max() > TOLERANCE:
        raise AssertionError(f"{net.name} batch: Model.score differs from exact_rows")
    ours_times, score_times, results = [], [], []
    for rep in range(repeats):  # the sides alternate
        for side in (("ours", "agrum") if rep % 2 == 0 else ("agrum", "ours")):
            if side == "ours":
                ours_times.append(timed(lambda: exact_rows(ours.model.ir, leaf, data)))
                score_times.append(timed(lambda: ours.model.score(frame, per_row)))
            else:
                results.append(loop(budget))
    ours_time = median(ours_times)
    sorting = median([r[0] for r in results])
    counting = median([r[1] for r in results])
    looping = median([r[2] for r in results])
    spreading = median([r[3] for r in results])
    _, _, _, _, done, distinct, spread, answers = results[-1]
    if done == distinct:
        worst = float(np.abs(mine - spread).max())
    else:  # the first ``done`` distinct rows, in the order of their numbers
        first = first_rows(data, columns, cards)
        worst = float(np.abs(mine[first[:done]] - answers[:done]).max())
    if worst > TOLERANCE:
        raise AssertionError(f"{net.name} batch: difference {worst}")
    return BatchTimes(target, columns, distinct, done, ours_time, first_call, sorting, counting, looping, spreading,
                      worst, median(score_times))


@dataclass
class BatchTimes:
    target: str
    columns: list
    distinct: int
    done: int  # distinct rows pyAgrum's loop answered (all, or a timed prefix)
    ours: float  # median exact_rows call (plans reused)
    first_call: float  # exact_rows' first call of this query (planning it)
    sorting: float  # pyAgrum side: numbering + np.unique(return_inverse=True)
    counting: float  # pyAgrum side: numbering + counting (linear time, as exact_rows does)
    looping: float  # pyAgrum side: the loop over distinct rows (scaled when cut short)
    spreading: float  # pyAgrum side: np.take back to the rows

    worst: float
    score: float  # median Model.score of the per-row query on a DataFrame (the user's path)

    @property
    def theirs(self) -> float:
        """pyAgrum's whole side with the plain de-duplication (``np.unique``)."""
        return self.sorting + self.looping + self.spreading

    @property
    def theirs_counting(self) -> float:
        """pyAgrum's whole side with the same linear-time de-duplication as causalppl."""
        return self.counting + self.looping + self.spreading


def number_by_sorting(data, columns, cards):
    """The rows numbered in mixed radix (in place), then ``np.unique``: what a user would write."""
    codes = data[columns[0]].astype(np.int64)
    for c, card in zip(columns[1:], cards[1:]):
        codes *= card
        codes += data[c]
    return np.unique(codes, return_inverse=True)


def number_by_counting(data, columns, cards):
    """The same numbers by counting in a table when they are few (linear time), else ``np.unique``."""
    codes = data[columns[0]].astype(np.int64)
    for c, card in zip(columns[1:], cards[1:]):
        codes *= card
        codes += data[c]
    total = math.prod(cards)
    if total > max(4 * len(codes), 2**16):
        return np.unique(codes, return_inverse=True)
    numbers = np.flatnonzero(np.bincount(codes, minlength=total))
    rank = np.zeros(total, dtype=np.int64)
    rank[numbers] = np.arange(len(numbers))
    return numbers, rank.take(codes)


def first_rows(data, columns, cards) -> np.ndarray:
    """For each distinct row (in the order of its number), the first row holding it (not timed)."""
    codes = np.zeros(len(data[columns[0]]), dtype=np.int64)
    for c, card in zip(columns, cards):
        codes = codes * card + data[c]
    return np.unique(codes, return_index=True)[1]


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
                b = bench_batch(net, ours, agrum, args.rows, min(args.observed, len(net.states) - 1),
                                args.loop_budget, args.seed, args.repeats)
                row.update(batch=(b.ours, b.theirs, b.distinct, b.theirs_counting), score=(b.score, b.theirs))
                scaled = "" if b.done == b.distinct else f" (loop timed on {b.done} of {b.distinct} distinct rows, scaled)"
                print(f"  batch {args.rows} rows, {len(b.columns)} columns, {b.distinct} distinct: causalppl "
                      f"{b.ours * 1e3:.2f} ms (first call, planning, {b.first_call * 1e3:.2f} ms); pyAgrum "
                      f"{b.theirs * 1e3:.2f} ms = np.unique {b.sorting * 1e3:.2f} + loop {b.looping * 1e3:.2f} + "
                      f"spread {b.spreading * 1e3:.2f}{scaled} -> {b.theirs / b.ours:.1f}x; with counting instead "
                      f"of np.unique ({b.counting * 1e3:.2f} ms) {b.theirs_counting / b.ours:.1f}x; max diff "
                      f"{b.worst:.1e}", flush=True)
                print(f"  batch through Model.score on a DataFrame: {b.score * 1e3:.2f} ms -> "
                      f"{b.theirs / b.score:.1f}x", flush=True)
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
        ratios = [t / m for m, t, _, _ in found]
        counted = [t / m for m, _, _, t in found]
        print(f"  batches: {min(ratios):.1f}-{max(ratios):.1f}x, geometric mean {geometric_mean(ratios):.1f}x; "
              f"pyAgrum de-duplicating by counting: {min(counted):.1f}-{max(counted):.1f}x, geometric mean "
              f"{geometric_mean(counted):.1f}x")
        scored = [t / s for s, t in (r["score"] for r in rows if "score" in r)]
        print(f"  batches through Model.score (DataFrame in, scored DataFrame out): {min(scored):.1f}-"
              f"{max(scored):.1f}x, geometric mean {geometric_mean(scored):.1f}x")
    found = [r["cold"] for r in rows if "cold" in r]
    if found:
        print(f"  cold, engine only (causalppl engine / pyAgrum total): "
              f"{min(b / t for _, b, t in found):.2f}-{max(b / t for _, b, t in found):.2f}x; with the front end "
              f"{min((f + b) / t for f, b, t in found):.1f}-{max((f + b) / t for f, b, t in found):.1f}x")


if __name__ == "__main__":
    main()
