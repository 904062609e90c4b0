"""``data ... under do(X)``: the experiment sets X, so X's mechanism learns nothing from those rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causalppl as cp

LINEAR = """
model Trial {
    param zx ~ Normal(0, 5)
    param effect ~ Normal(0, 5)
    Z ~ Normal(0, 1)
    X ~ Normal(zx * Z, 1)
    Y ~ Normal(effect * X + Z, 0.5)
}
"""


def write_trial(tmp_path, blocks: str) -> cp.Model:
    rng = np.random.default_rng(2)
    z = rng.normal(size=300)
    observational = pd.DataFrame({"Z": z, "X": 0.8 * z + rng.normal(size=300)})
    rct_z = rng.normal(size=300)
    experiment = pd.DataFrame({"Z": rct_z, "X": rng.uniform(-3, 3, size=300)})  # X randomised, unrelated to Z
    for frame in (observational, experiment):
        frame["Y"] = 1.5 * frame["X"] + frame["Z"] + 0.5 * rng.normal(size=len(frame))
    observational.to_csv(tmp_path / "obs.csv", index=False)
    experiment.to_csv(tmp_path / "rct.csv", index=False)
    (tmp_path / "trial.scm").write_text(LINEAR + blocks)
    return cp.load(tmp_path / "trial.scm")


SVI = dict(method="svi", seed=0, num_steps=700, num_samples=300, query_draws=300)


def test_an_experiment_alone_says_nothing_about_the_set_mechanism(tmp_path):
    import torch
    from pyro import poutine

    from causalppl.inference.bayesian import build_likelihood

    model = write_trial(tmp_path, 'data "rct.csv" under do(X)\n')
    likelihood = build_likelihood(model.ir, model.load_data(), torch.device("cpu"))

    def log_likelihood(zx: float) -> float:
        values = {"zx": torch.tensor(zx), "effect": torch.tensor(1.5)}
        trace = poutine.trace(poutine.condition(likelihood, values)).get_trace()
        return float(trace.log_prob_sum(lambda name, site: name not in values))  # the rows' terms only

    assert log_likelihood(0.0) == pytest.approx(log_likelihood(3.0), abs=1e-3)
    zx, effect = model.run(["E[zx]", "E[effect]"], **SVI)
    assert abs(zx.estimate) < 1.5 and zx.interval[1] - zx.interval[0] > 5  # near the prior Normal(0, 5)
    assert effect.interval[0] < 1.5 < effect.interval[1]


def test_observational_and_experimental_blocks_combine(tmp_path):
    model = write_trial(tmp_path, 'data "obs.csv"\ndata "rct.csv" under do(X)\n')
    zx, effect = model.run(["E[zx]", "E[effect]"], **SVI)
    assert zx.interval[0] < 0.8 < zx.interval[1]  # learnt from the observational rows only
    assert zx.interval[1] - zx.interval[0] < 0.5
    assert effect.interval[0] < 1.5 < effect.interval[1]


def test_an_experiment_with_a_fixed_setting(tmp_path):
    rng = np.random.default_rng(4)
    z = rng.normal(size=200)
    pd.DataFrame({"Z": z, "Y": 1.5 * 2.0 + z + 0.5 * rng.normal(size=200)}).to_csv(tmp_path / "fixed.csv", index=False)
    (tmp_path / "trial.scm").write_text(LINEAR + 'data "fixed.csv" under do(X = 2)\n')
    model = cp.load(tmp_path / "trial.scm")
    result = model.run(["E[Y | do(X = 2)]"], **SVI)[0]
    assert result.estimate == pytest.approx(3.0, abs=0.2)


def test_an_experiment_overrides_a_formula(tmp_path):
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, size=200)  # set by the experimenter, unrelated to Z
    frame = pd.DataFrame({"Z": rng.normal(size=200), "X": x, "Y": 1.5 * x + 0.5 * rng.normal(size=200)})
    frame.to_csv(tmp_path / "rct.csv", index=False)
    (tmp_path / "formula.scm").write_text("""
model Formula {
    param effect ~ Normal(0, 5)
    Z ~ Normal(0, 1)
    X := 2 * Z
    Y ~ Normal(effect * X, 0.5)
}
data "rct.csv" under do(X)
""")
    result = cp.load(tmp_path / "formula.scm").run(["E[effect]"], **SVI)[0]
    assert result.interval[0] < 1.5 < result.interval[1]
