"""The linear programs reproduce the Balke–Pearl and Tian–Pearl closed forms on random compatible data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalppl.backends.bounds import (
    CfAtom,
    DiscreteGraph,
    Experiment,
    LinearQuery,
    balke_pearl_ace_bounds,
    sharp_bounds,
    tian_pearl_bounds,
)

CONFOUNDED = frozenset({frozenset({"X", "Y"})})
IV_GRAPH = DiscreteGraph({"Z": 2, "X": 2, "Y": 2}, {"X": ("Z",), "Y": ("X",)}, CONFOUNDED)
BOW_ARC = DiscreteGraph({"X": 2, "Y": 2}, {"Y": ("X",)}, CONFOUNDED)


def y_under(x: int, y: int) -> CfAtom:
    return CfAtom("Y", (("X", x),), y)


def factual(name: str, value: int) -> CfAtom:
    return CfAtom(name, (), value)


ACE = LinearQuery(((1.0, (y_under(1, 1),)), (-1.0, (y_under(0, 1),))))
PN = LinearQuery(((1.0, (y_under(0, 0),)),), condition=(factual("X", 1), factual("Y", 1)))
PS = LinearQuery(((1.0, (y_under(1, 1),)),), condition=(factual("X", 0), factual("Y", 0)))
PNS = LinearQuery(((1.0, (y_under(1, 1), y_under(0, 0))),))


def weights(size: int) -> st.SearchStrategy[np.ndarray]:
    """Random probability vectors, exact zeros included (nonzero weights are at least 1e-3 of the largest,
    so that the comparison at 1e-7 is not one of solver tolerances)."""
    entry = st.one_of(st.just(0.0), st.floats(1e-3, 1.0))
    entries = st.lists(entry, min_size=size, max_size=size).filter(lambda w: sum(w) > 0)
    return entries.map(lambda w: np.array(w) / sum(w))


def respond(response_type: int, parent_value: int) -> int:
    """Binary response type ``t`` maps parent value ``v`` to bit ``v`` of ``t``."""
    return (response_type >> parent_value) & 1


def iv_distribution(types: np.ndarray, p_z1: float) -> np.ndarray:
    """P(Z, X, Y) of an instrumental-variable SCM with response-type weights ``types[x_type, y_type]``."""
    joint = np.zeros((2, 2, 2))
    for (x_type, y_type), weight in np.ndenumerate(types):
        for z, p_z in ((0, 1 - p_z1), (1, p_z1)):
            x = respond(x_type, z)
            joint[z, x, respond(y_type, x)] += p_z * weight
    return joint


@settings(max_examples=60, deadline=None)
@given(weights(16), st.floats(0.05, 0.95))
def test_iv_ace_equals_balke_pearl(type_weights: np.ndarray, p_z1: float) -> None:
    joint = iv_distribution(type_weights.reshape(4, 4), p_z1)
    conditional = joint / joint.sum(axis=(1, 2), keepdims=True)
    result = sharp_bounds(IV_GRAPH, ACE, joint)
    lower, upper = balke_pearl_ace_bounds(conditional)
    assert result.lower == pytest.approx(lower, abs=1e-7)
    assert result.upper == pytest.approx(upper, abs=1e-7)


def bow_arc_data(types: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(X, Y) and P(Y=1 | do(X=x)) of an SCM with weights ``types[x, y_type]`` (X's type is its value)."""
    joint = np.zeros((2, 2))
    do_y1 = np.zeros(2)
    for (x, y_type), weight in np.ndenumerate(types):
        joint[x, respond(y_type, x)] += weight
        do_y1 += weight * np.array([respond(y_type, 0), respond(y_type, 1)])
    return joint, do_y1


@settings(max_examples=40, deadline=None)
@given(weights(8))
def test_probabilities_of_causation_equal_tian_pearl(type_weights: np.ndarray) -> None:
    joint, do_y1 = bow_arc_data(type_weights.reshape(2, 4))
    experiment = Experiment(("X",), {(x,): np.array([1 - do_y1[x], do_y1[x]]) for x in (0, 1)})
    expected = tian_pearl_bounds(joint, do_y1)
    checks = [(PNS, expected.pns)]
    if joint[1, 1] > 1e-2:
        checks.append((PN, expected.pn))
    if joint[0, 0] > 1e-2:
        checks.append((PS, expected.ps))
    for query, (lower, upper) in checks:
        result = sharp_bounds(BOW_ARC, query, joint, [experiment])
        assert result.lower == pytest.approx(lower, abs=1e-7)
        assert result.upper == pytest.approx(upper, abs=1e-7)
