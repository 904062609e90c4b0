"""Tests of the ADMG value type and its graph helpers."""

import networkx as nx
import pytest

from causalppl.identification import ADMG

FRONT_DOOR = ADMG.from_edges(
    ["Smoking", "Tar", "Cancer"], [("Smoking", "Tar"), ("Tar", "Cancer")], [("Smoking", "Cancer")]
)


def test_from_edges_normalizes_and_appends_unlisted_nodes() -> None:
    g = ADMG.from_edges(["A"], [("A", "B")], [("B", "C")])
    assert g.nodes == ("A", "B", "C")
    assert g.directed == frozenset({("A", "B")})
    assert g.bidirected == frozenset({frozenset({"B", "C"})})


def test_parents_children_ancestors_descendants() -> None:
    g = FRONT_DOOR
    assert g.parents("Tar") == {"Smoking"}
    assert g.children("Tar") == {"Cancer"}
    assert g.ancestors({"Cancer"}) == {"Smoking", "Tar", "Cancer"}
    assert g.ancestors({"Smoking"}) == {"Smoking"}
    assert g.descendants({"Tar"}) == {"Tar", "Cancer"}
    assert g.spouses("Cancer") == {"Smoking"}


def test_subgraph_keeps_only_edges_inside() -> None:
    sub = FRONT_DOOR.subgraph({"Smoking", "Cancer"})
    assert sub.nodes == ("Smoking", "Cancer")
    assert sub.directed == frozenset()
    assert sub.bidirected == frozenset({frozenset({"Smoking", "Cancer"})})


def test_mutilate_removes_incoming_edges_and_touching_arcs_without_mutating() -> None:
    cut = FRONT_DOOR.mutilate({"Tar", "Smoking"})
    assert cut.directed == frozenset({("Tar", "Cancer")})
    assert cut.bidirected == frozenset()
    assert FRONT_DOOR.directed == frozenset({("Smoking", "Tar"), ("Tar", "Cancer")})
    assert len(FRONT_DOOR.bidirected) == 1


def test_remove_outgoing() -> None:
    assert FRONT_DOOR.remove_outgoing({"Smoking"}).directed == frozenset({("Tar", "Cancer")})


def test_c_components_cover_all_nodes() -> None:
    g = ADMG.from_edges(["A", "B", "C", "D"], [("A", "B")], [("A", "C"), ("C", "D")])
    assert g.c_components() == [frozenset({"A", "C", "D"}), frozenset({"B"})]
    assert FRONT_DOOR.c_components() == [frozenset({"Smoking", "Cancer"}), frozenset({"Tar"})]


def test_topological_order_breaks_ties_by_node_order() -> None:
    g = ADMG.from_edges(["Y", "B", "A"], [("A", "Y"), ("B", "Y")])
    assert g.topological_order() == ("B", "A", "Y")


def test_to_networkx_makes_latents_explicit() -> None:
    dag = FRONT_DOOR.to_networkx()
    latents = [n for n, data in dag.nodes(data=True) if data["latent"]]
    assert len(latents) == 1
    assert set(dag.successors(latents[0])) == {"Smoking", "Cancer"}
    assert nx.is_directed_acyclic_graph(dag)


def test_latent_names_never_collide_with_observed_ones() -> None:
    g = ADMG.from_edges(["A", "B", "U_A_B"], [], [("A", "B")])
    assert len(g.to_networkx()) == 4


def test_d_separation_through_latents() -> None:
    assert not FRONT_DOOR.is_d_separated({"Smoking"}, {"Cancer"}, {"Tar"})
    assert FRONT_DOOR.remove_outgoing({"Smoking"}).is_d_separated({"Smoking"}, {"Tar"})


def test_graph_is_hashable_and_frozen() -> None:
    assert hash(FRONT_DOOR) == hash(ADMG.from_edges(FRONT_DOOR.nodes, FRONT_DOOR.directed, FRONT_DOOR.bidirected))
    with pytest.raises(AttributeError):
        FRONT_DOOR.nodes = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("nodes", "directed", "bidirected"),
    [
        (("A", "B"), [("A", "B"), ("B", "A")], []),
        (("A",), [("A", "A")], []),
        (("A",), [("A", "B")], []),
        (("A", "A"), [], []),
    ],
)
def test_invalid_graphs_are_rejected(nodes, directed, bidirected) -> None:
    with pytest.raises(ValueError):
        ADMG(tuple(nodes), frozenset(directed), frozenset(frozenset(a) for a in bidirected))


def test_self_arc_is_rejected() -> None:
    with pytest.raises(ValueError):
        ADMG.from_edges(["A"], [], [("A", "A")])
