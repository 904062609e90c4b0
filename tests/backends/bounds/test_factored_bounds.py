"""Bounds with response types factored over c-components: collapse when identified, never wider than the
single joint program, the truth inside, agreement with brute force, scale, nested outcomes, certificates."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from causalppl.backends.bounds import CfAtom, DiscreteGraph, LinearQuery, Potential, sharp_bounds
from causalppl.backends.bounds.components import canonical_components, is_clique
from causalppl.backends.bounds.lp import joint_lp_bounds
from causalppl.backends.bounds.polynomial import polynomial_bounds, scip_available
from causalppl.identification import ADMG, identify

# ------------------------------------------------------------ random SCMs ----


class CanonicalSCM:
    """A canonical model: per c-component, a few joint response types with Dirichlet weights."""

    def __init__(self, graph: DiscreteGraph, rng: np.random.Generator, support: int = 5) -> None:
        self.graph = graph
        self.components = _components(graph)
        self.options = []
        for component in self.components:
            types = [{v: rng.integers(0, graph.cards[v], size=_n_configs(graph, v)) for v in component}
                     for _ in range(support)]
            self.options.append((types, rng.dirichlet(np.ones(support))))

    def units(self):
        """Every combination of one type per component, with its probability."""
        for choice in product(*(range(len(w)) for _, w in self.options)):
            weight = float(np.prod([w[i] for (_, w), i in zip(self.options, choice)]))
            functions = {}
            for (types, _), i in zip(self.options, choice):
                functions.update(types[i])
            yield weight, functions

    def run(self, functions, world) -> dict[str, int]:
        values: dict[str, int] = {}
        for name in self.graph.variables:
            if name in world:
                values[name] = world[name]
                continue
            index = 0
            for parent in self.graph.parents[name]:
                index = index * self.graph.cards[parent] + values[parent]
            values[name] = int(functions[name][index])
        return values

    def joint(self) -> np.ndarray:
        table = np.zeros(self.graph.shape())
        for weight, functions in self.units():
            values = self.run(functions, {})
            table[tuple(values[n] for n in self.graph.variables)] += weight
        return table

    def probability(self, atoms) -> float:
        total = 0.0
        for weight, functions in self.units():
            if all(self.run(functions, dict(a.interventions))[a.variable] == a.value for a in atoms):
                total += weight
        return total


def _components(graph: DiscreteGraph) -> list[list[str]]:
    parent = {v: v for v in graph.variables}

    def find(v):
        while parent[v] != v:
            v = parent[v]
        return v
    for pair in graph.bidirected:
        a, b = sorted(pair)
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for v in graph.variables:
        groups.setdefault(find(v), []).append(v)
    return list(groups.values())


def _n_configs(graph: DiscreteGraph, name: str) -> int:
    return int(np.prod(graph.shape(graph.parents[name]), dtype=np.int64))


@st.composite
def admgs(draw):
    n = draw(st.integers(3, 4))
    names = [f"V{i}" for i in range(n)]
    parents = {}
    for i, name in enumerate(names):
        earlier = names[:i]
        chosen = [p for p in earlier if draw(st.booleans())][:2]
        parents[name] = tuple(chosen)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    arcs = frozenset(frozenset(p) for p in pairs if draw(st.integers(0, 3)) == 0)
    treatment = draw(st.sampled_from(names[:-1]))
    outcome = draw(st.sampled_from(names[names.index(treatment) + 1:]))
    seed = draw(st.integers(0, 2**16))
    return DiscreteGraph({v: 2 for v in names}, parents, arcs), treatment, outcome, seed


def _ancestors(graph: DiscreteGraph, name: str) -> set[str]:
    """``name`` and its ancestors along directed arcs."""
    found, stack = {name}, [name]
    while stack:
        for parent in graph.parents[stack.pop()]:
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


def _ace(treatment: str, outcome: str) -> LinearQuery:
    return LinearQuery(((1.0, (CfAtom(outcome, ((treatment, 1),), 1),)),
                        (-1.0, (CfAtom(outcome, ((treatment, 0),), 1),))))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(admgs())
def test_sharp_bounds_contain_the_truth_collapse_when_identified_and_beat_the_joint_program(case) -> None:
    graph, treatment, outcome, seed = case
    scm = CanonicalSCM(graph, np.random.default_rng(seed), support=7)
    joint = scm.joint()
    query = _ace(treatment, outcome)
    truth = sum(c * scm.probability(event) for c, event in query.terms)
    found = sharp_bounds(graph, query, joint)
    assert found.lower - 1e-7 <= truth <= found.upper + 1e-7
    admg = ADMG.from_edges(graph.variables, [(p, v) for v in graph.variables for p in graph.parents[v]],
                           [tuple(pair) for pair in graph.bidirected])
    # Only a free c-component (one whose c-factor the program bounds rather than reads from the data) can relax
    # the model: one joint distribution of its response types ignores the independence of its separate latent
    # causes unless its members are joined by <-> arcs. A c-factor identified from the data is substituted as it
    # is, whatever its arcs; and a variable that is no ancestor of the outcome plays no part in the program.
    relevant = _ancestors(graph, outcome)
    free = [label.strip("{}").split(", ") for label in found.free_components]
    assert all(any(set(members) <= set(component) for component in canonical_components(graph)) for members in free)
    cliques = all(is_clique(graph, [m for m in members if m in relevant]) for members in free)
    positive = joint.min() > 1e-12  # identification assumes every cell possible
    if cliques and positive and identify(admg, {outcome}, {treatment}).identifiable:
        assert found.upper - found.lower <= 1e-6
        assert found.certificate == "point-identified"
    if not cliques and found.certificate != "point-identified":
        assert found.certificate == "valid"  # a chain of <-> arcs: its joint distribution is a relaxation
    single = joint_lp_bounds(graph, query, joint)
    assert found.lower >= single.lower - 1e-7 and found.upper <= single.upper + 1e-7
    assert found.certificate in ("point-identified", "sharp", "valid")


# ------------------------------------------------------------ front door ----

FRONT_DOOR = DiscreteGraph({"X": 2, "M": 2, "Y": 2}, {"M": ("X",), "Y": ("M",)}, frozenset({frozenset({"X", "Y"})}))
PNS = LinearQuery(((1.0, (CfAtom("Y", (("X", 1),), 1), CfAtom("Y", (("X", 0),), 0))),))


def front_door_joint(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    confounded = rng.dirichlet(np.ones(8)).reshape(2, 4)  # [x, y type]; y type bit m is Y at M = m
    mediator = rng.dirichlet(np.ones(4))  # m type bit x is M at X = x
    joint = np.zeros((2, 2, 2))
    for (x, y_type), weight in np.ndenumerate(confounded):
        for m_type, m_weight in enumerate(mediator):
            m = (m_type >> x) & 1
            joint[x, m, (y_type >> m) & 1] += weight * m_weight
    return joint, confounded, mediator


def grid_bounds(joint: np.ndarray, steps: int = 2001) -> tuple[float, float]:
    """PNS on the front door by brute force: a grid over the mediator's one free parameter,
    then the exact optimum over the (X, Y) component's types (a small LP) at each grid point."""
    from scipy.optimize import linprog

    p_x = joint.sum(axis=(1, 2))
    a, b = joint[0, 1].sum() / p_x[0], joint[1, 1].sum() / p_x[1]  # P(M = 1 | X = x)
    low_t, high_t = max(0.0, a + b - 1.0), min(a, b)
    best_low, best_high = np.inf, -np.inf
    # (X, Y)-component columns: x in {0,1}, y type in 0..3; rows: P(x, y | do(m)) = sum over x, y type
    columns = [(x, t) for x in range(2) for t in range(4)]
    rows, rhs = [[1.0] * 8], [1.0]
    p_y_given = joint / joint.sum(axis=2, keepdims=True)  # P(y | x, m)
    for x, m, y in product(range(2), range(2), range(2)):
        rows.append([float(cx == x and ((t >> m) & 1) == y) for cx, t in columns])
        rhs.append(p_x[x] * p_y_given[x, m, y])
    for q3 in np.linspace(low_t, high_t, steps):
        q_m = np.array([1 - a - b + q3, a - q3, b - q3, q3])  # types 0..3: bit x is M at X = x
        q_m = np.maximum(q_m, 0.0)
        cost = np.zeros(8)
        for j, (_, t) in enumerate(columns):
            for m_type, w in enumerate(q_m):
                m1, m0 = (m_type >> 1) & 1, m_type & 1
                cost[j] += w * (((t >> m1) & 1) == 1) * (((t >> m0) & 1) == 0)
        low = linprog(cost, A_eq=rows, b_eq=rhs, bounds=(0, None), method="highs")
        high = linprog(-cost, A_eq=rows, b_eq=rhs, bounds=(0, None), method="highs")
        best_low, best_high = min(best_low, low.fun), max(best_high, -high.fun)
    return best_low, best_high


@pytest.mark.parametrize("seed", [1, 4])
def test_two_free_components_agree_with_a_brute_force_grid(seed: int) -> None:
    joint, _, _ = front_door_joint(seed)
    found = sharp_bounds(FRONT_DOOR, PNS, joint)
    low, high = grid_bounds(joint)
    assert found.free_components == ("{X, Y}", "{M}")
    assert found.certificate == "sharp"
    assert found.lower == pytest.approx(low, abs=2e-3) and found.upper == pytest.approx(high, abs=2e-3)
    assert found.lower <= low + 1e-9 and found.upper >= high - 1e-9  # the grid only reaches inside
    single = joint_lp_bounds(FRONT_DOOR, PNS, joint)
    assert single.lower <= found.lower and found.upper <= single.upper


@pytest.mark.skipif(not scip_available(), reason="pyscipopt is not installed")
def test_scip_proves_the_same_polynomial_bounds() -> None:
    from causalppl.backends.bounds.factored import build_structure, regimes_of
    from causalppl.backends.bounds.sharp import block_of

    joint, _, _ = front_door_joint(1)
    regimes, tables = regimes_of(FRONT_DOOR, joint, ())
    instance = build_structure(FRONT_DOOR, PNS, regimes).instance([t[None] for t in tables])
    block = block_of(instance, 30.0, True)
    systems = [(m, r[0]) for m, r in zip(block.matrices, block.rhs)]
    relaxed = polynomial_bounds(systems, block.numerator[0], use_scip=False)
    # start SCIP from the relaxation alone by asking it directly
    from causalppl.backends.bounds.polynomial import _scip

    low = _scip(systems, block.numerator[0], None, "minimize", 30.0, np.inf, (-1.0, 1.0))
    high = _scip(systems, block.numerator[0], None, "maximize", 30.0, -np.inf, (-1.0, 1.0))
    assert low[0] == pytest.approx(relaxed.lower, abs=1e-6) and low[1] == pytest.approx(relaxed.lower, abs=1e-6)
    assert high[0] == pytest.approx(relaxed.upper, abs=1e-6) and high[1] == pytest.approx(relaxed.upper, abs=1e-6)


def test_nested_potential_outcomes_are_bounded() -> None:
    """The natural direct effect of X on Y through M with M <-> Y: cross-world, so bounds, containing the truth."""
    graph = DiscreteGraph({"X": 2, "M": 2, "Y": 2}, {"M": ("X",), "Y": ("X", "M")}, frozenset({frozenset({"M", "Y"})}))
    scm = CanonicalSCM(graph, np.random.default_rng(3))
    joint = scm.joint()
    nested = CfAtom("Y", (("X", 1), ("M", Potential("M", (("X", 0),)))), 1)
    query = LinearQuery(((1.0, (nested,)), (-1.0, (CfAtom("Y", (("X", 0),), 1),))))
    truth = sum(w * (f_y(scm, funcs, 1, scm.run(funcs, {"X": 0})["M"]) - scm.run(funcs, {"X": 0})["Y"])
                for w, funcs in scm.units())
    found = sharp_bounds(graph, query, joint)
    assert found.lower - 1e-7 <= truth <= found.upper + 1e-7
    assert found.certificate in ("sharp", "point-identified")


def f_y(scm: CanonicalSCM, functions, x: int, m: int) -> int:
    return scm.run(functions, {"X": x, "M": m})["Y"]


def test_unconfounded_mediation_collapses_to_the_mediation_formula() -> None:
    graph = DiscreteGraph({"X": 2, "M": 2, "Y": 2}, {"M": ("X",), "Y": ("X", "M")})
    scm = CanonicalSCM(graph, np.random.default_rng(5))
    joint = scm.joint()
    nested = CfAtom("Y", (("X", 1), ("M", Potential("M", (("X", 0),)))), 1)
    found = sharp_bounds(graph, LinearQuery(((1.0, (nested,)),)), joint)
    p = joint / joint.sum()
    p_m = p.sum(axis=2) / p.sum(axis=(1, 2))[:, None]
    p_y = p[..., 1] / p.sum(axis=2)
    formula = sum(p_m[0, m] * p_y[1, m] for m in range(2))
    assert found.certificate == "point-identified"
    assert found.lower == pytest.approx(formula, abs=1e-9)


# ------------------------------------------------------------------ scale ----


def chain_joint(n: int, confounded: tuple[int, int], seed: int) -> tuple[DiscreteGraph, np.ndarray]:
    """A chain X0 -> ... -> X{n-1} of binary variables with one <-> arc between neighbours."""
    rng = np.random.default_rng(seed)
    names = [f"X{i}" for i in range(n)]
    graph = DiscreteGraph({v: 2 for v in names}, {names[i]: (names[i - 1],) for i in range(1, n)},
                          frozenset({frozenset({names[confounded[0]], names[confounded[1]]})}))
    a, b = confounded
    factors, subscripts = [], []
    letters = [chr(ord("a") + i) for i in range(n)]
    factors.append(rng.dirichlet(np.ones(2)))
    subscripts.append(letters[0])
    pair = rng.dirichlet(np.ones(16)).reshape(4, 4)  # joint of (type of X_a, type of X_b), types over parent
    for i in range(1, n):
        if i in (a, b):
            continue
        factors.append(rng.dirichlet(np.ones(2), size=2))
        subscripts.append(letters[i - 1] + letters[i])
    block = np.zeros((2, 2, 2, 2))  # (x_{a-1}, x_a, x_{b-1} = x_a, x_b): P(x_a, x_b | x_{a-1})
    for (ta, tb), w in np.ndenumerate(pair):
        for parent in range(2):
            xa = (ta >> parent) & 1
            xb = (tb >> xa) & 1
            block[parent, xa, xa, xb] += w
    factors.append(np.einsum("pabq->paq", block))
    subscripts.append(letters[a - 1] + letters[a] + letters[b])
    joint = np.einsum(",".join(subscripts) + "->" + "".join(letters), *factors)
    return graph, joint


def test_a_chain_of_fourteen_with_one_latent_arc_is_bounded_in_its_components() -> None:
    graph, joint = chain_joint(14, (6, 7), seed=2)
    query = _ace("X6", "X13")
    found = sharp_bounds(graph, query, joint)
    assert found.certificate == "sharp" and found.free_components == ("{X6, X7}",)
    assert found.n_columns <= 16
    assert -1.0 <= found.lower < found.upper <= 1.0
    identified = sharp_bounds(graph, _ace("X8", "X13"), joint)
    assert identified.certificate == "point-identified"


def test_too_large_a_component_is_named() -> None:
    names = [f"V{i}" for i in range(6)]
    parents = {names[5]: tuple(names[:5])}
    arcs = frozenset({frozenset({"V0", "V5"}), frozenset({"V1", "V5"}), frozenset({"V2", "V4"}),
                      frozenset({"V4", "V5"})})
    graph = DiscreteGraph({v: 3 for v in names}, {**parents, "V4": ("V3",)}, arcs)
    query = _ace("V3", "V5")
    with pytest.raises(ValueError, match=r"c-component \{V0, V1, V2, V4, V5\}"):
        sharp_bounds(graph, query, np.full(graph.shape(), 1.0 / 3**6))
