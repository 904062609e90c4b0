"""Scale of the factored bounds program against the single joint linear program, in the same run.

Run ``python -m bench.bounds_scale`` from the repository root. For chains
X0 -> X1 -> ... -> X{n-1} of binary variables with one latent arc X0 <-> X1
(the effect of X0 on X{n-1} is not identified), and for the front-door (with
an instrument), napkin and instrumental-variable graphs, it prints the
columns, the time (median of interleaved repeats) and the gap of both
programs, and their time ratio. The joint program enumerates every joint
response type (4**n columns before merging) and is skipped past 2**21.
"""

from __future__ import annotations

import statistics
import time
from itertools import product

import numpy as np

from causalppl.backends.bounds import CfAtom, DiscreteGraph, LinearQuery, sharp_bounds
from causalppl.backends.bounds.lp import joint_lp_bounds

REPEATS = 3


def ace(treatment: str, outcome: str) -> LinearQuery:
    return LinearQuery(((1.0, (CfAtom(outcome, ((treatment, 1),), 1),)),
                        (-1.0, (CfAtom(outcome, ((treatment, 0),), 1),))))


def chain(n: int, seed: int = 0) -> tuple[DiscreteGraph, np.ndarray]:
    """The chain with X0 <-> X1, and an exact joint distribution from a random canonical model."""
    rng = np.random.default_rng(seed)
    names = [f"X{i}" for i in range(n)]
    graph = DiscreteGraph({v: 2 for v in names}, {names[i]: (names[i - 1],) for i in range(1, n)},
                          frozenset({frozenset({"X0", "X1"})}))
    pair = rng.dirichlet(np.ones(8)).reshape(2, 4)  # (X0's value, X1's type over X0)
    first = np.zeros((2, 2))
    for (x0, t1), w in np.ndenumerate(pair):
        first[x0, (t1 >> x0) & 1] += w
    letters = [chr(ord("a") + i) for i in range(n)]
    factors, subscripts = [first], [letters[0] + letters[1]]
    for i in range(2, n):
        factors.append(rng.dirichlet(np.ones(2), size=2))
        subscripts.append(letters[i - 1] + letters[i])
    return graph, np.einsum(",".join(subscripts) + "->" + "".join(letters), *factors)


def canonical_joint(graph: DiscreteGraph, seed: int, support: int = 4) -> np.ndarray:
    """P(V) of a random canonical model: per c-component, ``support`` joint response types."""
    rng = np.random.default_rng(seed)
    components: list[list[str]] = []
    for name in graph.variables:
        linked = [c for c in components if any(frozenset({name, o}) in graph.bidirected for o in c)]
        merged = [name] + [v for c in linked for v in c]
        components = [c for c in components if c not in linked] + [merged]
    options = []
    for members in components:
        types = [{v: rng.integers(0, 2, size=2 ** len(graph.parents[v])) for v in members} for _ in range(support)]
        options.append((types, rng.dirichlet(np.ones(support))))
    joint = np.zeros(graph.shape())
    for choice in product(range(support), repeat=len(options)):
        weight = float(np.prod([w[i] for (_, w), i in zip(options, choice)]))
        functions = {k: v for (types, _), i in zip(options, choice) for k, v in types[i].items()}
        values: dict[str, int] = {}
        for name in graph.variables:
            index = 0
            for parent in graph.parents[name]:
                index = index * 2 + values[parent]
            values[name] = int(functions[name][index])
        joint[tuple(values[v] for v in graph.variables)] += weight
    return joint


def timed(function):
    started = time.perf_counter()
    try:
        result = function()
    except ValueError as error:
        return None, time.perf_counter() - started, str(error)
    return result, time.perf_counter() - started, None


def compare(label: str, graph: DiscreteGraph, query: LinearQuery, joint: np.ndarray, joint_program: bool) -> None:
    new_times, old_times, new, old, refused = [], [], None, None, None
    for _ in range(REPEATS):  # interleaved
        new, seconds, _ = timed(lambda: sharp_bounds(graph, query, joint))
        new_times.append(seconds)
        if joint_program:
            old, seconds, refused = timed(lambda: joint_lp_bounds(graph, query, joint))
            old_times.append(seconds)
    t_new = statistics.median(new_times)
    line = (f"{label:<22} factored: {new.n_columns:>6} cols {t_new:8.3f} s [{new.lower:+.4f}, {new.upper:+.4f}] "
            f"{new.certificate:<16} gap {new.gap:.1e}")
    if joint_program and old is not None:
        t_old = statistics.median(old_times)
        line += (f" | joint LP: {old.n_columns:>6} cols {t_old:8.3f} s [{old.lower:+.4f}, {old.upper:+.4f}]"
                 f" | time ratio joint/factored {t_old / t_new:6.1f}")
    else:
        line += " | joint LP: " + (refused or "not run")
    print(line, flush=True)


def main() -> None:
    for n in range(2, 15):
        graph, joint = chain(n)
        compare(f"chain n={n}", graph, ace("X0", f"X{n - 1}"), joint, joint_program=n <= 10)
    graphs = {
        "front door + Z": (DiscreteGraph({"Z": 2, "X1": 2, "X2": 2, "X3": 2},
                                         {"X1": ("Z",), "X2": ("X1",), "X3": ("X2",)},
                                         frozenset({frozenset({"X1", "X3"})})), ace("X1", "X3")),
        "napkin": (DiscreteGraph({"W1": 2, "W2": 2, "X": 2, "Y": 2}, {"W2": ("W1",), "X": ("W2",), "Y": ("X",)},
                                 frozenset({frozenset({"W1", "X"}), frozenset({"W1", "Y"})})), ace("X", "Y")),
        "instrument (IV)": (DiscreteGraph({"Z": 2, "X": 2, "Y": 2}, {"X": ("Z",), "Y": ("X",)},
                                          frozenset({frozenset({"X", "Y"})})), ace("X", "Y")),
        "front door PNS": (DiscreteGraph({"X": 2, "M": 2, "Y": 2}, {"M": ("X",), "Y": ("M",)},
                                         frozenset({frozenset({"X", "Y"})})),
                           LinearQuery(((1.0, (CfAtom("Y", (("X", 1),), 1), CfAtom("Y", (("X", 0),), 0))),))),
    }
    for label, (graph, query) in graphs.items():
        compare(label, graph, query, canonical_joint(graph, seed=3), joint_program=True)


if __name__ == "__main__":
    main()
