"""A query that reads only finite variables is answered exactly on a model with real or unknown variables
elsewhere: the variables it reads and their ancestors, after its ``do``, are all that need tables; the rest
are barren and sum out. Answers agree with the same model without the extra variables."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp

MIXED = """model M {
  R ~ Normal(0, 1)
  X ~ Bernoulli(if R > 0 then 0.8 else 0.3)
  Z ~ Bernoulli(0.4)
  Y ~ Bernoulli(if X and Z then 0.9 else 0.2)
  W ~ Normal(Y, 1)
}
"""
# MIXED without its real variables, X given any mechanism (a do on X replaces it)
FINITE = """model F {
  X ~ Bernoulli(0.5)
  Z ~ Bernoulli(0.4)
  Y ~ Bernoulli(if X and Z then 0.9 else 0.2)
}
"""


@pytest.mark.parametrize("query", [
    "P(Z = 1)", "P(Y = 1 | do(X = 1))", "P(Y = 1 | do(X = 1), Z = 1)", "P(Z = 1 | do(X = 0), Y = 1)",
    "E[Y | do(X = 1)] - E[Y | do(X = 0)]", "P(Y | do(X = 1))",
])
def test_a_query_whose_ancestors_are_finite_is_answered_exactly(query):
    mixed, finite = cp.loads(MIXED), cp.loads(FINITE)
    plan = mixed.plan(query)
    assert plan.engine == "exact"
    assert any("'R' is real, but the query reduces to finite variables" in reason for reason in plan.reasons)
    got, want = mixed.query(query), finite.query(query)
    if want.distribution is not None:
        assert got.distribution == pytest.approx(want.distribution, abs=1e-12)
    else:
        assert got.estimate == pytest.approx(want.estimate, abs=1e-12)
        assert got.method == "exact"


@pytest.mark.parametrize("query, engine", [
    ("P(Y = 1)", "monte-carlo"),  # Y's ancestor R is real
    ("P(Z = 1 | W > 0)", "weighting"),  # reads W
    ("E[W * W | do(X = 1)]", "monte-carlo"),  # W's mean would do for E[W], not for its square
])
def test_a_query_that_reads_a_real_variable_is_simulated(query, engine):
    plan = cp.loads(MIXED).plan(query)
    assert plan.engine == engine
    assert any("is real" in reason for reason in plan.reasons)


def test_explicit_exact_on_a_query_reading_a_real_variable_is_refused_with_the_variable():
    with pytest.raises(cp.CausalPPLError, match="'R' is real, so exact enumeration is impossible"):
        cp.loads(MIXED).query("P(Y = 1)", method="exact")


def test_the_plan_json_says_the_query_is_enumerable():
    facts = cp.loads(MIXED).plan("P(Z = 1)").to_json()["facts"]
    assert facts["exact_enumeration"] is True
    facts = cp.loads(MIXED).plan("P(Y = 1)").to_json()["facts"]
    assert facts["exact_enumeration"] is False


def test_rows_of_evidence_are_answered_exactly_on_the_finite_part():
    import pandas as pd
    rows = pd.DataFrame({"Z": [0, 1, 1, 0]})
    query = "p = P(Y = 1 | do(X = 1), Z)"
    got = cp.loads(MIXED).score(rows, query)
    want = cp.loads(FINITE).score(rows, query)
    assert got["p"].tolist() == pytest.approx(want["p"].tolist(), abs=1e-12)
    assert got["p"].tolist() == pytest.approx([0.2, 0.9, 0.9, 0.2], abs=1e-12)


@st.composite
def models(draw):
    """A random network of 2-5 bool variables with a real variable read by some of them, and barren real
    children; the query reads finite variables whose ancestors avoid the real root (directly, or by ``do``)."""
    size = draw(st.integers(2, 5))
    probability = st.sampled_from([0.1, 0.25, 0.4, 0.6, 0.75, 0.9])
    lines, finite_lines, tainted = ["  R ~ Normal(0, 1)"], [], set()
    for i in range(size):
        parent = draw(st.none() | st.integers(0, i - 1)) if i else None
        a, b = draw(probability), draw(probability)
        reads_r = draw(st.booleans()) and i > 0
        if parent is None:
            mechanism = f"Bernoulli({a})"
        else:
            mechanism = f"Bernoulli(if X{parent} then {a} else {b})"
        if reads_r:
            lines.append(f"  X{i} ~ Bernoulli(if R > 0 then {a} else {b})")
            finite_lines.append(f"  X{i} ~ Bernoulli(0.5)")
            tainted.add(i)
        else:
            lines.append(f"  X{i} ~ {mechanism}")
            finite_lines.append(f"  X{i} ~ {mechanism}")
            if parent is not None and parent in tainted:
                tainted.add(i)
        if draw(st.booleans()):
            lines.append(f"  W{i} ~ Normal(X{i}, 1)")
    target = draw(st.integers(0, size - 1))
    do = sorted(tainted & set(range(target + 1)))
    evidence = draw(st.none() | st.integers(0, size - 1).filter(lambda j: j != target and j not in do))
    return "\n".join(lines), "\n".join(finite_lines), target, do, evidence


@settings(max_examples=25, deadline=None)
@given(models())
def test_answers_on_the_finite_part_match_the_model_without_its_real_variables(case):
    mixed_lines, finite_lines, target, do, evidence = case
    # every variable R taints is intervened on (or the query is not enumerable); keep those that the query's
    # ancestors reach: do every tainted variable, which leaves the finite model's answer the same
    given = [f"do({', '.join(f'X{i} = 1' for i in do)})"] if do else []
    if evidence is not None:
        given.append(f"X{evidence} = 1")
    query = f"P(X{target} = 1" + (" | " + ", ".join(given) if given else "") + ")"
    mixed = cp.loads("model M {\n" + mixed_lines + "\n}\n")
    finite = cp.loads("model F {\n" + finite_lines + "\n}\n")
    plan = mixed.plan(query)
    if plan.engine != "exact":  # the evidence reads a variable R reaches past the do
        assert any("is real" in reason for reason in plan.reasons)
        return
    assert mixed.query(query).estimate == pytest.approx(finite.query(query).estimate, abs=1e-12)


@pytest.mark.parametrize("query, expected", [
    ("P(X = 1 | do(R = 0.5))", 0.8),
    ("P(X = 1 | do(R = -0.5))", 0.3),
    ("P(Y = 1 | do(R = 0.5), Z = 1)", 0.8 * 0.9 + 0.2 * 0.2),
    ("P(X = 1 | do(R = 0.5), Y = 1)", 0.8 * 0.48 / (0.8 * 0.48 + 0.2 * 0.2)),
])
def test_a_do_on_a_real_variable_is_a_number_its_finite_children_read(query, expected):
    model = cp.loads(MIXED)
    assert model.plan(query).engine == "exact"
    assert model.query(query).estimate == pytest.approx(expected, abs=1e-12)
    # the same through a do model (the constant is the model's)
    value = 0.5 if "R = 0.5" in query else -0.5
    text = query.replace(f"do(R = {value}), ", "").replace(f" | do(R = {value})", "")
    done = model.do(R=value)
    assert done.plan(text).engine == "exact"
    assert done.query(text).estimate == pytest.approx(expected, abs=1e-12)


def test_a_query_that_reads_the_real_constant_itself_reads_its_number():
    model = cp.loads(MIXED)
    assert model.plan("E[R + Y | do(R = 0.5)]").engine == "exact"
    assert model.query("E[R + Y | do(R = 0.5)]").estimate == pytest.approx(0.5 + 0.8 * 0.48 + 0.2 * 0.2, abs=1e-12)


def test_a_do_on_an_unbounded_count_is_a_number_too():
    model = cp.loads("model C {\n  N ~ Poisson(2)\n  V ~ Bernoulli(N / (N + 1))\n}\n")
    assert model.plan("P(V = 1 | do(N = 3))").engine == "exact"
    assert model.query("P(V = 1 | do(N = 3))").estimate == pytest.approx(0.75, abs=1e-12)


def test_rows_with_a_do_on_a_real_variable_are_answered_exactly():
    import pandas as pd
    rows = pd.DataFrame({"Z": [0, 1, 1]})
    got = cp.loads(MIXED).score(rows, "p = P(Y = 1 | do(R = 0.5), Z)")
    assert list(got.columns) == ["Z", "p"]  # exact: no interval columns
    assert got["p"].tolist() == pytest.approx([0.2, 0.76, 0.76], abs=1e-12)
