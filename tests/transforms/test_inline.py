"""``inline_constants``: a constant on a real or unbounded integer variable is written into its children."""

from __future__ import annotations

import causalppl as cp
from causalppl.ir import expressions as rx
from causalppl.transforms.do import do
from causalppl.transforms.inline import inline_constants, inlined_constants

SOURCE = """model M {
  R ~ Normal(0, 1)
  N ~ Poisson(2)
  X ~ Bernoulli(if R > 0 then 0.8 else 0.3)
  Y := R + N
  V ~ Bernoulli(N / (N + 1))
  Z ~ Bernoulli(if X then 0.9 else 0.1)
}
"""


def test_children_read_the_number_and_lose_the_arrow():
    model = inline_constants(do(cp.loads(SOURCE).ir, {"R": 0.5, "N": 3}))
    assert inlined_constants(model) == {"R": 0.5, "N": 3.0}
    assert model.parents("X") == () and model.parents("Y") == () and model.parents("V") == ()
    assert rx.to_text(model.variable("Y").mechanism.expr) == "(0.5 + 3)"
    assert model.parents("Z") == ("X",)  # a finite parent keeps its arrow


def test_a_model_without_real_constants_is_returned_as_it_is():
    model = cp.loads(SOURCE).ir
    assert inline_constants(model) is model
    finite = do(model, {"X": 1})
    assert inline_constants(finite) is finite  # a finite constant indexes its children's tables


def test_the_input_model_is_not_changed():
    intervened = do(cp.loads(SOURCE).ir, {"R": 0.5})
    inline_constants(intervened)
    assert intervened.parents("X") == ("R",)
