"""Nonparametric tables learn by conjugate Dirichlet updates; counts weigh rows; experiments skip set variables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import causalppl as cp
from causalppl.diagnostics import CausalPPLError

TABLES = """
model Tables {
    Z : bool
    X : {a, b, c} <- Z
    Y : bool <- X
}
"""

COUNTS = pd.DataFrame({
    "Z": [0, 0, 0, 1, 1, 1, 0, 1],
    "X": ["a", "b", "c", "a", "b", "c", "a", "c"],
    "Y": [0, 1, 1, 0, 1, 0, 1, 1],
    "count": [10, 5, 3, 2, 7, 11, 4, 6],
})


def expanded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.loc[frame.index.repeat(frame["count"])].drop(columns="count").reset_index(drop=True)


def test_posterior_of_a_row_is_its_dirichlet():
    model = cp.loads(TABLES)
    result = model.query("P(X = b | Z = 1)", data=COUNTS, seed=0, num_samples=1000, num_chains=4,
                         query_draws=4000, method="nuts", conjugate=True)
    assert result.method == "conjugate"
    counts = {"a": 2, "b": 7, "c": 11 + 6}
    alpha, beta = 1 + counts["b"], 2 + counts["a"] + counts["c"]
    exact = stats.beta(alpha, beta)
    assert result.estimate == pytest.approx(exact.mean(), abs=4 * exact.std() / np.sqrt(4000))
    assert result.interval[0] == pytest.approx(exact.ppf(0.025), abs=0.02)
    assert result.interval[1] == pytest.approx(exact.ppf(0.975), abs=0.02)
    assert result.diagnostics["evaluation"] == "exact"


def test_count_weights_equal_expanded_rows():
    model = cp.loads(TABLES)
    query = "P(Y = 1 | do(X = b)) - P(Y = 1 | do(X = a))"
    weighted = model.query(query, data=COUNTS, seed=5, num_samples=300)
    repeated = model.query(query, data=expanded(COUNTS), seed=5, num_samples=300)
    assert weighted.estimate == pytest.approx(repeated.estimate, abs=1e-12)
    assert weighted.interval == pytest.approx(repeated.interval, abs=1e-12)


def test_count_weights_equal_expanded_rows_in_the_likelihood():
    import torch
    from pyro import poutine

    from causalppl.inference.bayesian import build_likelihood

    source = """
    model Weighted {
        param p ~ Beta(2, 2)
        param m ~ Normal(0, 1)
        A ~ Bernoulli(p)
        B ~ Normal(m + A, 1)
    }
    """
    model = cp.loads(source)
    frame = pd.DataFrame({"A": [0, 1, 1], "B": [0.5, -0.2, 1.7], "count": [3, 1, 2]})
    values = {"p": torch.tensor(0.3), "m": torch.tensor(0.4)}

    def log_density(data):
        likelihood = build_likelihood(model.ir, model.load_data(data), torch.device("cpu"))
        return float(poutine.trace(poutine.condition(likelihood, values)).get_trace().log_prob_sum())

    assert log_density(frame) == pytest.approx(log_density(expanded(frame)), rel=1e-6)


def test_rows_of_an_experiment_do_not_teach_the_set_variable(tmp_path):
    observational = pd.DataFrame({"Z": [0, 1, 1, 0], "X": ["a", "a", "b", "c"], "Y": [1, 0, 1, 1]})
    experiment = pd.DataFrame({"Z": [1, 1, 1, 1, 0], "X": ["c", "c", "c", "c", "c"], "Y": [1, 1, 0, 1, 0]})
    observational.to_csv(tmp_path / "obs.csv", index=False)
    experiment.to_csv(tmp_path / "rct.csv", index=False)
    (tmp_path / "tables.scm").write_text(TABLES + 'data "obs.csv"\ndata "rct.csv" under do(X)\n')
    model = cp.load(tmp_path / "tables.scm")
    data = model.load_data()
    from causalppl.inference.bayesian.conjugate import posterior_concentration

    x_rows = posterior_concentration(model.ir, "X", data)
    assert x_rows.tolist() == [[2, 1, 2], [2, 2, 1]]  # only the observational rows
    y_rows = posterior_concentration(model.ir, "Y", data)
    assert y_rows.tolist() == [[2, 2], [1, 2], [3, 5]]  # every row: Y was generated in both blocks
    result = model.run(["P(X = c | Z = 1)"], seed=0, num_samples=500)[0]
    assert result.estimate == pytest.approx(1 / 5, abs=0.03)  # row Z = 1: Dirichlet(2, 2, 1)


def test_without_data_the_posterior_is_the_prior():
    model = cp.loads(TABLES)
    result = model.query("P(X = a)", seed=0, num_samples=500)
    assert result.method == "conjugate"
    assert result.estimate == pytest.approx(1 / 3, abs=0.03)
    assert any("prior" in note for note in result.notes)


def test_table_draws_that_would_not_fit_in_memory_are_refused_before_they_are_made():
    """A nonparametric mechanism of 20 binary parents: 2**20 parent settings times the draws; refused with the
    size and a remedy, not left to the allocator."""
    parents = ", ".join(f"A{i}" for i in range(20))
    source = "model P {\n" + "".join(f"    A{i} : bool\n" for i in range(20)) + f"    Y : bool <- {parents}\n}}\n"
    with pytest.raises(CausalPPLError, match="1,048,576 parent settings .* GiB of memory"):
        cp.loads(source).query("P(Y = 1 | do(A0 = 1))")
