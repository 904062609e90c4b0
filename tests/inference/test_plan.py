"""The planner: one table picks the engine; auto does what a statistician would; explicit methods are honoured
or refused with the reason; options are validated once, in the caller's language."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import causalppl as cp
from causalppl.cli import main
from causalppl.inference.plan import TABLE
from tests.conftest import REPO

FRONT_DOOR = """
model FrontDoor { Smoking : bool; Tar : bool <- Smoking; Cancer : bool <- Tar; Smoking <-> Cancer }
"""
SMOKING_CSV = REPO / "examples" / "front_door_smoking" / "smoking.csv"
KNOWN = "model Known {\n X ~ Bernoulli(0.3)\n Y : bool ~ Bernoulli(if X then 0.9 else 0.2)\n}"
PRIORS = "model Priors {\n param p ~ Beta(2, 2)\n X : bool ~ Bernoulli(p)\n}"
IV = """
model IV { Z : bool; X : bool <- Z; Y : bool <- X; X <-> Y }
"""


def front_door() -> cp.Model:
    return cp.loads(FRONT_DOOR).with_data_files([SMOKING_CSV])


# ---------------------------------------------------------------- auto ----


def test_observational_query_on_a_confounded_model_is_a_ratio_of_counts():
    result = front_door().query("P(Cancer = 1 | Smoking = 1)")
    assert result.estimate == pytest.approx(0.8525, abs=1e-9)  # Pearl's 800-unit table
    assert result.interval[0] < 0.8525 < result.interval[1]
    assert result.plan.engine == "identification-estimate"
    assert any("identified" in reason for reason in result.plan.reasons)


def test_front_door_effect_is_estimated_by_its_estimand():
    result = front_door().query("P(Cancer = 1 | do(Smoking = 1))")
    assert result.estimate == pytest.approx(0.4525, abs=1e-9)
    assert result.method == "identification" and "sum_{Tar}" in result.estimand


def test_an_unidentified_causal_query_gets_bounds_and_says_so():
    rng = np.random.default_rng(0)
    z = rng.integers(0, 2, 400)
    u = rng.integers(0, 2, 400)
    x = (rng.random(400) < 0.2 + 0.5 * z * u + 0.2 * u).astype(int)
    y = (rng.random(400) < 0.1 + 0.4 * x + 0.4 * u).astype(int)
    model = cp.loads(IV)
    result = model.query("P(Y = 1 | do(X = 1))", data=pd.DataFrame({"Z": z, "X": x, "Y": y}))
    assert result.plan.engine == "bounds-estimate"
    assert result.bounds is not None and result.bounds[0] < result.bounds[1]
    assert any("not identified" in reason for reason in result.plan.reasons)


def test_a_finite_known_model_is_answered_exactly():
    result = cp.loads(KNOWN).query("P(Y = 1 | X = 1)")
    assert result.plan.engine == "exact" and result.estimate == pytest.approx(0.9)


def test_priors_without_data_push_every_prior_draw_through():
    model = cp.loads(PRIORS)
    answers = [model.query("P(X = 1)", seed=seed, query_draws=400).estimate for seed in (1, 2, 3)]
    result = model.query("P(X = 1)", seed=0, query_draws=400)
    assert result.plan.engine == "prior"
    assert answers == pytest.approx([0.5] * 3, abs=0.05)  # the prior mean of p, not one draw of it
    lo, hi = result.interval
    assert lo < 0.2 and hi > 0.8  # the prior's spread of p (Beta(2, 2): 95% in [0.094, 0.906])


def test_explicit_mc_on_a_model_with_priors_uses_every_prior_draw():
    model = cp.loads(PRIORS)
    answers = [model.query("P(X = 1)", method="mc", seed=seed, query_draws=400).estimate for seed in (1, 2, 3)]
    assert answers == pytest.approx([0.5] * 3, abs=0.05)


def test_explicit_nuts_on_a_known_model_is_refused_with_the_methods_that_can():
    with pytest.raises(cp.CausalPPLError) as error:
        cp.loads(KNOWN).query("P(Y = 1)", method="nuts")
    text = str(error.value)
    assert 'method="nuts" cannot answer this query' in text and "nothing to learn" in text
    assert 'method="exact"' in text and 'method="mc"' in text


def test_explicit_mc_on_an_identify_query_is_refused():
    with pytest.raises(cp.CausalPPLError, match='method="mc" cannot answer this query'):
        front_door().query("identify P(Cancer = 1 | do(Smoking = 1))", method="mc")


def test_explicit_exact_honours_the_method_and_mc_is_monte_carlo():
    model = cp.loads(KNOWN)
    assert model.query("P(Y = 1)", method="exact").plan.engine == "exact"
    result = model.query("P(Y = 1)", method="mc", samples=2000, seed=0)
    assert result.plan.engine == "monte-carlo" and result.std_error is not None


def test_every_engine_of_the_table_has_a_distinct_name_and_methods():
    names = [engine.name for engine in TABLE]
    assert len(names) == len(set(names))
    assert all(engine.methods for engine in TABLE)


def test_plan_lists_the_rejected_engines_with_reasons():
    result = front_door().query("P(Cancer = 1 | do(Smoking = 1))")
    rejected = dict(result.plan.alternatives)
    assert "exact" in rejected and "unknown confounder" in rejected["exact"]
    assert "identification" not in rejected  # other query kinds are not listed
    assert "engine: identification-estimate" in result.plan.explain()


# -------------------------------------------------------------- options ----


def test_misspelt_option_gets_a_suggestion():
    with pytest.raises(cp.CausalPPLError, match="unknown option 'sampels' \\(did you mean 'samples'\\?\\)"):
        cp.loads(KNOWN).query("P(Y = 1)", sampels=100)


@pytest.mark.parametrize("options, message", [
    ({"samples": 0}, "samples must be a positive integer"),
    ({"samples": 2.5}, "samples must be an integer"),
    ({"seed": -1}, "seed must be an integer from 0 to"),
    ({"seed": 10**30}, "seed must be an integer from 0 to"),
    ({"seed": "abc"}, "seed must be an integer"),
    ({"lr": 0}, "lr must be a positive number"),
    ({"lr": float("nan")}, "lr must be a finite number"),
    ({"method": "nut"}, "method must be one of .* \\(did you mean 'nuts'\\?\\)"),
    ({"device": "tpu"}, "device must be cpu, cuda or cuda:N"),
    ({"target_accept": 1.5}, "target_accept must be a number between 0 and 1"),
])
def test_out_of_range_options_are_refused_by_name(options, message):
    with pytest.raises(cp.CausalPPLError, match=message):
        cp.loads(KNOWN).query("P(Y = 1)", **options)


def test_fitted_model_validates_its_options():
    fitted = cp.loads(PRIORS).fit(pd.DataFrame({"X": [0, 1, 1]}), method="auto", seed=0)
    with pytest.raises(cp.CausalPPLError, match="unknown option"):
        fitted.query("P(X = 1)", num_chainz=2)


# ------------------------------------------------------------------ CLI ----


def test_cli_speaks_in_flags(tmp_path, capsys):
    path = tmp_path / "known.scm"
    path.write_text(KNOWN + "\nquery P(Y = 1)\n")
    assert main(["run", str(path), "--method", "nuts"]) == 1
    err = capsys.readouterr().err
    assert "--method nuts cannot answer this query" in err and "--method exact" in err
    assert main(["run", str(path), "--samples", "0"]) == 1
    assert "--samples must be a positive integer" in capsys.readouterr().err
    assert main(["run", str(path), "--seed", "-1"]) == 1
    assert "--seed must be an integer from 0" in capsys.readouterr().err
    assert main(["run", str(path), "--chains", "x"]) == 1
    assert "--chains must be an integer" in capsys.readouterr().err


def test_cli_explain_and_json_plan(tmp_path, capsys):
    path = tmp_path / "fd.scm"
    path.write_text(FRONT_DOOR + f'data "{SMOKING_CSV.as_posix()}"\nquery seen = P(Cancer = 1 | Smoking = 1)\n')
    assert main(["run", str(path), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "engine: identification-estimate" in out and "not exact" in out
    assert main(["run", str(path), "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)["queries"][0]["plan"]
    assert plan["engine"] == "identification-estimate" and "exact" in plan["rejected"]


def test_a_distribution_query_on_unit_level_data_is_not_given_to_the_event_estimators():
    model = cp.loads("model D {\n Z : real\n X : bool <- Z\n Y : bool <- X, Z\n}")
    rng = np.random.default_rng(0)
    z = rng.normal(size=40)
    data = pd.DataFrame({"Z": z, "X": (z > 0).astype(int), "Y": (rng.random(40) < 0.5).astype(int)})
    plan = model.plan("P(Y | do(X = 1))", data=data)
    rejected = dict(plan.alternatives)
    for engine in ("adjustment", "plug-in"):
        assert engine != plan.engine
        assert "takes events, not a distribution" in rejected[engine]
