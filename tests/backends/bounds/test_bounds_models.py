"""Bounds on further graphs: larger instruments, the bow arc, relaxations, conditional queries, bad data."""

from __future__ import annotations

import numpy as np
import pytest

from causalppl.backends.bounds import (
    CfAtom,
    DiscreteGraph,
    Experiment,
    IncompatibleData,
    LinearQuery,
    ZeroProbabilityCondition,
    bounds_for_draws,
    sharp_bounds,
)

CONFOUNDED = frozenset({frozenset({"X", "Y"})})
BOW_ARC = DiscreteGraph({"X": 2, "Y": 2}, {"Y": ("X",)}, CONFOUNDED)


def y_under(x: int, y: int = 1) -> CfAtom:
    return CfAtom("Y", (("X", x),), y)


def factual(name: str, value: int) -> CfAtom:
    return CfAtom(name, (), value)


ACE = LinearQuery(((1.0, (y_under(1),)), (-1.0, (y_under(0),))))
TREATED = LinearQuery(((1.0, (y_under(1),)),))


def instrument_graph(levels: int) -> DiscreteGraph:
    return DiscreteGraph({"Z": levels, "X": 2, "Y": 2}, {"X": ("Z",), "Y": ("X",)}, CONFOUNDED)


def instrument_scm(rng: np.random.Generator, levels: int) -> tuple[np.ndarray, float]:
    """P(Z, X, Y) and the true ACE of a random SCM with a ``levels``-valued instrument."""
    types = rng.dirichlet(np.ones(2**levels * 4)).reshape(2**levels, 4)
    p_z = rng.dirichlet(np.ones(levels))
    joint = np.zeros((levels, 2, 2))
    ace = 0.0
    for (x_type, y_type), weight in np.ndenumerate(types):
        ace += weight * (((y_type >> 1) & 1) - (y_type & 1))
        for z in range(levels):
            x = (x_type >> z) & 1
            joint[z, x, (y_type >> x) & 1] += p_z[z] * weight
    return joint, ace


def test_three_valued_instrument_bounds_contain_the_truth_and_draws_agree() -> None:
    rng = np.random.default_rng(7)
    joint, true_ace = instrument_scm(rng, 3)
    result = sharp_bounds(instrument_graph(3), ACE, joint)
    assert -1 <= result.lower <= true_ace <= result.upper <= 1
    assert result.sharp and result.n_columns == 32
    draws = rng.dirichlet(joint.ravel() * 2000 + 1, size=40).reshape(40, 3, 2, 2)
    lowers, uppers = bounds_for_draws(instrument_graph(3), ACE, draws)
    for index in range(0, 40, 4):
        single = _bounds_or_nan(instrument_graph(3), ACE, draws[index])
        np.testing.assert_allclose([lowers[index], uppers[index]], single, atol=1e-7)


def _bounds_or_nan(
    graph: DiscreteGraph, query: LinearQuery, observational: np.ndarray
) -> tuple[float, float]:
    try:
        result = sharp_bounds(graph, query, observational)
    except IncompatibleData:
        return np.nan, np.nan
    return result.lower, result.upper


def test_bow_arc_gives_the_natural_bounds() -> None:
    joint = np.array([[0.2, 0.15], [0.25, 0.4]])
    p_x0, p_x1 = joint.sum(axis=1)
    treated = sharp_bounds(BOW_ARC, TREATED, joint)
    assert (treated.lower, treated.upper) == pytest.approx((joint[1, 1], joint[1, 1] + p_x0))
    ace = sharp_bounds(BOW_ARC, ACE, joint)
    expected = (joint[1, 1] - joint[0, 1] - p_x1, joint[1, 1] + p_x0 - joint[0, 1])
    assert (ace.lower, ace.upper) == pytest.approx(expected)
    assert ace.upper - ace.lower == pytest.approx(1.0)


def test_experimental_data_alone_identify_the_effect() -> None:
    experiment = Experiment(("X",), {(0,): np.array([0.3, 0.7]), (1,): np.array([0.6, 0.4])})
    result = sharp_bounds(BOW_ARC, ACE, None, [experiment])
    assert (result.lower, result.upper) == pytest.approx((-0.3, -0.3))


def test_violated_instrumental_inequality_is_named() -> None:
    joint = np.zeros((2, 2, 2))
    joint[0, 0, 0] = joint[1, 0, 1] = 0.45
    joint[0, 1, 1] = joint[1, 1, 1] = 0.05
    with pytest.raises(IncompatibleData, match="instrumental inequality for Z"):
        sharp_bounds(instrument_graph(2), ACE, joint)
    result = bounds_for_draws(instrument_graph(2), ACE, np.stack([joint, np.full((2, 2, 2), 0.125)]))
    assert result.n_infeasible == 1 and np.isnan(result.lowers[0]) and not np.isnan(result.lowers[1])


def test_experiment_contradicting_observations_is_named() -> None:
    joint = np.array([[0.1, 0.4], [0.1, 0.4]])
    experiment = Experiment(("X",), {(0,): np.array([0.7, 0.3]), (1,): np.array([0.6, 0.4])})
    with pytest.raises(IncompatibleData, match="contradict each other: an inequality"):
        sharp_bounds(BOW_ARC, ACE, joint, [experiment])


def test_rounding_level_violations_are_projected_away() -> None:
    joint = np.zeros((2, 2, 2))
    joint[0, 0, 0] = joint[0, 1, 1] = 0.25
    joint[1, 0, 1], joint[1, 1, 1] = 0.25 + 1e-8, 0.25 - 1e-8
    result = sharp_bounds(instrument_graph(2), ACE, joint)
    assert result.status.startswith("optimal for the data projected")
    assert (result.lower, result.upper) == pytest.approx((0.5, 0.5), abs=1e-6)


def test_charnes_cooper_ratio_bounds_satisfy_the_dinkelbach_condition() -> None:
    """For u = max P(A | B), max P(A and B) - u P(B) is 0 (and likewise for the minimum)."""
    rng = np.random.default_rng(11)
    joint, _ = instrument_scm(rng, 2)
    event, condition = (y_under(0, 0),), (y_under(1, 1),)
    ratio = sharp_bounds(instrument_graph(2), LinearQuery(((1.0, event),), condition), joint)
    assert 0 <= ratio.lower < ratio.upper <= 1
    for bound, extreme in ((ratio.upper, "upper"), (ratio.lower, "lower")):
        excess = LinearQuery(((1.0, event + condition), (-bound, condition)))
        result = sharp_bounds(instrument_graph(2), excess, joint)
        assert getattr(result, extreme) == pytest.approx(0.0, abs=1e-8)


def test_condition_of_probability_zero_is_refused() -> None:
    joint = np.array([[0.5, 0.5], [0.0, 0.0]])
    query = LinearQuery(((1.0, (y_under(0, 0),)),), condition=(factual("X", 1), factual("Y", 1)))
    with pytest.raises(ZeroProbabilityCondition):
        sharp_bounds(BOW_ARC, query, joint)


def test_every_draw_method_agrees_with_one_program_per_draw() -> None:
    """Dual vertices (ACE), cached vertices (forced; and PN, whose objective weighs P(Z)), and
    draw-by-draw Charnes–Cooper (a counterfactual condition) all match sharp_bounds."""
    rng = np.random.default_rng(5)
    joint, _ = instrument_scm(rng, 2)
    draws = rng.dirichlet(joint.ravel() * 500 + 1, size=30).reshape(30, 2, 2, 2)
    necessity = LinearQuery(((1.0, (y_under(0, 0),)),), condition=(factual("X", 1), factual("Y", 1)))
    counterfactual = LinearQuery(((1.0, (y_under(0, 0),)),), condition=(y_under(1, 1),))
    cases = [
        (ACE, {}, "dual vertices"),
        (ACE, {"max_rays": 0}, "cached vertices"),
        (necessity, {}, "cached vertices"),
        (counterfactual, {}, "linprog per draw"),
    ]
    graph = instrument_graph(2)
    for query, options, method in cases:
        result = bounds_for_draws(graph, query, draws, **options)
        assert result.method == method
        expected = np.array([_bounds_or_nan(graph, query, draw) for draw in draws[:8]])
        np.testing.assert_allclose(np.column_stack(tuple(result))[:8], expected, atol=1e-7)
    assert bounds_for_draws(graph, ACE, draws, max_rays=0).n_programs < 30


def test_front_door_bounds_collapse_to_the_identified_effect() -> None:
    """Front door X -> M -> Y with X <-> Y: M is its own c-component, independent of the (X, Y)
    confounding; with that independence the effect is identified and the sharp bounds are a point."""
    front_door = DiscreteGraph({"X": 2, "M": 2, "Y": 2}, {"M": ("X",), "Y": ("M",)}, CONFOUNDED)
    rng = np.random.default_rng(3)
    confounded_types = rng.dirichlet(np.ones(8)).reshape(2, 4)  # [x, y_type]
    mediator_types = rng.dirichlet(np.ones(4))
    joint = np.zeros((2, 2, 2))
    true_ace = 0.0
    for (x, y_type), weight in np.ndenumerate(confounded_types):
        for m_type, m_weight in enumerate(mediator_types):
            m = (m_type >> x) & 1
            joint[x, m, (y_type >> m) & 1] += weight * m_weight
            y1, y0 = (y_type >> ((m_type >> 1) & 1)) & 1, (y_type >> (m_type & 1)) & 1
            true_ace += weight * m_weight * (y1 - y0)
    result = sharp_bounds(front_door, ACE, joint)
    assert result.certificate == "point-identified" and result.sharp
    assert (result.lower, result.upper) == pytest.approx((true_ace, true_ace), abs=1e-10)
    assert "substituted" in result.notes[0]


def test_chained_instrument_is_conditioned_on() -> None:
    """Z1 -> Z2 -> X -> Y with X <-> Y: both instruments are conditioned on, so the bounds are sharp."""
    graph = DiscreteGraph(
        {"Z1": 2, "Z2": 2, "X": 2, "Y": 2}, {"Z2": ("Z1",), "X": ("Z2",), "Y": ("X",)}, CONFOUNDED
    )
    rng = np.random.default_rng(9)
    given_z2, _ = instrument_scm(rng, 2)
    given_z2 /= given_z2.sum(axis=(1, 2), keepdims=True)
    p_z2_z1 = np.array([[0.7, 0.3], [0.2, 0.8]])
    joint = 0.5 * p_z2_z1[:, :, None, None] * given_z2[None]
    chained = sharp_bounds(graph, ACE, joint)
    direct = sharp_bounds(instrument_graph(2), ACE, joint.sum(axis=0))
    assert chained.sharp and chained.n_columns == direct.n_columns
    assert (chained.lower, chained.upper) == pytest.approx((direct.lower, direct.upper), abs=1e-9)


def test_inputs_are_checked() -> None:
    with pytest.raises(ValueError, match="topological order"):
        DiscreteGraph({"Y": 2, "X": 2}, {"Y": ("X",)})
    with pytest.raises(ValueError, match="shape"):
        sharp_bounds(BOW_ARC, ACE, np.ones((2, 3)))
    with pytest.raises(ValueError, match="out of range"):
        sharp_bounds(BOW_ARC, LinearQuery(((1.0, (y_under(2),)),)), np.ones((2, 2)))
