"""Exact do/evidence queries on bnlearn networks agree with pgmpy to 1e-9.

Each network is read from the BIF file bundled with pgmpy, converted to
`.scm` source, and queried by our exact engine.  Every query is compared
with ``VariableElimination`` on the mutilated network built by hand (the
intervened variable's incoming edges removed, its table replaced by a point
mass), which is the definition of P(Y | do(X = x), E = e).  Queries about
descendants of X, without evidence or with evidence on parents of X, are
also compared with pgmpy's ``CausalInference.query``.  pgmpy refuses queries
about ancestors of X, and for other evidence it computes
sum_z P(Y | x, z) P(z | e) over the parents z of X, dropping e from the
first factor, which differs from the definition unless Y and e are
independent given x and z -- so those cases are checked by hand only.
Both sides use the networks with rows normalised exactly (see
:func:`normalized_conversion`).
"""

from __future__ import annotations

import logging
import random
import warnings
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

warnings.filterwarnings("ignore", category=FutureWarning)
logging.getLogger("pgmpy").setLevel(logging.ERROR)

pgmpy = pytest.importorskip("pgmpy")
from pgmpy.factors.discrete import TabularCPD  # noqa: E402
from pgmpy.inference import CausalInference, VariableElimination  # noqa: E402
from pgmpy.utils import get_example_model  # noqa: E402  (reads the bundled BIF files)

import causalppl as cp  # noqa: E402
from causalppl.interop import bif  # noqa: E402
from causalppl.interop.bif import convert_bif, read_bif_text  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # pgmpy's deprecation notices

NETWORKS = ("asia", "sachs", "alarm", "child", "insurance")
TOLERANCE = 1e-9
EXAMPLES = Path(pgmpy.__file__).parent / "utils" / "example_models"


def normalized_conversion(name: str):
    """The network's `.scm` source with every table row divided by its sum.

    sachs and alarm list rows that sum to 1 +- 1e-7; algebraically equal
    formulas (elimination, adjustment) then differ by about 1e-9, so both
    sides are compared on the same exactly normalised network.
    """
    original = bif.SUM_TOLERANCE
    bif.SUM_TOLERANCE = 0.0
    try:
        return convert_bif(read_bif_text(EXAMPLES / f"{name}.bif.gz"), name.capitalize())
    finally:
        bif.SUM_TOLERANCE = original


@dataclass(frozen=True)
class Case:
    target: str
    intervened: str
    setting: str
    evidence: dict[str, str]
    about_descendant: bool


class Network:
    """One bnlearn network: pgmpy's model and ours, with the renaming between them."""

    def __init__(self, name: str) -> None:
        self.pgmpy = get_example_model(name)
        for cpd in self.pgmpy.get_cpds():
            cpd.normalize()
        conversion = normalized_conversion(name)
        self.model = cp.loads(conversion.source)
        self.names = conversion.variable_names
        self.levels = conversion.level_names
        self.graph = nx.DiGraph(self.pgmpy.edges())
        self.graph.add_nodes_from(self.pgmpy.nodes())

    def states(self, variable: str) -> list[str]:
        return list(self.pgmpy.get_cpds(variable).state_names[variable])

    def ours(self, case: Case) -> np.ndarray:
        conditions = [f"do({self.names[case.intervened]} = {self.levels[case.intervened][case.setting]})"]
        conditions += [f"{self.names[v]} = {self.levels[v][level]}" for v, level in case.evidence.items()]
        result = self.model.query(f"P({self.names[case.target]} | {', '.join(conditions)})", method="exact")
        labels = [self.levels[case.target][state] for state in self.states(case.target)]
        return np.array([result.distribution[label] for label in labels])

    def mutilated(self, variable: str, setting: str):
        network = self.pgmpy.copy()
        network.remove_cpds(network.get_cpds(variable))
        for parent in list(network.get_parents(variable)):
            network.remove_edge(parent, variable)
        states = self.states(variable)
        point_mass = [[1.0 if state == setting else 0.0] for state in states]
        network.add_cpds(TabularCPD(variable, len(states), point_mass, state_names={variable: states}))
        return network

    def by_hand(self, case: Case) -> np.ndarray:
        engine = VariableElimination(self.mutilated(case.intervened, case.setting))
        factor = engine.query([case.target], evidence=case.evidence, show_progress=False)
        order = [factor.state_names[case.target].index(s) for s in self.states(case.target)]
        return np.asarray(factor.values, dtype=np.float64)[order]

    def by_pgmpy(self, case: Case) -> np.ndarray:
        factor = CausalInference(self.pgmpy).query([case.target], do={case.intervened: case.setting},
                                                   evidence=case.evidence or None, show_progress=False)
        order = [factor.state_names[case.target].index(s) for s in self.states(case.target)]
        return np.asarray(factor.values, dtype=np.float64)[order]

    def likely_level(self, variable: str, intervened: str, setting: str, evidence: dict) -> str:
        """The most probable level of ``variable`` in the mutilated network (so evidence is possible)."""
        engine = VariableElimination(self.mutilated(intervened, setting))
        factor = engine.query([variable], evidence=evidence, show_progress=False)
        return factor.state_names[variable][int(np.argmax(factor.values))]

    def cases(self, seed: int, count: int) -> list[Case]:
        rng = random.Random(seed)
        candidates = sorted(n for n in self.graph if self.graph.in_degree(n) and self.graph.out_degree(n))
        cases: list[Case] = []
        while len(cases) < count:
            intervened = rng.choice(candidates)
            setting = rng.choice(self.states(intervened))
            descendants = sorted(nx.descendants(self.graph, intervened))
            ancestors = sorted(nx.ancestors(self.graph, intervened))
            parents = sorted(self.graph.predecessors(intervened))
            kind = len(cases) % 3
            if kind == 0:  # a descendant, evidence on a parent: pgmpy's CausalInference answers it
                target, observed = rng.choice(descendants), rng.choice(parents)
            elif kind == 1:  # an ancestor of the intervened variable, evidence downstream of it
                target, observed = rng.choice(ancestors), rng.choice(descendants)
            else:  # a descendant, with evidence on any other variable
                target = rng.choice(descendants)
                observed = rng.choice(sorted(set(self.graph) - {target, intervened}))
            level = self.likely_level(observed, intervened, setting, {})
            cases.append(Case(target, intervened, setting, {observed: level}, kind == 0))
        return cases


@pytest.fixture(scope="module", params=NETWORKS)
def network(request) -> Network:
    return Network(request.param)


def test_do_and_evidence_queries_match_pgmpy(network):
    for case in network.cases(seed=7, count=6):
        ours, by_hand = network.ours(case), network.by_hand(case)
        assert np.max(np.abs(ours - by_hand)) < TOLERANCE, case
        if case.about_descendant:
            assert np.max(np.abs(ours - network.by_pgmpy(case))) < TOLERANCE, case


def test_plain_interventional_marginals_match_pgmpy(network):
    rng = random.Random(11)
    candidates = sorted(n for n in network.graph if network.graph.out_degree(n))
    for _ in range(2):
        intervened = rng.choice(candidates)
        target = rng.choice(sorted(nx.descendants(network.graph, intervened)))
        case = Case(target, intervened, rng.choice(network.states(intervened)), {}, True)
        ours = network.ours(case)
        assert np.max(np.abs(ours - network.by_pgmpy(case))) < TOLERANCE, case
        assert np.max(np.abs(ours - network.by_hand(case))) < TOLERANCE, case


def test_pgmpy_refuses_what_we_answer():
    network = Network("asia")
    case = Case("smoke", "lung", "yes", {"dysp": "yes"}, False)
    with pytest.raises(ValueError):
        network.by_pgmpy(case)
    assert np.max(np.abs(network.ours(case) - network.by_hand(case))) < TOLERANCE
