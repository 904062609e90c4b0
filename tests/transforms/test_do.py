"""do-surgery is a pure IR → IR function."""

import pytest

import causalppl as cp
from causalppl.ir.mechanisms import ConstantMechanism
from causalppl.transforms import InterventionError, do

SOURCE = """
model M {
    param b ~ Normal(0, 1)
    Z : bool
    X : bool <- Z
    Y : bool <- X, Z
    X <-> Y
    Z <-> Y
}
"""


def test_do_replaces_mechanism_and_removes_incoming_arrows_and_arcs():
    ir = cp.loads(SOURCE).ir
    after = do(ir, {"X": 1})
    assert isinstance(after.variable("X").mechanism, ConstantMechanism)
    assert after.parents("X") == ()
    assert [(c.a, c.b) for c in after.confounders] == [("Z", "Y")]
    assert set(after.graph.edges) == set(ir.mutilated_graph(["X"]).edges)
    assert after.interventions == (("X", 1.0),)


def test_do_never_mutates_its_input():
    ir = cp.loads(SOURCE).ir
    before = (ir.variables, ir.confounders, set(ir.graph.edges))
    do(ir, {"X": 0, "Z": 1})
    assert (ir.variables, ir.confounders, set(ir.graph.edges)) == before


def test_do_rejects_parameters_and_unknown_names():
    ir = cp.loads(SOURCE).ir
    with pytest.raises(InterventionError, match="parameter"):
        do(ir, {"b": 1.0})
    with pytest.raises(InterventionError, match="unknown"):
        do(ir, {"Q": 1.0})


def test_model_do_accepts_level_names_and_leaves_original_untouched():
    model = cp.loads("model L {\n A : {lo, hi} ~ Categorical([0.5, 0.5])\n B ~ Normal(A, 1)\n}")
    intervened = model.do(A="hi")
    assert intervened.ir.interventions == (("A", 1.0),)
    assert model.ir.interventions == ()
