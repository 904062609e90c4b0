"""The IR as a graph: parents, ancestors, districts, mutilation, ordering."""

import causalppl as cp

SOURCE = """
model G {
    param a = 0.5
    Z : bool
    X : bool <- Z
    M : bool <- X
    Y : bool <- M, Z
    latent U ~ Normal(0, 1)
    W ~ Normal(a * U, 1)
    X <-> Y
}
"""


def test_graph_nodes_edges_and_kinds():
    ir = cp.loads(SOURCE).ir
    graph = ir.graph
    assert set(graph.nodes) == {"Z", "X", "M", "Y", "U", "W"}
    assert set(graph.edges) == {("Z", "X"), ("X", "M"), ("M", "Y"), ("Z", "Y"), ("U", "W")}
    assert graph.nodes["U"]["kind"] == "latent"
    assert graph.graph["bidirected"] == [("X", "Y")]
    assert [p.name for p in ir.parameters] == ["a"]


def test_parents_ancestors_descendants():
    ir = cp.loads(SOURCE).ir
    assert ir.parents("Y") == ("M", "Z")
    assert ir.ancestors(["Y"]) == {"Y", "M", "X", "Z"}
    assert ir.descendants(["X"], inclusive=False) == {"M", "Y"}


def test_c_components_follow_bidirected_arcs():
    components = set(cp.loads(SOURCE).ir.c_components())
    assert frozenset({"X", "Y"}) in components
    assert frozenset({"Z"}) in components


def test_mutilated_graph_removes_arrows_and_arcs_into_intervened():
    ir = cp.loads(SOURCE).ir
    mutilated = ir.mutilated_graph(["X"])
    assert ("Z", "X") not in mutilated.edges
    assert mutilated.graph["bidirected"] == []
    assert ("Z", "X") in ir.graph.edges  # the original is untouched


def test_variables_are_in_topological_order():
    ir = cp.loads("model T {\n Y ~ Normal(X, 1)\n X ~ Normal(0, 1)\n}").ir
    assert ir.topological_names() == ("X", "Y")
