"""Exact answers against pyAgrum's LazyPropagation on bnlearn networks, to 1e-9: evidence, do, and batches.

pyAgrum gets the very tables causalppl compiled (built in Python, in double
precision: its BIF reader keeps single precision). ``do(X = x)`` on the
pyAgrum side is the definition: a copy of the network with X's arcs cut and
its table a point mass.
"""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import numpy as np
import pytest

gum = pytest.importorskip("pyagrum")
pgmpy = pytest.importorskip("pgmpy")

import causalppl as cp  # noqa: E402
from causalppl.backends.compiled import compiled_network  # noqa: E402
from causalppl.inference.estimate.exact import exact_rows  # noqa: E402
from causalppl.interop import bif  # noqa: E402

warnings.filterwarnings("ignore", category=FutureWarning)
EXAMPLES = Path(pgmpy.__file__).parent / "utils" / "example_models"
TOLERANCE = 1e-9


def load(name: str) -> cp.Model:
    original = bif.SUM_TOLERANCE
    bif.SUM_TOLERANCE = 0.0  # rows divided by their sums: both sides read exactly normalised tables
    try:
        return cp.loads(bif.convert_bif(bif.read_bif_text(EXAMPLES / f"{name}.bif.gz"), name.capitalize()).source)
    finally:
        bif.SUM_TOLERANCE = original


def agrum_network(model: cp.Model, cut: str | None = None, level: int = 0):
    compiled = compiled_network(model.ir)
    bn = gum.BayesNet()
    for variable in model.ir.model_variables:
        bn.add(gum.LabelizedVariable(variable.name, variable.name, list(variable.domain.labels)))
    for variable in model.ir.model_variables:
        if variable.name != cut:
            for parent in variable.parents:
                bn.addArc(parent, variable.name)
    for variable in model.ir.model_variables:
        cpt = bn.cpt(variable.name)
        if variable.name == cut:
            cpt.fillWith([1.0 if k == level else 0.0 for k in range(variable.domain.size)])
            continue
        scope, table = compiled.network._raw[compiled.index[variable.name]]
        order = [compiled.names[v] for v in scope]
        axes = list(reversed(cpt.names))
        cpt[:] = np.ascontiguousarray(np.transpose(table, [order.index(a) for a in axes]))
    return bn


def agrum_posterior(bn, target: str, evidence: dict[str, str]) -> np.ndarray:
    engine = gum.LazyPropagation(bn)
    engine.setEvidence(evidence)
    engine.addTarget(target)
    engine.makeInference()
    return engine.posterior(target).toarray()


@pytest.mark.parametrize("name", ["asia", "alarm", "child", "insurance"])
def test_evidence_and_do_queries_match_pyagrum(name):
    model = load(name)
    bn = agrum_network(model)
    variables = [v for v in model.ir.model_variables]
    rng = random.Random(3)
    samples = model.sample(12, seed=5)
    for k in range(12):
        target, *observed = rng.sample(variables, 4)
        intervened = observed.pop() if k % 2 else None
        level = rng.randrange(intervened.domain.size) if intervened else 0
        if intervened is not None:  # evidence drawn from the intervened model, so that it is possible
            samples_k = model.do({intervened.name: level}).sample(1, seed=k)
            values = {v.name: int(samples_k[v.name][0]) for v in observed}
        else:
            values = {v.name: int(samples[v.name][k]) for v in observed}
        evidence = {name: model.ir.variable(name).domain.labels[x] for name, x in values.items()}
        parts = ([f"do({intervened.name} = {intervened.domain.labels[level]})"] if intervened else [])
        parts += [f"{n} = {label}" for n, label in evidence.items()]
        ours = model.query(f"P({target.name} | {', '.join(parts)})", method="exact")
        other = agrum_network(model, intervened.name, level) if intervened else bn
        expected = agrum_posterior(other, target.name, evidence)
        got = np.fromiter(ours.distribution.values(), dtype=float)
        assert np.abs(got - expected).max() < TOLERANCE, (target.name, parts)


def test_a_batch_matches_pyagrum_row_by_row():
    model = load("alarm")
    bn = agrum_network(model)
    columns = ["HR", "BP", "SAO2", "EXPCO2", "HISTORY"]
    data = model.sample(300, seed=2)
    rows = {c: np.asarray(data[c]).astype(np.int64) for c in columns}
    leaf = model._check_query_text("P(LVFAILURE)").term
    got = exact_rows(model.ir, leaf, rows)
    for r in range(0, 300, 23):
        evidence = {c: model.ir.variable(c).domain.labels[int(rows[c][r])] for c in columns}
        assert np.abs(got[r] - agrum_posterior(bn, "LVFAILURE", evidence)).max() < TOLERANCE
