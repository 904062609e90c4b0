"""The missing-edge basis: every listed independence is an m-separation, and in DAGs it implies all of them."""

import itertools

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from causalppl.identification import ADMG
from causalppl.identification.implications import Instrument, implied_independencies


@st.composite
def admgs(draw, max_nodes=6, bidirected=True):
    n = draw(st.integers(2, max_nodes))
    nodes = [f"V{i}" for i in range(n)]
    pairs = list(itertools.combinations(range(n), 2))
    directed = [(nodes[i], nodes[j]) for i, j in pairs if draw(st.booleans())]
    arcs = [(nodes[i], nodes[j]) for i, j in pairs if bidirected and draw(st.integers(0, 4)) == 0]
    return ADMG.from_edges(nodes, directed, arcs)


@settings(max_examples=60, deadline=None)
@given(admgs())
def test_every_listed_independence_is_an_m_separation(graph):
    found = implied_independencies(graph)
    for claim in found.independences:
        assert graph.is_d_separated({claim.left}, {claim.right}, claim.given)
        assert claim.left not in claim.given and claim.right not in claim.given


@settings(max_examples=40, deadline=None)
@given(admgs(bidirected=False))
def test_in_a_dag_every_non_adjacent_pair_is_tested_and_none_is_untestable(graph):
    found = implied_independencies(graph)
    adjacent = {frozenset(e) for e in graph.directed}
    tested = {frozenset((c.left, c.right)) for c in found.independences}
    missing = {frozenset(p) for p in itertools.combinations(graph.nodes, 2)} - adjacent
    assert tested == missing and not found.untestable


def test_the_chain_and_the_collider():
    chain = ADMG.from_edges(["A", "B", "C"], [("A", "B"), ("B", "C")])
    assert [c.text() for c in implied_independencies(chain).independences] == ["A _||_ C | B"]
    collider = ADMG.from_edges(["A", "B", "C"], [("A", "C"), ("B", "C")])
    assert [c.text() for c in implied_independencies(collider).independences] == ["A _||_ B"]


def test_the_instrument_triple_and_the_verma_graph():
    iv = ADMG.from_edges(["Z", "X", "Y"], [("Z", "X"), ("X", "Y")], [("X", "Y")])
    found = implied_independencies(iv)
    assert found.instruments == (Instrument("Z", "X", "Y"),) and not found.independences
    assert found.untestable == (("Z", "Y"),)
    verma = ADMG.from_edges(["A", "B", "C", "D"], [("A", "B"), ("B", "C"), ("C", "D")], [("B", "D")])
    found = implied_independencies(verma)
    assert ("A", "D") in found.untestable  # the Verma constraint, not a conditional independence
    assert {c.text() for c in found.independences} == {"A _||_ C | B"}


def test_a_graph_from_networkx_round_trips_through_the_latent_projection():
    dag = nx.gn_graph(7, seed=3).reverse()
    graph = ADMG.from_edges([str(n) for n in dag.nodes], [(str(a), str(b)) for a, b in dag.edges])
    for claim in implied_independencies(graph).independences:
        assert nx.is_d_separator(graph.to_networkx(), {claim.left}, {claim.right}, set(claim.given))
