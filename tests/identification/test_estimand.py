"""Tests of estimand trees: text, free variables, simplification and batched evaluation."""

import pytest
import numpy as np

from causalppl.identification import (
    ONE,
    Fraction,
    Prob,
    Product,
    Sum,
    divide,
    evaluate,
    frontdoor_estimand,
    marginalize,
    multiply,
    simplify,
)

VARIABLES = ("X", "M", "Y")


def random_joint(*batch: int, shape=(2, 3, 2), seed: int = 0) -> np.ndarray:
    flat = np.random.default_rng(seed).random((*batch, *shape))
    return flat / flat.sum(axis=tuple(range(len(batch), len(batch) + len(shape))), keepdims=True)


def test_front_door_text_primes_the_shadowing_bound_variable() -> None:
    estimand = frontdoor_estimand("Smoking", "Cancer", ["Tar"])
    assert estimand.to_text() == "sum_{Tar} P(Tar | Smoking) sum_{Smoking'} P(Cancer | Smoking', Tar) P(Smoking')"
    assert str(estimand) == estimand.to_text()
    assert estimand.free_variables() == {"Smoking", "Cancer"}


def test_text_of_fractions_products_and_one() -> None:
    ratio = Fraction(Sum(("M",), Product((Prob(("Y",), ("M",)), Prob(("M",))))), Prob(("X",)))
    assert ratio.to_text() == "[sum_{M} P(Y | M) P(M)] / P(X)"
    assert ONE.to_text() == "1"
    nested = Product((Sum(("M",), Prob(("M",), ("X",))), Prob(("X",)), Sum(("Y",), Prob(("Y",)))))
    assert nested.to_text() == "P(X) [sum_{M} P(M | X)] sum_{Y} P(Y)"


def test_prob_rejects_empty_or_overlapping_variables() -> None:
    with pytest.raises(ValueError):
        Prob(())
    with pytest.raises(ValueError):
        Prob(("X",), ("X",))


def test_marginalize_sums_out_chain_factors_and_empty_sums() -> None:
    chain = multiply([Prob(("X",)), Prob(("M",), ("X",)), Prob(("Y",), ("X", "M"))])
    assert marginalize(chain, ("Y",)) == Product((Prob(("X",)), Prob(("M",), ("X",))))
    assert marginalize(chain, ("Y", "M", "X")) == ONE
    assert marginalize(Prob(("X", "M", "Y")), ("M",)) == Prob(("X", "Y"))
    assert marginalize(chain, ()) == chain


def test_marginalize_pulls_constant_factors_out_of_sums() -> None:
    expression = marginalize(multiply([Prob(("X",)), Prob(("M",)), Prob(("Y",), ("M", "X"))]), ("M",))
    assert expression == Product((Prob(("X",)), Sum(("M",), Product((Prob(("M",)), Prob(("Y",), ("M", "X")))))))


def test_marginalize_combines_factors_by_the_chain_rule() -> None:
    expression = marginalize(multiply([Prob(("M",), ("X",)), Prob(("Y",), ("X", "M"))]), ("M",))
    assert expression == Prob(("Y",), ("X",))


def test_divide_cancels_and_forms_conditionals() -> None:
    assert divide(Prob(("X", "Y")), Prob(("X",))) == Prob(("Y",), ("X",))
    assert divide(multiply([Prob(("X",)), Prob(("Y",), ("X",))]), Prob(("X",))) == Prob(("Y",), ("X",))
    assert divide(Prob(("X",)), Prob(("X",))) == ONE
    assert divide(Prob(("X",)), ONE) == Prob(("X",))


def test_simplify_rebuilds_user_trees() -> None:
    tree = Sum(("Y",), Product((Prob(("X",)), Product((Prob(("Y",), ("X",)),)))))
    assert simplify(tree) == Prob(("X",))


def test_evaluate_prob_and_conditional_match_tensor_arithmetic() -> None:
    joint = random_joint()
    p_xy = joint.sum(axis=1)
    expected = p_xy[1, 0] / p_xy[1].sum()
    value = evaluate(Prob(("Y",), ("X",)), joint, VARIABLES, {"X": 1, "Y": 0})
    assert np.allclose(value, expected)


def test_evaluate_respects_sum_scoping() -> None:
    joint = random_joint()
    estimand = frontdoor_estimand("X", "Y", ["M"])
    p = joint
    p_x = p.sum(axis=(1, 2))
    p_mx = p.sum(axis=2) / p_x[:, None]
    p_y_xm = p / p.sum(axis=2, keepdims=True)
    x, y = 0, 1
    expected = sum(p_mx[x, m] * sum(p_y_xm[xp, m, y] * p_x[xp] for xp in range(2)) for m in range(3))
    assert np.allclose(evaluate(estimand, joint, VARIABLES, {"X": x, "Y": y}), expected)


def test_batched_evaluation_has_the_batch_shape_and_matches_one_by_one() -> None:
    joints = random_joint(1000, shape=(2, 3, 2), seed=1)
    estimand = frontdoor_estimand("X", "Y", ["M"])
    values = evaluate(estimand, joints, VARIABLES, {"X": 1, "Y": 1})
    assert values.shape == (1000,)
    for i in (0, 17, 999):
        assert np.allclose(values[i], evaluate(estimand, joints[i], VARIABLES, {"X": 1, "Y": 1}))


def test_batched_evaluation_with_several_batch_axes() -> None:
    joints = random_joint(4, 5)
    assert evaluate(Prob(("Y",), ("X",)), joints, VARIABLES, {"X": 0, "Y": 1}).shape == (4, 5)
    assert evaluate(ONE, joints, VARIABLES, {}).shape == (4, 5)


def test_zero_over_zero_evaluates_to_zero() -> None:
    joint = random_joint()
    joint[1] = 0.0  # X = 1 never happens: P(Y | X = 1) is 0/0
    joint = joint / joint.sum()
    value = evaluate(Prob(("Y",), ("X",)), joint, VARIABLES, {"X": 1, "Y": 0})
    assert value.item() == 0.0
    assert not np.isnan(value)


def test_sum_over_a_variable_absent_from_the_body_counts_its_levels() -> None:
    joint = random_joint()
    value = evaluate(Sum(("M",), Prob(("X",))), joint, VARIABLES, {"X": 0})
    assert np.allclose(value, 3 * joint[0].sum())


def test_assignment_must_cover_free_variables_and_fit_levels() -> None:
    joint = random_joint()
    with pytest.raises(ValueError):
        evaluate(Prob(("Y",), ("X",)), joint, VARIABLES, {"Y": 0})
    with pytest.raises(ValueError):
        evaluate(Prob(("Y",)), joint, VARIABLES, {"Y": 2})
    assert evaluate(Prob(("Y",)), joint, VARIABLES, {"Y": 1, "Unused": 7}).shape == ()


def test_evaluate_is_exported_by_the_identification_package() -> None:
    import causalppl.identification as identification

    assert identification.evaluate is evaluate
