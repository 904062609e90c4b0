"""Per-row queries: every engine answers a batch of rows as the single-unit engines answer each row.

The oracle for each row is the ordinary query with the row's values written
in (``P(Y[X = 0] = 0 | X = 1, Y = 1)``), answered by the single-unit engines.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.diagnostics import CausalPPLError

MEDIATION = """
model Mediation {
    X ~ Bernoulli(0.5)
    M ~ Bernoulli(0.2 + 0.5 * X)
    Y ~ Bernoulli(0.1 + 0.3 * X + 0.4 * M)
}
"""

TREATMENT = """
model Treatment {
    Age : {young, old} ~ Categorical([0.6, 0.4])
    X ~ Bernoulli(0.3 + 0.4 * Age)
    Y : {low, mid, high} ~ table(X, Age) {
        0, young : [0.5, 0.3, 0.2]
        0, old : [0.6, 0.3, 0.1]
        1, young : [0.2, 0.3, 0.5]
        1, old : [0.3, 0.4, 0.3]
    }
}
"""

CHAIN = """
model Chain {
    X ~ Normal(0, 1)
    Z ~ Normal(X, 1)
    Y ~ Normal(X + 2 * Z, 0.5)
}
"""

LOGISTIC = """
model Logistic {
    Z ~ Normal(0, 1)
    X ~ Bernoulli(0.2 + 0.6 * (Z > 0))
    Y ~ Bernoulli(0.1 + 0.5 * X + 0.2 * (Z > 0.5))
}
"""


def _bound(text: str, row: dict) -> str:
    """The single-unit query with the row's values written in for evidence written without one."""
    evidence = ", ".join(f"{name} = {value}" for name, value in row.items())
    return text.replace("| ROW", f"| {evidence}").replace(", ROW", f", {evidence}")


def test_probability_of_necessity_per_row_equals_the_single_unit_answers():
    model = cp.loads(MEDIATION)
    rows = pd.DataFrame({"X": [1, 1, 0, 1], "Y": [1, 0, 0, 1], "id": ["a", "b", "c", "d"]})
    scored = model.score(rows, "pn = P(Y[X = 0] = 0 | X, Y)")
    assert list(scored.columns) == ["X", "Y", "id", "pn"]
    for row, value in zip(rows[["X", "Y"]].to_dict("records"), scored["pn"]):
        expected = model.query(_bound("P(Y[X = 0] = 0 | ROW)", row)).estimate
        assert value == pytest.approx(expected, abs=1e-12)


def test_impossible_evidence_names_the_row():
    model = cp.loads("model D { X ~ Bernoulli(0.5)\n Y := X }")
    rows = pd.DataFrame({"X": [1, 0, 1], "Y": [1, 0, 0]})
    with pytest.raises(CausalPPLError, match=r"<DataFrame>, row 3: the evidence \(X = 1, Y = 0\) has probability zero"):
        model.score(rows, "P(Y[X = 0] = 0 | X, Y)")


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 2)), min_size=1, max_size=12))
@settings(max_examples=15, deadline=None)
def test_interventional_expectations_given_covariates_match_per_row_queries(pairs):
    model = cp.loads(TREATMENT)
    levels = ["young", "old"]
    rows = pd.DataFrame({"Age": [levels[a] for a, _ in pairs], "Y": [y for _, y in pairs]})
    scored = model.score(rows, ["e = E[Y | do(X = 1), Age]", "p = P(Y = high | X = 0, Age)"])
    for age, e, p in zip(rows["Age"], scored["e"], scored["p"]):
        assert e == pytest.approx(model.query(f"E[Y | do(X = 1), Age = {age}]").estimate, abs=1e-12)
        assert p == pytest.approx(model.query(f"P(Y = high | X = 0, Age = {age})").estimate, abs=1e-12)


def test_distribution_per_row_has_one_column_per_level():
    model = cp.loads(TREATMENT)
    scored = model.score(pd.DataFrame({"Age": ["old", "young"]}), "d = P(Y | do(X = 1), Age)")
    assert [c for c in scored.columns if c.startswith("d[")] == ["d[low]", "d[mid]", "d[high]"]
    assert scored.loc[0, ["d[low]", "d[mid]", "d[high]"]].tolist() == pytest.approx([0.3, 0.4, 0.3])


def test_linear_gaussian_counterfactuals_per_row_are_the_exact_abduction():
    model = cp.loads(CHAIN)
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    z = x + rng.normal(size=50)
    y = x + 2 * z + 0.5 * rng.normal(size=50)
    rows = pd.DataFrame({"X": x, "Z": z, "Y": y})
    scored = model.score(rows, ["y_x0 = E[Y[X = 0] | X, Z, Y]", "y_only = E[Y[X = 0] | Y]",
                                "tail = P(Y[X = 0] > 1 | Y)"])
    assert scored["y_x0"].to_numpy() == pytest.approx(y - 3 * x, abs=1e-9)  # u_Z, u_Y pinned: Y - 3X
    for k in (0, 7, 31):
        row = {"Y": y[k]}
        assert scored["y_only"][k] == pytest.approx(model.query(_bound("E[Y[X = 0] | ROW]", row)).estimate,
                                                    abs=1e-9)
        assert scored["tail"][k] == pytest.approx(model.query(_bound("P(Y[X = 0] > 1 | ROW)", row)).estimate,
                                                  abs=1e-9)
    assert "y_x0_lo" not in scored.columns  # exact answers carry no interval


def test_discrete_couplings_with_continuous_causes_are_sampled_per_row():
    model = cp.loads(LOGISTIC)
    rows = pd.DataFrame({"Z": [-1.0, 0.3, 1.2, 0.7], "X": [0, 1, 1, 0], "Y": [0, 1, 1, 1]})
    scored = model.score(rows, "pn = P(Y[X = 0] = 0 | Z, X, Y)", seed=1)
    for record, value in zip(rows.to_dict("records"), scored["pn"]):
        expected = model.query(_bound("P(Y[X = 0] = 0 | ROW)", record), seed=1).estimate
        assert value == pytest.approx(expected, abs=0.06)
    assert {"pn_lo", "pn_hi"} <= set(scored.columns)
    assert (scored["pn_lo"] <= scored["pn"]).all() and (scored["pn"] <= scored["pn_hi"]).all()


def test_learned_model_rows_use_posterior_draws_times_rows():
    source = """
    model Learned {
        param b ~ Normal(0, 2)
        X ~ Normal(0, 1)
        Y ~ Normal(b * X, 1)
    }
    """
    model = cp.loads(source)
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    data = pd.DataFrame({"X": x, "Y": 1.5 * x + rng.normal(size=200)})
    rows = pd.DataFrame({"X": [1.0, -0.5], "Y": [2.0, 0.0]})
    options = dict(method="nuts", num_chains=1, num_warmup=100, num_samples=100, seed=3, workers=1)
    scored = model.score(rows, "cf = E[Y[X = 0] | X, Y]", data=data, **options)
    # Y[X = 0] = Y - b X under each draw: the per-row mean is Y - E[b] X
    b = model.query("E[b]", data=data, **options).estimate
    assert scored["cf"].to_numpy() == pytest.approx(rows["Y"] - b * rows["X"], abs=1e-6)
    assert (scored["cf_lo"] < scored["cf_hi"]).all()


def test_constant_queries_fill_every_row():
    model = cp.loads(MEDIATION)
    scored = model.score(pd.DataFrame({"X": [0, 1]}), ["ate = E[Y | do(X = 1)] - E[Y | do(X = 0)]",
                                                        "p = P(Y = 1 | X)"])
    assert scored["ate"].tolist() == pytest.approx([0.5, 0.5])


def test_chunks_give_the_same_answers_as_one_batch():
    model = cp.loads(TREATMENT)
    rows = pd.DataFrame({"Age": list(itertools.islice(itertools.cycle(["old", "young", "old"]), 25))})
    whole = model.score(rows, "E[Y | do(X = 1), Age]")
    chunked = model.score(rows, "E[Y | do(X = 1), Age]", chunk_size=4)
    pd.testing.assert_frame_equal(whole.reset_index(drop=True), chunked.reset_index(drop=True))


def test_per_row_evidence_outside_score_is_an_error_with_the_remedy():
    model = cp.loads(MEDIATION)
    with pytest.raises(CausalPPLError, match="evidence needs a value") as error:
        model.query("P(Y = 1 | X)")
    assert "per-row form" in str(error.value)


def test_rows_must_hold_factual_values():
    model = cp.loads(MEDIATION)
    with pytest.raises(CausalPPLError, match="a row holds factual values"):
        model.score(pd.DataFrame({"Y": [1]}), "P(Y = 1 | Y[X = 0])")


@pytest.mark.parametrize("query", ["P(C | A, B)", "P(C[A = hi] = yes | A, B)"])
def test_impossible_evidence_shows_the_rows_levels_by_label(query):
    model = cp.loads("model L {\n A : {lo, hi} ~ Categorical([0.5, 0.5])\n B : {no, yes} ~ table(A) {\n"
                     "  lo : [1, 0]\n  hi : [0.5, 0.5]\n }\n C : {no, yes} ~ table(B) {\n  no : [0.9, 0.1]\n"
                     "  yes : [0.2, 0.8]\n }\n}")
    rows = pd.DataFrame({"A": ["hi", "lo", "lo"], "B": ["yes", "no", "yes"]})
    with pytest.raises(CausalPPLError, match=r"row 3: the evidence \(A = lo, B = yes\) has probability zero"):
        model.score(rows, query)


def test_a_missing_or_bad_column_names_the_row_and_column():
    model = cp.loads(TREATMENT)
    with pytest.raises(CausalPPLError, match="no column 'Age'"):
        model.score(pd.DataFrame({"X": [1]}), "E[Y | do(X = 1), Age]")
    with pytest.raises(CausalPPLError, match=r"row 2, column 'Age': 'middle' is not a level of 'Age'"):
        model.score(pd.DataFrame({"Age": ["old", "middle"]}), "E[Y | do(X = 1), Age]")


def test_a_repeated_evidence_column_is_a_user_error_and_other_repeats_are_carried():
    model = cp.loads(MEDIATION)
    with pytest.raises(CausalPPLError, match="the column 'X' appears more than once"):
        model.score(pd.DataFrame([[0, 1]], columns=["X", "X"]), "P(Y = 1 | X)")
    scored = model.score(pd.DataFrame([[0, "a", "b"]], columns=["X", "note", "note"]), "P(Y = 1 | X)")
    assert list(scored.columns) == ["X", "note", "note", "q1"]
    assert scored["q1"].tolist() == pytest.approx([model.query("P(Y = 1 | X = 0)").estimate])


def test_columns_are_named_q1_q2_by_position_without_a_name():
    model = cp.loads(MEDIATION)
    scored = model.score(pd.DataFrame({"X": [0, 1]}), ["P(Y = 1 | X)", "named = P(Y = 0 | X)", "P(Y = 0 | X)"])
    assert list(scored.columns) == ["X", "q1", "named", "q3"]
    assert scored["q1"].tolist() == pytest.approx([model.query("P(Y = 1 | X = 0)").estimate,
                                                             model.query("P(Y = 1 | X = 1)").estimate])


def test_a_score_column_never_overwrites_a_column_of_the_rows():
    model = cp.loads(MEDIATION)
    with pytest.raises(CausalPPLError, match="score column 'X' would overwrite a column of the data"):
        model.score(pd.DataFrame({"X": [0, 1]}), "X = P(Y = 1 | X)")
