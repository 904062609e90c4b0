"""Identification speed against y0 (a script, not a test).

Run ``python -m bench.identification`` from the repository root (needs
``pip install y0``). For the front-door, napkin and instrumental-variable
graphs and for random ADMGs of growing size, it times causalppl's ID
algorithm and y0's ``identify`` on the same query, checks that both reach the
same verdict (identified or not), and prints the ratio.
"""

from __future__ import annotations

import random
import statistics
from typing import Callable

from bench.common import best_time
from causalppl.identification import ADMG, identify

REPEATS = 5


def named_graphs() -> dict[str, tuple[ADMG, str, str]]:
    return {
        "front-door": (ADMG.from_edges("XMY", [("X", "M"), ("M", "Y")], [("X", "Y")]), "X", "Y"),
        "napkin": (ADMG.from_edges(["W", "Z", "X", "Y"], [("W", "Z"), ("Z", "X"), ("X", "Y")],
                                   [("W", "X"), ("W", "Y")]), "X", "Y"),
        "instrument (not identified)": (ADMG.from_edges("ZXY", [("Z", "X"), ("X", "Y")], [("X", "Y")]), "X", "Y"),
    }


def random_graph(n: int, seed: int) -> tuple[ADMG, str, str]:
    rng = random.Random(seed)
    nodes = [f"V{i}" for i in range(n)]
    directed = [(nodes[i], nodes[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.3]
    directed += [(nodes[i], nodes[i + 1]) for i in range(n - 1) if (nodes[i], nodes[i + 1]) not in directed]
    bidirected = [(nodes[i], nodes[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.15]
    return ADMG.from_edges(nodes, directed, bidirected), nodes[n // 2], nodes[-1]


def y0_identify(admg: ADMG, treatment: str, outcome: str) -> Callable[[], bool]:
    from y0.algorithm.identify import Identification, Unidentifiable
    from y0.algorithm.identify import identify as y0_id
    from y0.dsl import P, Variable
    from y0.graph import NxMixedGraph

    variables = {name: Variable(name) for name in admg.nodes}
    graph = NxMixedGraph.from_edges(
        directed=[(variables[a], variables[b]) for a, b in admg.directed],
        undirected=[tuple(variables[name] for name in sorted(arc)) for arc in admg.bidirected],
    )
    query = Identification.from_expression(graph=graph, query=P(variables[outcome] @ variables[treatment]))

    def run() -> bool:
        try:
            y0_id(query)
            return True
        except Unidentifiable:
            return False

    return run


def compare(label: str, admg: ADMG, treatment: str, outcome: str) -> float | None:
    ours = lambda: identify(admg, {outcome}, {treatment}).identifiable  # noqa: E731
    theirs = y0_identify(admg, treatment, outcome)
    verdict, peer_verdict = ours(), theirs()
    ours_time, theirs_time = best_time(ours, REPEATS), best_time(theirs, REPEATS)
    agree = "agree" if verdict == peer_verdict else "DISAGREE"
    print(f"{label:34s} ours {ours_time * 1e3:8.2f} ms   y0 {theirs_time * 1e3:8.2f} ms   "
          f"ratio {theirs_time / ours_time:6.1f}x   identified={verdict} ({agree})")
    return theirs_time / ours_time


def main() -> None:
    ratios = [compare(label, *graph) for label, graph in named_graphs().items()]
    for n in (6, 8, 10, 12):
        for seed in range(3):
            ratios.append(compare(f"random ADMG, {n} nodes, seed {seed}", *random_graph(n, seed)))
    print(f"median ratio y0 / causalppl: {statistics.median(r for r in ratios if r):.1f}x")


if __name__ == "__main__":
    main()
