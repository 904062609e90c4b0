"""Ray on a real local two-node cluster: chains, score batches, bounds blocks and DDP SVI match one machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import os

import numpy as np
import pandas as pd
import pytest
import torch

import causalppl as cp

ray = pytest.importorskip("ray")
slow = pytest.mark.skipif(os.environ.get("CAUSALPPL_SLOW_TESTS") != "1",
                          reason="Ray Train and a second command-line process: set CAUSALPPL_SLOW_TESTS=1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from ray_cluster import two_node_cluster  # noqa: E402

SLOPE = """
model Slope {
    param b ~ Normal(0, 2)
    X ~ Normal(0, 1)
    Y ~ Normal(b * X, 0.5)
}
"""

MEDIATION = """
model Mediation {
    X ~ Bernoulli(0.5)
    M ~ Bernoulli(0.2 + 0.5 * X)
    Y ~ Bernoulli(0.1 + 0.3 * X + 0.4 * M)
}
"""

IV = """
model IV {
    Z : bool
    X : bool <- Z
    Y : bool <- X
    X <-> Y
}
"""


@pytest.fixture(scope="module")
def cluster():
    with two_node_cluster() as address:
        yield address
        if ray.is_initialized():
            ray.shutdown()


def _slope_data(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    x = rng.normal(size=n)
    return pd.DataFrame({"X": x, "Y": 0.8 * x + 0.5 * rng.normal(size=n)})


def test_the_cluster_has_two_nodes_on_loopback(cluster):
    cp.loads(MEDIATION).score(pd.DataFrame({"X": [1], "Y": [1]}), "P(Y[X = 0] = 0 | X, Y)", ray_address=cluster)
    nodes = [n["NodeManagerAddress"] for n in ray.nodes() if n["Alive"]]
    assert sorted(nodes) == ["127.0.0.2", "127.0.0.3"]


def test_chains_as_ray_tasks_equal_the_serial_chains(cluster):
    model = cp.loads(SLOPE)
    options = dict(method="nuts", num_chains=2, num_warmup=30, num_samples=20, seed=4)
    serial = model.fit(_slope_data(), workers=1, **options)
    spread = model.fit(_slope_data(), ray_address=cluster, **options)
    assert torch.equal(serial.draws["b"], spread.draws["b"])


def test_score_batches_on_ray_equal_the_local_scores(cluster):
    model = cp.loads(MEDIATION)
    rng = np.random.default_rng(0)
    rows = pd.DataFrame({"X": rng.integers(0, 2, 3000), "Y": rng.integers(0, 2, 3000)})
    query = ["pn = P(Y[X = 0] = 0 | X, Y)", "m = P(M = 1 | X, Y)"]
    local = model.score(rows, query, chunk_size=700)
    spread = model.score(rows, query, chunk_size=700, ray_address=cluster)
    pd.testing.assert_frame_equal(local.reset_index(drop=True), spread.reset_index(drop=True))


def test_score_errors_inside_actors_come_back_as_user_errors(cluster):
    model = cp.loads("model D { X ~ Bernoulli(0.5)\n Y := X }")
    rows = pd.DataFrame({"X": [1] * 40 + [1], "Y": [1] * 40 + [0]})
    with pytest.raises(cp.CausalPPLError, match="row 41: the evidence"):
        model.score(rows, "P(Y[X = 0] = 0 | X, Y)", chunk_size=10, ray_address=cluster)


def test_a_file_scored_on_ray_keeps_its_text_columns_and_names_rows_as_locally(cluster, tmp_path):
    """The actors score the chunks the local route reads: 007, NA and TRUE stay so in a CSV output (Ray Data's
    reader made them 7, missing and True), and an error past the first chunk names its row (it said 'a row')."""
    rows = tmp_path / "rows.csv"
    cells = [f"{k},{k:03d},NA,TRUE,{k % 2},{(k // 2) % 2}" for k in range(1, 41)]
    rows.write_text("id,code,note,flag,X,Y\n" + "\n".join(cells) + "\n")
    model = cp.loads(MEDIATION)
    local, spread = tmp_path / "local.csv", tmp_path / "spread.csv"
    model.score(str(rows), "pn = P(Y[X = 0] = 0 | X, Y)", output=str(local), chunk_size=7)
    model.score(str(rows), "pn = P(Y[X = 0] = 0 | X, Y)", output=str(spread), chunk_size=7, ray_address=cluster)
    assert spread.read_text() == local.read_text()
    assert spread.read_text().splitlines()[1].startswith("1,001,NA,TRUE,")
    bad = tmp_path / "bad.csv"
    bad.write_text(rows.read_text().replace("\n33,033,NA,TRUE,1,", "\n33,033,NA,TRUE,7,"))
    with pytest.raises(cp.CausalPPLError, match="bad.csv, row 33, column 'X'"):
        model.score(str(bad), "pn = P(Y[X = 0] = 0 | X, Y)", output=str(tmp_path / "out.csv"), chunk_size=7,
                    ray_address=cluster)


def test_bounds_draws_in_blocks_on_ray_equal_one_block(cluster, tmp_path):
    rng = np.random.default_rng(1)
    z = rng.integers(0, 2, 400)
    x = (rng.random(400) < 0.2 + 0.6 * z).astype(int)
    y = (rng.random(400) < 0.3 + 0.4 * x).astype(int)
    data = pd.DataFrame({"Z": z, "X": x, "Y": y})
    model = cp.loads(IV)
    local = model.query("bounds P(Y = 1 | do(X = 1))", data=data, seed=3, draws=60)
    spread = model.query("bounds P(Y = 1 | do(X = 1))", data=data, seed=3, draws=60, ray_address=cluster)
    assert spread.bounds == local.bounds
    assert spread.interval == pytest.approx(local.interval, abs=1e-12)


@slow
def test_data_parallel_svi_agrees_with_one_machine(cluster):
    model = cp.loads(SLOPE)
    data = _slope_data(400)
    options = dict(method="svi", num_steps=400, num_samples=400, seed=0, lr=0.05)
    local = model.query("E[b]", data=data, **options).estimate
    spread = model.query("E[b]", data=data, ray_address=cluster, **options).estimate
    assert spread == pytest.approx(local, abs=0.05)
    assert spread == pytest.approx(0.8, abs=0.15)


@slow
def test_data_parallel_svi_sums_out_missing_cells_as_one_machine_does(cluster):
    """The workers' likelihood is the parent's: a finite parent's missing cells are summed out in every shard."""
    model = cp.loads("model E { param b ~ Normal(0, 1)\n X ~ Bernoulli(0.3)\n Y ~ Normal(b * X, 0.5) }")
    rng = np.random.default_rng(4)
    x = (rng.random(400) < 0.3).astype(float)
    frame = pd.DataFrame({"X": np.where(rng.random(400) < 0.3, np.nan, x), "Y": 1.5 * x + 0.5 * rng.normal(size=400)})
    options = dict(method="svi", num_steps=400, num_samples=400, seed=0, lr=0.05)
    local = model.query("E[b]", data=frame, **options).estimate
    spread = model.query("E[b]", data=frame, ray_address=cluster, **options).estimate
    assert spread == pytest.approx(local, abs=0.05)
    assert spread == pytest.approx(1.5, abs=0.15)


@slow
def test_cli_score_with_ray(cluster, tmp_path):
    rows = tmp_path / "rows.csv"
    pd.DataFrame({"X": [1, 1, 0], "Y": [1, 0, 0]}).to_csv(rows, index=False)
    model = tmp_path / "m.scm"
    model.write_text(MEDIATION)
    out = tmp_path / "out.parquet"
    done = subprocess.run([sys.executable, "-m", "causalppl.cli", "score", str(model), "--data", str(rows), "--query",
                           "pn = P(Y[X = 0] = 0 | X, Y)", "-o", str(out), "--ray", cluster, "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    scored = pd.read_parquet(out)
    expected = cp.loads(MEDIATION).score(pd.read_csv(rows), "pn = P(Y[X = 0] = 0 | X, Y)")
    assert scored["pn"].tolist() == pytest.approx(expected["pn"].tolist())
