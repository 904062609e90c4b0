"""``restrict``: the sub-model on an ancestrally closed set of variables keeps their joint distribution."""

from __future__ import annotations

import pytest

import causalppl as cp
from causalppl.backends.compiled import compiled_network
from causalppl.transforms.restrict import restrict

SOURCE = """model M {
  param q = 0.4
  X ~ Bernoulli(0.3)
  Y ~ Bernoulli(if X then 0.9 else q)
  W ~ Normal(Y, 1)
  V ~ Bernoulli(if W > 0 then 0.5 else 0.1)
}
"""


def test_restrict_keeps_the_named_variables_and_every_parameter():
    model = cp.loads(SOURCE).ir
    kept = restrict(model, {"X", "Y"})
    assert kept.topological_names() == ("X", "Y")
    assert "q" in kept and kept.variable("q").is_parameter


def test_a_set_that_is_not_ancestrally_closed_is_refused():
    with pytest.raises(ValueError, match="'V' is kept without its parent 'W'"):
        restrict(cp.loads(SOURCE).ir, {"X", "Y", "V"})


def test_confounders_and_interventions_touching_dropped_variables_are_dropped():
    model = cp.loads("model U { A : bool\n B : bool <- A\n C : bool <- B\n B <-> C\n A <-> B }").ir
    kept = restrict(model, {"A", "B"})
    assert [(arc.a, arc.b) for arc in kept.confounders] == [("A", "B")]


def test_the_restricted_model_has_the_same_joint_as_the_kept_marginal():
    whole = cp.loads(SOURCE.replace("W ~ Normal(Y, 1)\n  V ~ Bernoulli(if W > 0 then 0.5 else 0.1)\n", ""))
    kept = compiled_network(restrict(cp.loads(SOURCE).ir, {"X", "Y"}))
    reference = compiled_network(whole.ir)
    assert kept.names == reference.names == ("X", "Y")
    joint = kept.network.posterior((0, 1))
    assert joint == pytest.approx(reference.network.posterior((0, 1)), abs=1e-12)
    assert joint.sum() == pytest.approx(1.0)
