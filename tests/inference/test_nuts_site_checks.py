"""NUTS steps run the program unchecked and re-run an evaluation under the site checks only when it fails."""

from __future__ import annotations

import pandas as pd
import pyro
import pytest
import torch
from pyro.infer.autoguide import init_to_value
from pyro.infer.mcmc.util import initialize_model

import causalppl as cp
from causalppl.backends import site_checks
from causalppl.backends.site_checks import InvalidSite
from causalppl.diagnostics import CausalPPLError
from causalppl.inference.bayesian.likelihood import build_likelihood

SCALE = "model M {\n  param s ~ HalfNormal(1)\n  Y ~ Normal(0, s)\n}\n"
RATE = "model M {\n  X ~ Normal(0, 1)\n  param b ~ Normal(0, 1)\n  Y ~ Poisson(exp(b * X) - 1)\n}\n"


def likelihood_of(source: str, frame: pd.DataFrame):
    model = cp.loads(source)
    return build_likelihood(model.ir, model.load_data(frame), torch.device("cpu"))


def test_an_invalid_argument_under_nuts_is_a_located_user_error_naming_the_row():
    data = pd.DataFrame({"X": [1.0, -2.0, 3.0], "Y": [1, 0, 2]})
    with pytest.raises(CausalPPLError) as caught:
        cp.loads(RATE).query("E[Y]", data=data, method="nuts", num_chains=1, num_warmup=20, num_samples=20,
                             samples=10, seed=1)
    text = caught.value.render()
    assert "the rate of 'Y' must be at least 0" in text and " at row " in text and "of <DataFrame>" in text


def test_the_steps_of_a_valid_model_do_not_run_the_checks(monkeypatch):
    checked = []
    original = site_checks.SiteChecks._pyro_sample
    monkeypatch.setattr(site_checks.SiteChecks, "_pyro_sample",
                        lambda self, msg: (checked.append(msg["name"]), original(self, msg))[1])
    data = pd.DataFrame({"Y": [0.3, -1.2, 0.8, 2.0]})
    posterior = cp.loads(SCALE).fit(data=data, method="nuts", num_chains=1, num_warmup=30, num_samples=30, seed=0)
    assert posterior is not None
    # Pyro's initialisation evaluates the likelihood a few times (checked); 60 NUTS steps take many more gradients
    assert 0 < checked.count("Y") < 10


def test_a_failing_evaluation_is_re_run_under_the_checks():
    likelihood = likelihood_of(RATE, pd.DataFrame({"X": [1.0, 2.0, 3.0], "Y": [1, 0, 2]}))
    start = init_to_value(values={"b": torch.tensor(0.5)})
    _, potential, _, _ = initialize_model(likelihood, max_plate_nesting=1, init_strategy=start)
    guarded = likelihood.checked_on_failure(potential)
    assert torch.isfinite(guarded({"b": torch.tensor(0.5)}))
    with pytest.raises(InvalidSite) as caught:  # exp(-0.5 * X) - 1 < 0 for every row
        guarded({"b": torch.tensor(-0.5)})
    assert (caught.value.site, caught.value.what, caught.value.unit, caught.value.bad) == ("Y", "rate", 0, 3)
    assert likelihood.checks  # the checks are back on for whatever runs next


@pytest.mark.filterwarnings("ignore:Encountered NaN")
def test_a_proposal_on_the_boundary_is_still_left_to_the_sampler():
    likelihood = likelihood_of(SCALE, pd.DataFrame({"Y": [0.3, -1.2]}))
    _, potential, _, _ = initialize_model(likelihood, max_plate_nesting=1)
    guarded = likelihood.checked_on_failure(potential)
    underflow = {"s": torch.tensor(-1000.0)}  # exp(-1000) = 0: torch refuses the scale, the checks allow it
    with pytest.raises(ValueError):
        likelihood.checks = False
        try:
            potential(underflow)
        finally:
            likelihood.checks = True
    assert not torch.isfinite(guarded(underflow))  # a divergence for NUTS, not an error


NEGATIVE_SCALE = "model M {\n  param b ~ Normal(0, 1)\n  Y ~ Normal(0, b)\n}\n"


def test_the_steps_of_a_valid_model_skip_torch_validation_as_a_hand_written_program_under_mcmc(monkeypatch):
    # Pyro's MCMC runs a hand-written model with torch's validation off; validating every argument and observed
    # row at every step cost causalppl's NUTS 10-30% of each gradient (bench/RESULTS.md)
    validated = []
    original = torch.distributions.Distribution._validate_sample
    monkeypatch.setattr(torch.distributions.Distribution, "_validate_sample",
                        lambda self, value: (validated.append(type(self).__name__), original(self, value))[1])
    data = pd.DataFrame({"Y": [0.3, -1.2, 0.8, 2.0]})
    model = cp.loads(SCALE)
    assert not build_likelihood(model.ir, model.load_data(data), torch.device("cpu")).validated_steps
    model.fit(data=data, method="nuts", num_chains=1, num_warmup=30, num_samples=30, seed=0)
    assert len(validated) < 10  # 60 NUTS steps take many more gradients


def test_steps_with_an_argument_that_can_be_invalid_with_a_finite_density_keep_torch_validation():
    likelihood = likelihood_of(RATE, pd.DataFrame({"X": [1.0, 2.0, 3.0], "Y": [1, 0, 2]}))
    assert likelihood.validated_steps  # a Poisson's rate below 0 at a count of 0 has a finite density


def test_an_invalid_argument_on_an_unvalidated_step_is_still_a_located_error():
    likelihood = likelihood_of(NEGATIVE_SCALE, pd.DataFrame({"Y": [0.3, -1.2, 0.8]}))
    assert not likelihood.validated_steps
    start = init_to_value(values={"b": torch.tensor(0.5)})
    _, potential, _, _ = initialize_model(likelihood, max_plate_nesting=1, init_strategy=start)
    guarded = likelihood.checked_on_failure(potential)
    with pyro.validation_enabled(False):  # as under Pyro's MCMC
        assert torch.isfinite(guarded({"b": torch.tensor(0.5)}))
        with pytest.raises(InvalidSite) as caught:  # a negative scale: nan, re-run under the checks
            guarded({"b": torch.tensor(-0.5)})
    assert (caught.value.site, caught.value.what, caught.value.bad) == ("Y", "scale", 3)
