"""``evaluate_numpy`` gives :func:`evaluate`'s numbers (torch) on every expression it covers, and None elsewhere."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from causalppl.backends import runtime as rt
from causalppl.backends.tensor_eval import evaluate, evaluate_numpy
from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx

AT = Span.unknown("<test>")

NAMES = ("A", "B", "C")
LEAVES = st.one_of(st.sampled_from([rx.VarRef(n, AT) for n in NAMES]),
                   st.sampled_from([0.0, 1.0, 2.0, -1.5, 0.5]).map(lambda v: rx.Const(v, AT)))


def _combine(children):
    binary = st.builds(rx.Binary, st.sampled_from(["+", "-", "*", "/", "^", "==", "!=", "<", "<=", ">", ">=", "and",
                                                   "or"]), children, children, st.just(AT))
    unary = st.builds(rx.Unary, st.sampled_from(["-", "not"]), children, st.just(AT))
    branch = st.builds(rx.IfThenElse, children, children, children, st.just(AT))
    return st.one_of(binary, unary, branch)


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=8)


@given(EXPRESSIONS)
@settings(max_examples=300, deadline=None)
def test_numpy_evaluation_equals_torch_evaluation(expr):
    grids = np.meshgrid(np.arange(3.0), np.arange(2.0), np.arange(4.0), indexing="ij")
    mine = evaluate_numpy(expr, dict(zip(NAMES, grids)))
    with rt.default_dtype(torch.float64):
        theirs = evaluate(expr, {n: torch.from_numpy(g) for n, g in zip(NAMES, grids)}).to(torch.float64).numpy()
    np.testing.assert_allclose(np.broadcast_to(mine, theirs.shape), theirs, rtol=1e-12, atol=0, equal_nan=True)


def test_what_numpy_does_not_cover_is_left_to_torch():
    env = {"A": np.arange(2.0)}
    assert evaluate_numpy(rx.FunctionCall("exp", (rx.VarRef("A", AT),), AT), env) is None
    assert evaluate_numpy(rx.Binary("+", rx.VarRef("A", AT), rx.ParamRef("theta", AT), AT), env) is None
    assert evaluate_numpy(rx.VarRef("unbound", AT), env) is None
