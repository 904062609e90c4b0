"""``backend="numpyro"``: the NumPyro program of the same IR gives the Pyro program's answers."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import causalppl as cp
from causalppl.cli import main
from causalppl.inference.bayesian import numpyro_nuts
from tests.inference.conftest import CONFOUNDED_LINEAR, TRUE_EFFECT

NUTS = dict(method="nuts", seed=0, num_chains=2, num_warmup=150, num_samples=150, query_draws=150)


@pytest.fixture
def numpyro():
    return pytest.importorskip("numpyro")


def _linear_data(rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    z = rng.normal(size=rows)
    x = 0.8 * z + rng.normal(size=rows)
    return pd.DataFrame({"Z": z, "X": x, "Y": TRUE_EFFECT * x + 2.0 * z + 0.5 * rng.normal(size=rows)})


def _agree(a, b, sd_units: float = 4.0) -> None:
    """Two posterior means agree within a few posterior standard errors (ESS ~ 100 or more each)."""
    spread = max(a.diagnostics["posterior_sd"], b.diagnostics["posterior_sd"])
    assert abs(a.estimate - b.estimate) < sd_units * spread / 10 ** 0.5 + 1e-9


def test_both_backends_learn_the_same_linear_posterior(numpyro):
    model, data = cp.loads(CONFOUNDED_LINEAR), _linear_data()
    ours = model.query("E[effect]", data=data, backend="numpyro", **NUTS)
    reference = model.query("E[effect]", data=data, backend="pyro", **NUTS)
    assert ours.method == "nuts" and ours.interval[0] < TRUE_EFFECT < ours.interval[1]
    _agree(ours, reference)
    for key in ("max_rhat", "min_ess_bulk", "min_ess_tail", "divergences"):
        assert ours.diagnostics[key] is not None
    assert ours.diagnostics["max_rhat"] < 1.05
    assert set(ours.inference_data.posterior.data_vars) == set(reference.inference_data.posterior.data_vars)
    ate = model.query("E[Y | do(X = 1)] - E[Y | do(X = 0)]", data=data, backend="numpyro", **NUTS)
    assert ate.estimate == pytest.approx(ours.estimate, abs=0.05)  # the torch side answers from converted draws


def test_eight_schools_agree_and_the_school_table_is_exact(numpyro):
    model = cp.load("stdlib:eight_schools")
    ours = model.query("E[mu]", backend="numpyro", **NUTS)
    reference = model.query("E[mu]", backend="pyro", **NUTS)
    _agree(ours, reference)
    assert any("School" in note and "exact Dirichlet" in note for note in ours.notes)
    assert ours.inference_data.posterior["probs_School"].shape[:2] == (2, 150)


MIXED_CLASSES = """
model Confounded {
    A : bool
    B : bool <- A
    A <-> B
}
"""


@pytest.mark.skipif(os.environ.get("CAUSALPPL_SLOW_TESTS") != "1",
                    reason="enumerated NUTS on both backends: minutes on two cores; CAUSALPPL_SLOW_TESTS=1")
def test_discrete_latent_classes_are_enumerated_by_both(numpyro):
    pytest.importorskip("funsor")
    rng = np.random.default_rng(1)
    a = rng.random(300) < 0.4
    b = np.where(a, rng.random(300) < 0.7, rng.random(300) < 0.2)
    data = pd.DataFrame({"A": a.astype(int), "B": b.astype(int)})
    model = cp.loads(MIXED_CLASSES)
    settings = dict(NUTS, num_warmup=150, num_samples=150, query_draws=150)
    ours = model.query("P(B = 1 | A = 1)", data=data, backend="numpyro", **settings)
    reference = model.query("P(B = 1 | A = 1)", data=data, backend="pyro", **settings)
    assert ours.estimate == pytest.approx(b[a].mean(), abs=0.06)
    assert reference.estimate == pytest.approx(ours.estimate, abs=0.06)


def test_rows_of_an_experiment_drop_the_set_mechanism_in_both(numpyro, tmp_path):
    rng = np.random.default_rng(2)
    z = rng.normal(size=200)
    observational = pd.DataFrame({"Z": z, "X": 0.8 * z + rng.normal(size=200)})
    experiment = pd.DataFrame({"Z": rng.normal(size=200), "X": rng.uniform(-3, 3, size=200)})
    for frame in (observational, experiment):
        frame["Y"] = 1.5 * frame["X"] + frame["Z"] + 0.5 * rng.normal(size=len(frame))
    observational.to_csv(tmp_path / "obs.csv", index=False)
    experiment.to_csv(tmp_path / "rct.csv", index=False)
    (tmp_path / "trial.scm").write_text("""
model Trial {
    param zx ~ Normal(0, 5)
    param effect ~ Normal(0, 5)
    Z ~ Normal(0, 1)
    X ~ Normal(zx * Z, 1)
    Y ~ Normal(effect * X + Z, 0.5)
}
data "obs.csv"
data "rct.csv" under do(X)
""")
    model = cp.load(tmp_path / "trial.scm")
    ours = model.query("E[zx]", backend="numpyro", **NUTS)
    reference = model.query("E[zx]", backend="pyro", **NUTS)
    assert ours.estimate == pytest.approx(0.8, abs=0.15)  # learnt from the observational rows only
    _agree(ours, reference)


def test_the_numpyro_program_forward_samples_counts(numpyro):
    """A Binomial's total_count goes to JAX as integers (its sampler indexes with it; 3.0 was a TypeError)."""
    from jax.random import PRNGKey
    from numpyro.infer import Predictive

    from causalppl.backends.numpyro_codegen import compiled_numpyro_program

    model = cp.loads("model B {\n  K ~ Poisson(2)\n  N ~ Binomial(3, 0.5)\n  M ~ Binomial(K, 0.5)\n}\n")
    draws = Predictive(compiled_numpyro_program(model.ir), num_samples=200)(PRNGKey(0), n_units=4)
    assert draws["N"].shape == (200, 4) and 0 <= int(draws["N"].min()) and int(draws["N"].max()) <= 3
    assert bool((draws["M"] <= draws["K"]).all())
    assert abs(float(draws["N"].mean()) - 1.5) < 0.15


def test_svi_with_numpyro_is_a_user_error():
    model = cp.loads(CONFOUNDED_LINEAR)
    with pytest.raises(cp.CausalPPLError, match="NumPyro backend runs NUTS") as caught:
        model.query("E[effect]", data=_linear_data(50), method="svi", backend="numpyro")
    assert 'method="nuts"' in caught.value.render()


def test_a_missing_jax_is_a_user_error_with_the_install_command(monkeypatch):
    monkeypatch.setattr(numpyro_nuts, "missing_modules", lambda: ("jax", "numpyro"))
    model = cp.loads(CONFOUNDED_LINEAR)
    with pytest.raises(cp.CausalPPLError, match="needs jax and numpyro") as caught:
        model.query("E[effect]", data=_linear_data(50), method="nuts", backend="numpyro")
    assert "causalppl[numpyro]" in caught.value.render()


def test_an_unknown_backend_is_refused_with_a_suggestion():
    model = cp.loads(CONFOUNDED_LINEAR)
    with pytest.raises(cp.CausalPPLError, match="backend must be one of pyro, numpyro"):
        model.query("E[effect]", backend="numpyr")


def test_cli_compile_prints_the_numpyro_program(capsys, repo):
    assert main(["compile", str(repo / "stdlib" / "eight_schools.scm"), "--backend", "numpyro"]) == 0
    out = capsys.readouterr().out
    assert "import numpyro" in out and 'numpyro.sample("y", dist.Normal(' in out
    assert main(["compile", str(repo / "stdlib" / "eight_schools.scm"), "--backend", "numpyro",
                 "--query", "E[y]"]) == 1
    assert "generated for Pyro only" in capsys.readouterr().err
