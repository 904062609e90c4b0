"""A likelihood shipped to a worker (NUTS chains, data-parallel SVI) is rebuilt exactly, shard by shard too."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pyro
import pytest
import torch
from pyro import poutine

import causalppl as cp
from causalppl.data import to_dataset
from causalppl.data.loading import DataCollection
from causalppl.diagnostics import CausalPPLError, Span
from causalppl.inference.bayesian.jobs import LikelihoodJob
from causalppl.inference.bayesian.likelihood import build_likelihood
from causalppl.inference.bayesian.settings import fit_settings
from causalppl.inference.options import parse_options
from causalppl.inference.bayesian.ray_svi import SviJob, shard_likelihood

CPU = torch.device("cpu")


def likelihood_of(source: str, frame: pd.DataFrame, data_only: frozenset[str] = frozenset()):
    model = cp.loads(source)
    data = DataCollection((to_dataset(frame, model.ir, (), "<test>", Span.unknown()),))
    return build_likelihood(model.ir, data, CPU, data_only)


def travelled(likelihood) -> LikelihoodJob:
    return pickle.loads(pickle.dumps(LikelihoodJob.of(likelihood)))


def global_values(likelihood, values: dict) -> dict:
    """``values`` and a draw of every other site outside the rows' plate (tables, class weights)."""
    with poutine.block():
        trace = poutine.trace(poutine.condition(likelihood, data=values)).get_trace()
    drawn = {name: site["value"] for name, site in trace.nodes.items()
             if site["type"] == "sample" and not site["is_observed"] and not site["cond_indep_stack"]}
    return {**drawn, **values}


def log_evidence(likelihood, values: dict) -> float:
    """log p(data, values), discrete latent sites and enumerated cells summed out."""
    conditioned = poutine.condition(likelihood, data={k: torch.as_tensor(v) for k, v in values.items()})
    elbo = pyro.infer.TraceEnum_ELBO(max_plate_nesting=1)
    return -elbo.loss(pyro.infer.config_enumerate(conditioned), lambda: None)


# Each case exercises one thing a worker's likelihood used to lose: the variables whose missing cells are
# summed out (the program's obs_mask), masked cells, the repeated-row scale of counted rows, the rows of an
# experiment, and a variable named like the plate.
CASES = {
    "enumerated missing cells": (
        "model E { param b ~ Normal(0, 1)\n X ~ Bernoulli(0.3)\n Y ~ Normal(b * X, 1) }",
        pd.DataFrame({"X": [1, np.nan, 0, np.nan], "Y": [1.0, 2.5, -0.5, 0.1]}), {"b": 0.8}),
    "masked missing cells": (
        "model L { param b ~ Normal(0, 1)\n X ~ Normal(0, 1)\n Y ~ LogNormal(b * X, 1) }",
        pd.DataFrame({"X": [0.5, -1.0, 2.0], "Y": [1.0, np.nan, 3.0]}), {"b": 0.3}),
    "counted rows of a confounded model": (
        "model C { Z : bool\n X : bool <- Z\n Y : bool <- X\n X <-> Y }",
        pd.DataFrame({"Z": [0, 1, 1, 0], "X": [0, 1, 0, 1], "Y": [1, 1, 0, 0], "count": [4000, 2000, 6000, 8000]}),
        {}),
    "a variable named like the plate": (
        "model P { param b ~ Normal(0, 1)\n units ~ Normal(0, 1)\n Y ~ Normal(b * units, 1) }",
        pd.DataFrame({"units": [0.5, -1.0, 2.0], "Y": [1.0, 0.2, 3.0]}), {"b": 0.3}),
}


@pytest.mark.parametrize("case", CASES)
def test_a_shipped_likelihood_is_the_parents(case):
    source, frame, values = CASES[case]
    parent = likelihood_of(source, frame)
    job = travelled(parent)
    worker = job.rebuild(CPU)
    assert (worker.row_scale, worker.enumerated, set(worker.masked)) == \
        (parent.row_scale, parent.enumerated, set(parent.masked))
    values = global_values(parent, {name: torch.tensor(value) for name, value in values.items()})
    assert log_evidence(worker, values) == pytest.approx(log_evidence(parent, values), rel=1e-6)


def test_the_counted_rows_case_repeats_rows_by_a_common_factor():
    source, frame, _ = CASES["counted rows of a confounded model"]
    assert travelled(likelihood_of(source, frame)).row_scale == 2000


def test_experiment_rows_travel_with_their_masks():
    model = cp.loads("model X { param a ~ Normal(0, 1)\n X ~ Normal(a, 1)\n Y ~ Normal(X, 1) }")
    observational = pd.DataFrame({"X": [0.1, 0.4], "Y": [0.0, 0.3]})
    experiment = pd.DataFrame({"X": [2.0, 2.0], "Y": [1.9, 2.2]})
    data = DataCollection((to_dataset(observational, model.ir, (), "<obs>", Span.unknown()),
                           to_dataset(experiment, model.ir, (("X", None),), "<exp>", Span.unknown())))
    parent = build_likelihood(model.ir, data, CPU)
    worker = travelled(parent).rebuild(CPU)
    assert worker.experiments is not None and set(worker.experiments.generated) == {"X"}
    assert log_evidence(worker, {"a": 0.5}) == pytest.approx(log_evidence(parent, {"a": 0.5}), rel=1e-6)


def test_shards_estimate_the_whole_likelihood_without_bias():
    """Each worker's plate runs over all rows: the mean of the shards' densities is the parent's density."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=9)
    frame = pd.DataFrame({"X": x, "Y": 0.7 * x + rng.normal(size=9)})
    parent = likelihood_of("model S { param b ~ Normal(0, 2)\n X ~ Normal(0, 1)\n Y ~ Normal(b * X, 1) }", frame)
    job = SviJob(LikelihoodJob.of(parent), ("b",), fit_settings(parse_options({}), "svi"), workers=3)
    shards = [shard_likelihood(job, rank, 3, CPU) for rank in range(3)]
    assert [shard.held_rows for shard in shards] == [3, 3, 3]
    densities = [log_evidence(shard, {"b": 0.6}) for shard in shards]
    assert np.mean(densities) == pytest.approx(log_evidence(parent, {"b": 0.6}), rel=1e-6)
    # the shards differ (each holds its own rows), so this is not the parent's density three times over
    assert max(densities) - min(densities) > 1e-3


def test_mini_batches_of_a_shard_are_drawn_from_its_own_rows():
    frame = pd.DataFrame({"X": np.arange(10.0), "Y": np.arange(10.0)})
    parent = likelihood_of("model S { param b ~ Normal(0, 2)\n X ~ Normal(0, 1)\n Y ~ Normal(b * X, 1) }", frame)
    shard = LikelihoodJob.of(parent).rebuild(CPU, rows=torch.arange(5, 10), subsample_size=3)
    trace = poutine.trace(shard).get_trace()
    plate = next(site for site in trace.nodes.values() if site["type"] == "sample"
                 and isinstance(site["fn"], pyro.poutine.subsample_messenger._Subsample))
    assert plate["value"].shape == (3,) and int(plate["value"].max()) < 5  # positions in the shard's 5 rows
    assert trace.nodes["Y"]["scale"] == pytest.approx(10 / 3)


def test_latent_values_of_missing_cells_are_not_split_into_shards():
    frame = pd.DataFrame({"X": [0.5, np.nan, 2.0, 1.0], "Y": [1.0, 2.5, 3.0, 0.0]})
    parent = likelihood_of("model I { param b ~ Normal(0, 1)\n X ~ Normal(1, 2)\n Y ~ Normal(b * X, 1) }", frame)
    job = LikelihoodJob.of(parent)
    assert job.rebuild(CPU).imputed  # one machine: fine
    with pytest.raises(ValueError):
        job.rebuild(CPU, rows=torch.arange(2))


def test_data_parallel_svi_refuses_latent_missing_cells_before_starting_a_cluster():
    model = cp.loads("model I { param b ~ Normal(0, 1)\n X ~ Normal(1, 2)\n Y ~ Normal(b * X, 1) }")
    frame = pd.DataFrame({"X": [0.5, np.nan, 2.0, 1.0], "Y": [1.0, 2.5, 3.0, 0.0]})
    with pytest.raises(CausalPPLError, match="cannot be split over workers") as error:
        model.query("E[Y | do(X = 1)]", data=frame, method="svi", ray_address="127.0.0.1:1", num_steps=5)
    assert 'ray_address' in str(error.value) and 'missing="drop"' in str(error.value)
