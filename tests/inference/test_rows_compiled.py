"""Factual per-row leaves go through the compiled network; their answers equal the general (twin-network) route's.

The oracle is the general route itself (:func:`causalppl.inference.rows.leaf.general_leaf_rows`, the
compiled route switched off) and, for a few rows, the single-unit query with the row's values written in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.data.rows import RowBatch
from causalppl.diagnostics import CausalPPLError
from causalppl.inference.rows import answer as answer_module
from causalppl.inference.rows.compiled import compiled_rows

ASIA = cp.load("stdlib:asia")
NAMES = sorted(v.name for v in ASIA.ir.model_variables)
LEVELS = {v.name: list(v.domain.labels) for v in ASIA.ir.model_variables}

#: Queries over asia with per-row evidence ``{cols}``: distributions, events, fixed evidence, inequalities,
#: interventions and expectations.
TEMPLATES = [
    "P({t} | {cols})",
    "P({t} = yes | {cols})",
    "P({t} = yes | {fixed}, {cols})",
    "P({t} | do({d} = no), {cols})",
    "E[{t} + 2 * {d} | {cols}]",
    "P({t} = yes | do({d} = yes), {cols}) - P({t} = yes | do({d} = no), {cols})",
    "P({t} = yes | {cols}) - P({t} = yes | do({d} = yes))",  # a leaf the same for every row
    "E[{t} | {cols}] / E[{d} + 1]",
]


def _general(model, rows, query):
    """The general route's answer (the compiled route switched off)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(answer_module, "compiled_rows", lambda *args, **kwargs: None)
        return model.score(rows, query)


@given(st.data())
@settings(max_examples=25, deadline=None)
def test_factual_leaves_equal_the_general_route(data):
    chosen = data.draw(st.permutations(NAMES))
    target, intervened, fixed_name = chosen[0], chosen[1], chosen[2]
    count = data.draw(st.integers(1, 4))
    columns = list(chosen[3:3 + count])
    template = data.draw(st.sampled_from(TEMPLATES))
    query = template.format(t=target, d=intervened, cols=", ".join(columns), fixed=f"{fixed_name} = yes")
    n = data.draw(st.integers(1, 30))
    seed = data.draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    rows = pd.DataFrame({c: [LEVELS[c][k] for k in rng.integers(0, 2, n)] for c in columns})
    try:
        general = _general(ASIA, rows, query)
    except CausalPPLError as error:  # an impossible row: the compiled route names the same row
        with pytest.raises(CausalPPLError) as raised:
            ASIA.score(rows, query)
        assert str(raised.value).splitlines()[0] == str(error).splitlines()[0]
        return
    fast = ASIA.score(rows, query)
    assert list(fast.columns) == list(general.columns)
    for column in fast.columns:
        if column in columns:
            continue
        np.testing.assert_allclose(fast[column].to_numpy(float), general[column].to_numpy(float), rtol=0,
                                   atol=1e-12)


def test_a_few_rows_equal_single_unit_queries():
    rows = pd.DataFrame({"smoke": ["yes", "no", "yes"], "xray": ["no", "yes", "yes"]})
    scored = ASIA.score(rows, ["p = P(lung = yes | do(asia = yes), smoke, xray)", "d = P(bronc | smoke, xray)"])
    for k, row in rows.iterrows():
        bound = f"smoke = {row.smoke}, xray = {row.xray}"
        assert scored.loc[k, "p"] == pytest.approx(ASIA.query(f"P(lung = yes | do(asia = yes), {bound})").estimate,
                                                   abs=1e-12)
        distribution = ASIA.query(f"P(bronc | {bound})").distribution
        assert scored.loc[k, "d[yes]"] == pytest.approx(distribution["yes"], abs=1e-12)


def _leaf(model, text):
    return model._check_query_text(text, per_row=True).term


def test_the_route_is_taken_only_by_plain_factual_leaves():
    batch = RowBatch({"smoke": np.array([0, 1]), "lung": np.array([1, 1])}, 2, "<rows>")
    assert compiled_rows(ASIA.ir, _leaf(ASIA, "P(dysp = yes | smoke)"), batch, None) is not None
    assert compiled_rows(ASIA.ir, _leaf(ASIA, "P(dysp | do(asia = yes), smoke, lung)"), batch, None) is not None
    # a potential outcome, a per-row variable the leaf also reads or fixes: the general route
    assert compiled_rows(ASIA.ir, _leaf(ASIA, "P(dysp[smoke = yes] = yes | smoke)"), batch, None) is None
    assert compiled_rows(ASIA.ir, _leaf(ASIA, "E[smoke + dysp | smoke]"), batch, None) is None


def test_an_impossible_row_is_named_by_its_number():
    model = cp.loads("model D { X ~ Bernoulli(0.5)\n Y := X\n W ~ Bernoulli(if Y then 0.7 else 0.4)\n"
                     " Z ~ Bernoulli(0.5) }")
    rows = pd.DataFrame({"X": [1, 0, 1], "Y": [1, 0, 0], "W": [0, 1, 1]})
    for query in ("P(W = 1 | X, Y)", "P(Z = 1 | X, Y)"):  # the row's columns requisite, or only checked
        with pytest.raises(CausalPPLError, match=r"<DataFrame>, row 3: the evidence \(X = 1, Y = 0\) has "
                                                 r"probability zero"):
            model.score(rows, query)


def test_categorical_and_integer_columns_are_read_by_their_codes():
    model = cp.loads("model C { A : {lo, mid, hi} ~ Categorical([0.2, 0.3, 0.5])\n"
                     " N : {0, 1, 2, 3, 4} ~ table(A) {\n lo : [0.2, 0.2, 0.2, 0.2, 0.2]\n"
                     " mid : [0.1, 0.1, 0.1, 0.1, 0.6]\n hi : [0.5, 0.2, 0.1, 0.1, 0.1] }\n"
                     " Y ~ Bernoulli(0.1 * N + 0.05) }")
    categories = pd.Categorical(["hi", "lo", "hi"], categories=["lo", "hi", "unused-and-not-a-level"])
    as_text = model.score(pd.DataFrame({"A": ["hi", "lo", "hi"], "N": [4, 0, 2]}), "P(Y = 1 | A, N)")
    as_codes = model.score(pd.DataFrame({"A": categories, "N": np.array([4, 0, 2], dtype=np.int16)}),
                           "P(Y = 1 | A, N)")
    np.testing.assert_allclose(as_codes["q1"], as_text["q1"], atol=0)
    np.testing.assert_allclose(as_text["q1"], [0.45, 0.05, 0.25], atol=1e-12)


@pytest.mark.parametrize("column, where", [
    (pd.Categorical(["lo", "other", "hi"]), "row 2, column 'A'"),
    (pd.Categorical(["lo", None, "hi"]), "row 2, column 'A'"),
])
def test_a_bad_categorical_cell_names_its_row(column, where):
    model = cp.loads("model C { A : {lo, hi} ~ Categorical([0.5, 0.5])\n Y ~ Bernoulli(if A == hi then 0.9 else 0.1) }")
    with pytest.raises(CausalPPLError, match=where):
        model.score(pd.DataFrame({"A": column}), "P(Y = 1 | A)")


@pytest.mark.parametrize("values, where", [
    (np.array([0, 3, 7, 1]), "row 3, column 'N'"),  # small span, one value off the levels
    (np.array([0, -1, 2]), "row 2, column 'N'"),
    (np.array([0, 1, 10**12, 2]), "row 3, column 'N'"),  # a span too wide to count: factorised
])
def test_a_bad_integer_cell_names_its_row(values, where):
    model = cp.loads("model C { N : {0, 1, 2, 3, 4} ~ Categorical([0.2, 0.2, 0.2, 0.2, 0.2])\n"
                     " Y ~ Bernoulli(0.1 * N + 0.05) }")
    with pytest.raises(CausalPPLError, match=where):
        model.score(pd.DataFrame({"N": values}), "P(Y = 1 | N)")


def test_a_learned_model_holds_one_compiled_network_at_a_time(monkeypatch):
    """Each posterior draw's model is compiled for its batch and dropped after it (never 100 held at once)."""
    from causalppl.backends import compiled as compiled_module

    model = cp.loads("model L {\n A : {lo, hi}\n Y : bool <- A\n}")
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, 300)
    data = pd.DataFrame({"A": np.where(a == 1, "hi", "lo"), "Y": (rng.random(300) < 0.2 + 0.6 * a).astype(int)})
    held = []
    original = compiled_module.compiled_network

    def counting(ir, *args, **kwargs):
        held.append(len(compiled_module._compiled))
        return original(ir, *args, **kwargs)

    monkeypatch.setattr("causalppl.inference.rows.compiled.compiled_network", counting)
    scored = model.score(pd.DataFrame({"A": ["lo", "hi"]}), "p = P(Y = 1 | A)", data=data, seed=1)
    assert len(held) > 1 and max(held) <= min(held) + 1  # draws compiled one after another, none kept
    assert scored["p"][0] < 0.35 < 0.65 < scored["p"][1]
    assert (scored["p_lo"] < scored["p"]).all() and (scored["p"] < scored["p_hi"]).all()


@pytest.mark.parametrize("query", ["P(Y | X)", "P(Y = 1 | X)", "E[Y | X]", "P(Y = 1 | do(Y = 1), X)"])
def test_no_rows_give_an_empty_column(query):
    model = cp.loads("model M {\n X ~ Bernoulli(0.5)\n Y ~ Bernoulli(if X then 0.7 else 0.4)\n}")
    scored = model.score(pd.DataFrame({"X": np.array([], dtype=np.int64)}), query)
    assert len(scored) == 0 and len(scored.columns) > 1


def test_narrow_integer_columns_spanning_past_their_type_are_read_right():
    """int8 values -100 and 100: their offsets from the smallest exceed int8 (they must not wrap)."""
    model = cp.loads("model M {\n D : {-100, 45, 100} ~ Categorical([0.2, 0.3, 0.5])\n"
                     " Y ~ Bernoulli(if D == 100 then 0.9 else (if D == 45 then 0.5 else 0.1))\n}")
    values = np.array([-100] + [100] * 79, dtype=np.int8)
    narrow = model.score(pd.DataFrame({"D": values}), "P(Y = 1 | D)")["q1"]
    wide = model.score(pd.DataFrame({"D": values.astype(np.int64)}), "P(Y = 1 | D)")["q1"]
    np.testing.assert_allclose(narrow, wide, atol=0)
    np.testing.assert_allclose(narrow[:2], [0.1, 0.9], atol=1e-12)
