"""``Model.do(...)`` of a network of tables is answered on the original's compiled network, by surgery.

The oracle is the mutilated model compiled on its own (its IR: X's table replaced by the constant), which
is what every query on ``Model.do(...)`` compiled before.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.backends import compiled as compiled_module
from causalppl.backends.compiled import IntervenedNetwork, compiled_network

CHILD = cp.load("stdlib:child")
NAMES = sorted(v.name for v in CHILD.ir.model_variables)
LEVELS = {v.name: list(v.domain.labels) for v in CHILD.ir.model_variables}


def _alone(model: cp.Model, query: str):
    """The answer with the mutilated model compiled on its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compiled_module, "_by_surgery", lambda *args: None)
        compiled_module.forget_compiled(model.ir)
        try:
            return model.query(query, method="exact")
        finally:
            compiled_module.forget_compiled(model.ir)


@given(st.data())
@settings(max_examples=30, deadline=None)
def test_queries_on_do_equal_the_mutilated_model_compiled_alone(data):
    chosen = data.draw(st.permutations(NAMES))
    target, intervened, observed, again = chosen[:4]
    setting = data.draw(st.sampled_from(LEVELS[intervened]))
    seen = data.draw(st.sampled_from(LEVELS[observed]))
    query = data.draw(st.sampled_from([
        f"P({target})",
        f"P({target} | {observed} = {seen})",
        f"P({target} | do({again} = {LEVELS[again][0]}), {observed} = {seen})",
        f"P({target} | do({intervened} = {LEVELS[intervened][-1]}))",  # a second do of the same variable wins
    ]))
    done = CHILD.do({intervened: setting})
    try:
        alone = _alone(done, query)
    except cp.CausalPPLError as error:  # impossible evidence: refused the same way by surgery
        with pytest.raises(cp.CausalPPLError) as raised:
            done.query(query, method="exact")
        assert raised.value.diagnostics[0].message == error.diagnostics[0].message
        return
    mine = done.query(query, method="exact")
    np.testing.assert_allclose(list(mine.distribution.values()), list(alone.distribution.values()), atol=1e-12)


def test_the_do_model_shares_the_original_network_and_its_plans():
    done = CHILD.do(Disease="TGA").do(Sick="no")
    network = compiled_network(done.ir).network
    assert isinstance(network, IntervenedNetwork)
    assert network.network is compiled_network(CHILD.ir).network  # no table rebuilt, no join tree built
    assert network.settings == {compiled_network(CHILD.ir).index["Disease"]: LEVELS["Disease"].index("TGA"),
                                compiled_network(CHILD.ir).index["Sick"]: 1}
    same = CHILD.query("P(Age | do(Disease = TGA, Sick = no))", method="exact")
    assert done.query("P(Age)", method="exact").distribution == pytest.approx(same.distribution, abs=1e-15)


THREE = cp.loads("""model M {
    X : {a, b, c} ~ Categorical([0.2, 0.5, 0.3])
    W ~ Bernoulli(if X == 2 then 0.9 else 0.2)
    Y ~ Bernoulli(if X == 0 then 0.7 else 0.4)
}""")


@pytest.mark.parametrize("query", ["P(X = b)", "P(X)", "E[X]", "E[X * X | W = 1]", "P(Y = 1 | X = b)",
                                   "P(X | do(X = c))", "E[X + Y | do(X = a), W = 0]"])
def test_queries_reading_the_intervened_variable_see_it_set(query):
    done = THREE.do(X="b")
    alone = _alone(done, query)
    mine = done.query(query, method="exact")
    assert mine.estimate == pytest.approx(alone.estimate, abs=1e-12)
    if alone.distribution is not None:
        assert mine.distribution == pytest.approx(alone.distribution, abs=1e-12)


@pytest.mark.parametrize("queries, rows", [
    (["p = P(X = b | W)", "d = P(X | W)", "e = E[X * X | W]"], {"W": [0, 1, 1]}),
    (["q = P(Y = 1 | X)"], {"X": ["b", "b"]}),  # per-row evidence on the variable the do sets
])
def test_scoring_a_do_model_equals_the_mutilated_model_compiled_alone(queries, rows):
    import pandas as pd

    done = THREE.do(X="b")
    frame = pd.DataFrame(rows)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compiled_module, "_by_surgery", lambda *args: None)
        compiled_module.forget_compiled(done.ir)
        alone = done.score(frame, queries)
    compiled_module.forget_compiled(done.ir)
    mine = done.score(frame, queries)
    assert list(mine.columns) == list(alone.columns)
    numbers = [c for c in mine.columns if c not in rows]
    np.testing.assert_allclose(mine[numbers].to_numpy(float), alone[numbers].to_numpy(float), atol=1e-12)
