"""Arguments and values that become invalid when the model runs: user errors naming variable, argument, unit/row."""

from __future__ import annotations

import math
import pickle

import pandas as pd
import pyro
import pyro.distributions as dist
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.backends.pyro_codegen import compiled_program
from causalppl.backends.site_checks import NONFINITE_WHEN_INVALID, InvalidSite
from causalppl.diagnostics import CausalPPLError
from causalppl.inference.bayesian.likelihood import needs_argument_validation
from causalppl.ir.families import FAMILIES


def error_of(source: str, query: str, **options) -> str:
    model = cp.loads(source)
    with pytest.raises(CausalPPLError) as caught:
        model.query(query, **{"samples": 200, "seed": 1, **options})
    return caught.value.render()


@pytest.mark.parametrize("source,query,words,column", [
    ("model M {\n  Z ~ Normal(0, 1)\n  Y ~ Normal(0, Z)\n}\n", "E[Y]", "the scale of 'Y' must be positive", 17),
    ("model M {\n  Z ~ Normal(0, 1)\n  W ~ Bernoulli(Z)\n}\n", "E[W]", "the probs of 'W' must be between 0 and 1", 17),
    ("model M {\n  Z ~ Uniform(0, 2)\n  W : {a, b} ~ Categorical([Z, 1 - Z])\n}\n", "P(W = a)",
     "the probs of 'W' must be probabilities", 28),
    ("model M {\n  Z ~ Normal(0, 1)\n  Y := log(Z)\n}\n", "E[Y]", "the value of 'Y' is not a finite number", 5),
    ("model M {\n  Z ~ Normal(0, 1)\n  Y := sqrt(Z)\n}\n", "E[Y]", "the value of 'Y' is not a finite number", 5),
    ("model M {\n  Z ~ Normal(0, 1)\n  X : int ~ Poisson(exp(50 * Z))\n}\n", "E[X]",
     "the rate of 'X' must be at most 1e+18", 21),
], ids=["scale", "probability", "categorical", "log", "sqrt", "poisson-overflow"])
def test_arguments_invalid_at_run_time_are_located_user_errors(source, query, words, column):
    text = error_of(source, query, method="mc")
    first = text.splitlines()[0]
    assert first.startswith(f"<string>:3:{column}: error:") and words in first
    assert "simulated units" in first and "hint:" in text


def test_with_data_the_error_names_the_row():
    source = "model M {\n  X ~ Normal(0, 1)\n  param b ~ Normal(0, 1)\n  Y ~ Poisson(exp(b * X) - 1)\n}\n"
    data = pd.DataFrame({"X": [1.0, -2.0, 3.0], "Y": [1, 0, 2]})
    text = error_of(source, "E[Y]", data=data, method="svi", num_steps=10, samples=10)
    assert "the rate of 'Y' must be at least 0" in text and "at row 2 of <DataFrame>" in text


def test_the_program_raises_invalid_site_with_the_first_bad_unit():
    model = cp.loads("model M {\n  Z ~ Normal(0, 1)\n  Y ~ Normal(0, Z)\n}\n")
    program = compiled_program(model.ir)
    with pytest.raises(InvalidSite) as caught:
        program(n_units=500)
    problem = caught.value
    assert (problem.site, problem.what, problem.requirement) == ("Y", "scale", "positive")
    assert 0 < problem.bad < problem.total == 500 and problem.unit is not None


def test_valid_programs_run_unchanged():
    model = cp.loads("model M {\n  Z ~ Normal(0, 1)\n  Y ~ Normal(0, exp(Z))\n}\n")
    samples = model.sample(100, seed=3)
    assert set(samples) == {"Z", "Y"} and samples["Y"].shape == (100,)


@settings(max_examples=15, deadline=None)
@given(st.floats(min_value=-5, max_value=-0.05), st.sampled_from(["Normal(0, {})", "Exponential({})",
                                                                   "Gamma(2, {})", "HalfNormal({})"]))
def test_every_family_refuses_a_non_positive_scale_or_rate_from_a_parent(shift, family):
    # above -1 only some units break the constraint (at least 5% of them)
    source = f"model M {{\n  Z ~ Uniform(0, 1)\n  Y ~ {family.format(f'Z + ({shift})')}\n}}\n"
    model = cp.loads(source)
    with pytest.raises(CausalPPLError, match="of 'Y' must be positive"):
        model.query("P(Y > 1)", samples=400, seed=2, method="mc")


def test_a_sampler_proposal_on_the_boundary_is_left_to_the_sampler_but_not_one_beyond_it():
    import pyro
    import pyro.distributions as dist
    import torch

    from causalppl.backends.site_checks import checked_program, sampler_proposals

    def program(scale):
        with pyro.plate("units", 3):
            pyro.sample("Y", dist.Normal(0.0, scale), obs=torch.zeros(3))

    model = checked_program(program)
    underflow = torch.tensor(0.0)  # exp(-800): a NUTS proposal of a positive parameter
    with sampler_proposals():
        model(underflow)
    with pytest.raises(InvalidSite):  # outside a sampler, a zero scale is the model's mistake
        model(underflow)
    with pytest.raises(InvalidSite):  # a negative scale is never a proposal of a positive parameter
        with sampler_proposals():
            model(torch.tensor(-1.0))


def test_a_sampler_checks_the_observed_rows_once_not_at_every_step():
    import pyro
    import pyro.distributions as dist
    import torch

    from causalppl.backends.site_checks import checked_program, sampler_proposals

    def program(value):
        with pyro.plate("units", 2):
            pyro.sample("Y", dist.LogNormal(0.0, 1.0), obs=value)

    model = checked_program(program)
    outside = torch.tensor([1.0, -2.0])
    with pytest.raises(InvalidSite):
        model(outside)
    with pytest.raises(InvalidSite):  # a sampler's first evaluation checks them
        with sampler_proposals():
            model(outside)
    with sampler_proposals(check_observed=False):  # its later ones do not
        model(outside)


#: Invalid values of each kind of argument (an infinite one is allowed, as torch and the checks allow it).
INVALID = {"real": [float("nan")], "positive": [float("nan"), 0.0, -0.5, -1.0, -2.5]}
VALID = {"loc": 0.3, "scale": 1.5, "df": 3.0, "low": -1.0, "high": 2.0, "rate": 1.2, "concentration": 2.0,
         "logits": 0.4}
SUPPORT = {"real": [-1.0, 0.0, 1.5], "positive": [0.5, 1.0, 2.0], "bool": [0.0, 1.0], "categorical": [0.0, 1.0, 2.0]}


@pytest.mark.parametrize("family", sorted(NONFINITE_WHEN_INVALID))
def test_the_arguments_said_to_fail_unvalidated_make_the_density_non_finite_for_every_invalid_value(family):
    """NUTS's unchecked steps skip torch's validation where the finiteness test catches every invalid argument."""
    info = FAMILIES[family]
    for argument in sorted(NONFINITE_WHEN_INVALID[family]):
        given_together = [argument] if info.alternatives else list(info.arguments)
        kind = "real" if argument in ("loc", "logits", "low", "high") else "positive"
        bad_values = INVALID[kind] + ([3.0, 2.0] if family == "Uniform" else [])  # low >= high
        for bad in bad_values:
            values = {name: torch.tensor(VALID[name]) for name in given_together}
            if family == "Uniform" and bad in (3.0, 2.0):
                values = {"low": torch.tensor(bad), "high": torch.tensor(2.0)} if argument == "low" else \
                    {"low": torch.tensor(bad), "high": torch.tensor(1.0)}
            elif family == "Categorical":
                values = {argument: torch.tensor([bad, 0.5, 0.2])}
            else:
                values[argument] = torch.tensor(bad)
            with pyro.validation_enabled(False):
                density = getattr(dist, family)(**values)
                points = [-0.5, 0.5, 1.5, 2.5] if family == "Uniform" else SUPPORT[info.support]
                for point in points:
                    log_p = float(density.log_prob(torch.tensor(point)))
                    assert not math.isfinite(log_p), (family, argument, bad, point, log_p)


@pytest.mark.parametrize("source,validated", [
    ("model M {\n  param b ~ Normal(0, 1)\n  param s ~ HalfNormal(1)\n  X ~ Normal(0, 1)\n"
     "  Y ~ Normal(b * X, s)\n}\n", False),
    ("model M {\n  param a ~ Normal(0, 1)\n  X ~ Normal(0, 1)\n  Y : bool ~ Bernoulli(logits = a * X)\n}\n", False),
    ("model M {\n  param p ~ Beta(1, 1)\n  Y : bool ~ Bernoulli(p)\n}\n", True),  # probs: clamped, not nan
    ("model M {\n  X ~ Normal(0, 1)\n  param b ~ Normal(0, 1)\n  Y ~ Poisson(exp(b * X) - 1)\n}\n", True),
    ("model M {\n  X ~ Uniform(0, 1)\n  param k ~ Normal(0, 1)\n  Y ~ Gamma(k, 1)\n}\n", True),
    ("model M {\n  X ~ Uniform(0.1, 1)\n  Y ~ Gamma(X, 1)\n  param b ~ Normal(0, 1)\n  Z ~ Normal(b * Y, 1)\n}\n",
     False),  # Gamma's concentration reads only data: checked on the first evaluation
    ("model M {\n  param b ~ Normal(0, 1)\n  X ~ Normal(0, 1)\n  D := b * X\n  Y : bool ~ Bernoulli(D)\n}\n", True),
    ("model M {\n  X : bool\n  param b ~ Normal(0, 1)\n  Y ~ Normal(b * X, 1)\n}\n", True),  # an unknown table
], ids=["normal", "logits", "probs", "poisson", "gamma", "data-only-argument", "deterministic", "table"])
def test_steps_need_torch_validation_only_where_a_varying_argument_can_be_invalid_with_a_finite_density(
        source, validated):
    assert needs_argument_validation(cp.loads(source).ir) is validated


def test_invalid_site_crosses_a_process_boundary_without_its_model():
    """A chain in a worker process raises it to the parent: pickled by its fields, the model left behind."""
    problem = InvalidSite("Y", "scale", "Normal", "positive", 3, 10, "-0.3", unit=0, observed=False,
                          model=object(), row="row 1 of d.csv")
    back = pickle.loads(pickle.dumps(problem))
    assert type(back) is InvalidSite and str(back) == str(problem)
    assert (back.unit, back.row, back.model) == (0, "row 1 of d.csv", None)
