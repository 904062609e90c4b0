"""Confounded models: intervening differs from conditioning, with the sign flip of Simpson's paradox."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causalppl as cp

P_SIZE = np.array([0.51, 0.49])  # small, large
P_TREATMENT = np.array([[0.243697479, 0.756302521], [0.7667638484, 0.2332361516]])  # [size, treatment]
P_RECOVERY = np.array([[0.9310344828, 0.7300380228], [0.8666666667, 0.6875]])  # P(R=1)[treatment, size]

# The study's counts (Charig et al., 1986): treatment, size, recovered, patients
STUDY = [("A", "small", 81, 87), ("A", "large", 192, 263), ("B", "small", 234, 270), ("B", "large", 55, 80)]


def seen(treatment: int) -> float:
    joint = P_SIZE * P_TREATMENT[:, treatment]
    return float((joint * P_RECOVERY[treatment]).sum() / joint.sum())


def done(treatment: int) -> float:
    return float((P_SIZE * P_RECOVERY[treatment]).sum())


def test_kidney_stones_conditioning_and_intervention_disagree(repo):
    model = cp.load(repo / "examples" / "kidney_stones" / "kidney_stones.scm")
    answers = {r.name: r.estimate for r in model.run(method="exact")}
    for name, expected in (("seen_A", seen(0)), ("seen_B", seen(1)), ("do_A", done(0)), ("do_B", done(1))):
        assert answers[name] == pytest.approx(expected, abs=1e-9), name
    assert answers["seen_A"] < answers["seen_B"]  # B looks better...
    assert answers["do_A"] > answers["do_B"]  # ...but A is better
    assert answers["ate"] == pytest.approx(done(0) - done(1), abs=1e-9)


def test_learnt_from_the_study_the_paradox_holds_in_the_posterior():
    model = cp.loads("""
    model KidneyStonesLearnt {
        Size : {small, large}
        Treatment : {A, B} <- Size
        Recovery : bool <- Treatment, Size
    }
    """)
    rows = [(t, s, 1, r) for t, s, r, n in STUDY] + [(t, s, 0, n - r) for t, s, r, n in STUDY]
    data = pd.DataFrame(rows, columns=["Treatment", "Size", "Recovery", "count"])
    effect, association = model.run(["P(Recovery = 1 | do(Treatment = A)) - P(Recovery = 1 | do(Treatment = B))",
                                     "P(Recovery = 1 | Treatment = A) - P(Recovery = 1 | Treatment = B)"],
                                    data=data, seed=0, num_samples=500)
    assert effect.method == "identification"  # auto: the back-door estimand on the study's table
    assert effect.plan.engine == "identification-estimate"
    assert effect.estimate > 0 > association.estimate
    assert association.interval[1] < effect.interval[0] + 0.1


def test_confounded_linear_model_adjusts_exactly():
    model = cp.loads("""
    model Linear {
        Z ~ Normal(0, 1)
        X ~ Normal(2 * Z, 1)
        Y ~ Normal(X + 3 * Z, 1)
    }
    """)
    effect = model.query("E[Y | do(X = 1)] - E[Y | do(X = 0)]", method="mc", samples=20_000, seed=0)
    assert effect.estimate == pytest.approx(1.0, abs=0.05)
    # Conditioning: E[Y | X = x] = x + 3 E[Z | X = x] = x + 3 * (2 / 5) x, slope 2.2
    mixed = model.query("E[Y | X > 0.9, X < 1.1] - E[Y | X > -0.1, X < 0.1]", samples=40_000,
                        seed=0)
    assert mixed.estimate == pytest.approx(2.2, abs=0.3)
