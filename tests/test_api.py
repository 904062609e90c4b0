"""The Python API of spec section 7: load, loads, graph, do, pyro_model, query, sample, display."""

import shutil

import networkx as nx
import pandas as pd
import pyro
import pytest
from pyro.infer import Predictive

import causalppl as cp

FRONT_DOOR = """
model FrontDoor {
    Smoking : bool
    Tar     : bool <- Smoking
    Cancer  : bool <- Tar
    Smoking <-> Cancer
}
"""

PEARL = pd.DataFrame(
    [(0, 0, 1, 38), (0, 0, 0, 342), (0, 1, 1, 1), (0, 1, 0, 19), (1, 0, 1, 18), (1, 0, 0, 2), (1, 1, 1, 323),
     (1, 1, 0, 57)],
    columns=["Smoking", "Tar", "Cancer", "count"],
)


def test_load_stdlib_and_loads_give_models():
    assert cp.load("stdlib:front_door").name == "FrontDoor"
    model = cp.loads(FRONT_DOOR)
    assert isinstance(model, cp.Model) and "FrontDoor" in repr(model)


def test_graph_is_a_digraph_with_latent_confounding_marked():
    graph = cp.loads(FRONT_DOOR).graph
    assert isinstance(graph, nx.DiGraph)
    assert set(graph.edges) == {("Smoking", "Tar"), ("Tar", "Cancer")}
    assert graph.graph["bidirected"] == [("Smoking", "Cancer")]


def test_do_returns_a_new_model_and_leaves_the_original():
    model = cp.loads(FRONT_DOOR)
    intervened = model.do(Smoking=1)
    assert intervened is not model
    assert ("Smoking", "Tar") in intervened.graph.edges
    assert intervened.graph.graph["bidirected"] == []
    assert model.graph.graph["bidirected"] == [("Smoking", "Cancer")]


def test_pyro_model_is_a_plain_pyro_callable():
    model = cp.load("stdlib:backdoor")
    pyro.set_rng_seed(0)
    draws = Predictive(model.pyro_model, num_samples=2)(n_units=50)
    assert draws["Success"].shape == (2, 50)


def test_query_with_a_dataframe():
    result = cp.loads(FRONT_DOOR).query("identify P(Cancer = 1 | do(Smoking = 1))", data=PEARL, seed=0)
    assert result.estimate == pytest.approx(0.4525, abs=1e-9)
    assert result.identifiable and result.interval is not None


def test_sample_returns_a_dict_of_tensors():
    draws = cp.load("stdlib:backdoor").sample(100, seed=1)
    assert set(draws) >= {"Size", "Treatment", "Success"}
    assert all(value.shape == (100,) for value in draws.values())


def test_errors_are_causalppl_errors_with_locations():
    with pytest.raises(cp.CausalPPLError) as error:
        cp.loads("model M {\n X ~ Normal(0, 1)\n Y ~ Normal(Z, 1)\n}", "m.scm")
    assert str(error.value).startswith("m.scm:3:13: error: unknown name 'Z'")


@pytest.mark.parametrize("text", ["E[X]  +   E[Q]", "E[X  |  do(Q = 1)]", "P(X > 0)  /  P(Q > 1)"])
def test_an_error_in_query_text_shows_the_text_as_written_under_its_caret(text):
    with pytest.raises(cp.CausalPPLError) as error:
        cp.loads("model M {\n X ~ Normal(0, 1)\n}").query(text)
    _, line, caret = str(error.value).splitlines()[:3]
    assert line.strip() == text and line[caret.index("^")] == "Q"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_repr_svg_in_notebooks():
    assert "<svg" in cp.loads(FRONT_DOOR)._repr_svg_()


def test_counterfactual_per_world():
    model = cp.load("stdlib:mediation")
    worlds = model.counterfactual(evidence={"X": 1.0, "M": 0.2, "Y": 0.5}, interventions={"X": 0.0}, n=10, seed=0)
    assert worlds["samples"]


CONFOUNDED_PARAMETRIC = "model Bi {\n    X ~ Normal(0, 1)\n    Y ~ Normal(X, 1)\n    X <-> Y\n}\n"


def test_a_model_the_program_cannot_express_is_a_located_error_everywhere(tmp_path, capsys):
    from causalppl.cli import main

    path = tmp_path / "bi.scm"
    path.write_text(CONFOUNDED_PARAMETRIC)
    model = cp.load(path)
    for use in (lambda: model.sample(3), lambda: model.pyro_model, lambda: model.source("numpyro"),
                lambda: model.query("E[Y | do(X = 1)]")):
        with pytest.raises(cp.CausalPPLError) as error:
            use()
        assert str(error.value).startswith(f"{path}:4:5: error: 'X <-> Y' touches 'X'")
    assert main(["compile", str(path)]) == 1
    assert "bi.scm:4:5: error: 'X <-> Y' touches 'X'" in capsys.readouterr().err
