"""Positivity in estimand evaluation: an empty stratum is undefined, not probability zero.

A conditional on a stratum of probability zero may be any probability; the
estimand is defined only where every such conditional has weight zero in it.
"""

import numpy as np
import pytest

from causalppl.identification import (
    ADMG,
    Fraction,
    Prob,
    Undefined,
    backdoor_estimand,
    evaluate,
    evaluate_range,
    frontdoor_estimand,
    identify,
    undefined_conditional,
)

BACKDOOR = backdoor_estimand(["X"], ["Y"], ["Z"])  # sum_z P(Y | X, Z) P(Z)
FRONTDOOR = frontdoor_estimand("S", "C", ["T"])  # sum_t P(t | s) sum_s' P(c | s', t) P(s')


def table(cells: dict[tuple[int, ...], float], shape: tuple[int, ...]) -> np.ndarray:
    joint = np.zeros(shape)
    for index, count in cells.items():
        joint[index] = count
    return joint / joint.sum()


# Z, X, Y: no unit has Z = 1, X = 1, while P(Z = 1) = 3/9
NO_TREATED_AT_Z1 = table({(0, 0, 0): 2, (0, 0, 1): 2, (0, 1, 0): 1, (0, 1, 1): 1, (1, 0, 0): 2, (1, 0, 1): 1},
                         (2, 2, 2))
# no unit has Z = 1 at all: P(Y | X, Z = 1) is undefined but weighed by P(Z = 1) = 0
NO_Z1 = table({(0, 0, 0): 2, (0, 0, 1): 2, (0, 1, 0): 1, (0, 1, 1): 3}, (2, 2, 2))


def test_a_positive_weight_on_an_empty_stratum_leaves_the_estimand_undefined():
    low, high = evaluate_range(BACKDOOR, NO_TREATED_AT_Z1, ("Z", "X", "Y"), {"X": 1, "Y": 1})
    assert float(low) == pytest.approx(6 / 9 * 0.5)  # the old reading: P(Y = 1 | X = 1, Z = 1) as 0
    assert float(high) == pytest.approx(6 / 9 * 0.5 + 3 / 9)  # ... or as 1
    assert float(evaluate(BACKDOOR, NO_TREATED_AT_Z1, ("Z", "X", "Y"), {"X": 1, "Y": 1})) == float(low)


def test_the_empty_stratum_is_named_with_its_weight():
    found = undefined_conditional(BACKDOOR, NO_TREATED_AT_Z1, ("Z", "X", "Y"), {"X": 1, "Y": 1})
    assert isinstance(found, Undefined)
    assert found.term == Prob(("Y",), ("X", "Z"))
    assert found.stratum == (("Z", 1), ("X", 1))  # in the joint's variable order
    assert found.fixed == frozenset({"X"})  # X is set by the query, Z summed over
    assert found.weight == pytest.approx(3 / 9)  # P(Z = 1)


def test_the_other_arm_is_defined_bit_for_bit():
    low, high = evaluate_range(BACKDOOR, NO_TREATED_AT_Z1, ("Z", "X", "Y"), {"X": 0, "Y": 1})
    assert float(low) == float(high)
    assert undefined_conditional(BACKDOOR, NO_TREATED_AT_Z1, ("Z", "X", "Y"), {"X": 0, "Y": 1}) is None


def test_an_empty_stratum_of_weight_zero_is_harmless():
    low, high = evaluate_range(BACKDOOR, NO_Z1, ("Z", "X", "Y"), {"X": 1, "Y": 1})
    assert float(low) == float(high) == pytest.approx(3 / 4)  # P(Y = 1 | X = 1, Z = 0), times P(Z = 0) = 1
    assert undefined_conditional(BACKDOOR, NO_Z1, ("Z", "X", "Y"), {"X": 1, "Y": 1}) is None


def test_front_door_without_the_treatment_value_names_its_first_conditional():
    always_smoking = table({(1, 1, 1): 1, (1, 0, 0): 2}, (2, 2, 2))  # S, T, C
    variables = ("S", "T", "C")
    low, high = evaluate_range(FRONTDOOR, always_smoking, variables, {"S": 1, "C": 1})
    assert float(low) == float(high) == pytest.approx(1 / 3)  # the zero-probability strata weigh nothing
    low, high = evaluate_range(FRONTDOOR, always_smoking, variables, {"S": 0, "C": 1})
    assert float(high) > float(low)
    found = undefined_conditional(FRONTDOOR, always_smoking, variables, {"S": 0, "C": 1})
    assert found.term == Prob(("T",), ("S",)) and found.stratum == (("S", 0),) and found.weight == pytest.approx(1)


def test_a_summed_stratum_with_positive_margins_but_no_units_is_found():
    # both S = 0 and T = 1 occur, never together; do(S = 1) needs P(C | S' = 0, T = 1) with weight P(T=1|S=1) P(S=0)
    joint = table({(1, 1, 1): 1, (0, 0, 0): 2, (1, 0, 1): 1}, (2, 2, 2))
    found = undefined_conditional(FRONTDOOR, joint, ("S", "T", "C"), {"S": 1, "C": 1})
    assert found.term == Prob(("C",), ("S", "T"))
    assert found.stratum == (("S", 0), ("T", 1)) and found.fixed == frozenset()
    assert found.weight == pytest.approx(0.5 * 0.5)


def test_batched_tables_are_flagged_one_by_one():
    positive = np.random.default_rng(0).dirichlet(np.ones(8), size=3).reshape(3, 2, 2, 2)
    joints = np.concatenate([positive, NO_TREATED_AT_Z1[None]])
    low, high = evaluate_range(BACKDOOR, joints, ("Z", "X", "Y"), {"X": 1, "Y": 1})
    assert low.shape == high.shape == (4,)
    assert list(high > low) == [False, False, False, True]
    assert np.array_equal(low[:3], high[:3])


def test_a_ratio_over_an_empty_denominator_is_undefined():
    ratio = Fraction(Prob(("Y", "X")), Prob(("X",)))
    low, high = evaluate_range(ratio, NO_TREATED_AT_Z1[0], ("X", "Y"), {"X": 1, "Y": 1})
    assert float(low) == float(high) == pytest.approx(0.5)
    never_treated = table({(0, 0): 1, (0, 1): 1}, (2, 2))
    low, high = evaluate_range(ratio, never_treated, ("X", "Y"), {"X": 1, "Y": 1})
    assert (float(low), float(high)) == (0.0, 1.0)
    found = undefined_conditional(ratio, never_treated, ("X", "Y"), {"X": 1, "Y": 1})
    assert found.term == ratio and found.stratum == (("X", 1),)


def test_id_estimands_on_strictly_positive_joints_are_always_defined():
    g = ADMG.from_edges(["Z", "X", "M", "Y"], [("Z", "X"), ("X", "M"), ("M", "Y"), ("Z", "Y")], [("X", "Y")])
    result = identify(g, {"Y"}, {"X"})
    assert result.identifiable
    joints = np.random.default_rng(1).dirichlet(np.full(16, 0.5), size=50).reshape(50, 2, 2, 2, 2)
    for x in (0, 1):
        low, high = evaluate_range(result.estimand, joints, ("Z", "X", "M", "Y"), {"X": x, "Y": 1})
        assert np.array_equal(low, high)


def test_one_table_only():
    with pytest.raises(ValueError):
        undefined_conditional(BACKDOOR, NO_TREATED_AT_Z1[None], ("Z", "X", "Y"), {"X": 1, "Y": 1})
