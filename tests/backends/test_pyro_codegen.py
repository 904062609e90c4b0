"""Generated Pyro programs: readable golden source, valid Python, closed-form forward means."""

import ast as python_ast
import difflib

import pytest
import torch

import causalppl as cp
from causalppl.backends.expr_source import python_name
from tests.conftest import REPO, assert_golden

GOLDEN = REPO / "tests" / "golden" / "codegen"

LINEAR = """
model Linear {
    param a = 2
    X ~ Normal(1, 2)
    Z ~ Normal(a * X + 1, 1)
    Y ~ Normal(X - 3 * Z, 0.5)
}
"""

DISCRETE = """
model Discrete {
    A ~ Bernoulli(0.3)
    B : {lo, mid, hi} ~ table(A) {
        0 : [0.2, 0.3, 0.5]
        1 : [0.6, 0.3, 0.1]
    }
    C := A and B == hi
    D ~ Bernoulli(if C then 0.9 else 0.2)
}
"""


@pytest.mark.parametrize("name", ["kidney_stones"])
def test_golden_generated_source(name):
    model = cp.load(REPO / "examples" / name / f"{name}.scm")
    assert_golden(GOLDEN / f"{name}.py", model.pyro_source)
    assert_golden(GOLDEN / f"{name}_do.py", model.do(Treatment="A").pyro_source)


def test_generated_source_is_valid_python_and_runs():
    for source in (LINEAR, DISCRETE):
        model = cp.loads(source)
        python_ast.parse(model.pyro_source)
        draws = model.pyro_model(n_units=7)
        assert all(value.shape == (7,) for name, value in draws.items() if name != "a")


def test_compile_do_differs_exactly_by_the_surgery():
    model = cp.loads(LINEAR)
    before = model.pyro_source.splitlines()
    after = model.do(X=1).pyro_source.splitlines()
    changed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    removed = [line for line in changed if line.startswith("-")]
    added = [line for line in changed if line.startswith("+")]
    assert removed == ['-        X = pyro.sample("X", dist.Normal(loc=1.0, scale=2.0), obs=rt.column(data, "X", units))']
    assert any('pyro.deterministic("X", rt.constant(1.0' in line for line in added)
    assert any("Transformed by do(X = 1)" in line for line in added)


def test_linear_gaussian_forward_means_match_closed_form():
    model = cp.loads(LINEAR)
    n = 200_000
    draws = model.sample(n, seed=0)
    # E[X] = 1, E[Z] = 2*1 + 1 = 3, E[Y] = 1 - 9 = -8; Var[Y] = Var(X - 3Z) + 0.25
    # X - 3Z = X - 3(2X + 1 + e) = -5X - 3 - 3e: variance 25*4 + 9 = 109.25 with the 0.25 term
    for name, mean, variance in (("X", 1.0, 4.0), ("Z", 3.0, 17.0), ("Y", -8.0, 109.25)):
        standard_error = (variance / n) ** 0.5
        assert abs(float(draws[name].mean()) - mean) < 5 * standard_error, name
    intervened = model.do(X=2).sample(n, seed=1)
    assert abs(float(intervened["Y"].mean()) - (2 - 3 * 5)) < 5 * (9.25 / n) ** 0.5


def test_discrete_forward_frequencies_match_exact_answer():
    model = cp.loads(DISCRETE)
    n = 200_000
    draws = model.sample(n, seed=3)
    exact = model.query("P(D = 1)").estimate
    # P(C) = 0.3 * 0.1 = 0.03; P(D) = 0.03 * 0.9 + 0.97 * 0.2
    assert exact == pytest.approx(0.03 * 0.9 + 0.97 * 0.2, abs=1e-12)
    assert abs(float(draws["D"].float().mean()) - exact) < 5 * (exact * (1 - exact) / n) ** 0.5


def test_names_that_collide_with_python_are_mangled():
    assert python_name("lambda") == "lambda_"
    assert python_name("torch") == "torch_"
    with pytest.raises(ValueError):
        python_name("x; import os")
    model = cp.loads("model K {\n torch ~ Normal(0, 1)\n pyro ~ Normal(torch, 1)\n}")
    assert model.sample(3)["pyro"].shape == (3,)


def test_numpyro_program_is_the_pyro_program_in_another_dialect():
    for source in (LINEAR, DISCRETE):
        model = cp.loads(source)
        numpyro_source = model.numpyro_source
        python_ast.parse(numpyro_source)
        body = numpyro_source[numpyro_source.index("def model("):]
        pyro_body = model.pyro_source[model.pyro_source.index("def model("):]
        assert body.replace("numpyro.", "pyro.").replace("jnp.", "torch.") == pyro_body
    model = cp.load(REPO / "examples" / "kidney_stones" / "kidney_stones.scm")
    assert_golden(GOLDEN / "kidney_stones_numpyro.py", model.source("numpyro"))


def test_deep_expressions_spill_into_temporaries():
    depth = 60  # each step adds one or two levels: within the front end's MAX_EXPRESSION_DEPTH
    expr = "X"
    for k in range(depth):
        expr = f"exp({expr}) * 0.5" if k % 2 else f"({expr} + {k})"
    model = cp.loads(f"model Deep {{\n X ~ Normal(0, 1)\n Y ~ Normal({expr}, 1)\n}}")
    source = model.pyro_source
    python_ast.parse(source)
    assert max(len(line) for line in source.splitlines()) < 400
    compile(source, "<deep>", "exec")


def test_likelihood_program_reads_exact_and_constant_factors_from_the_data():
    from causalppl.backends.pyro_codegen import generate

    model = cp.load(REPO / "stdlib" / "eight_schools.scm")
    source = generate(model.ir, data_only=frozenset({"School"})).source
    assert 'School = rt.column(data, "School", units)' in source
    assert "probs_School" not in source


def test_a_linear_predictor_over_one_parameter_vector_is_one_matrix_product():
    model = cp.loads("""
model Linear {
    param beta = [1, 2, 3]
    X1 ~ Normal(0, 1)
    X2 ~ Normal(0, 1)
    X3 ~ Normal(0, 1)
    Y := beta[0] * X1 + X2 * beta[1] + 0.5 + beta[2] * X3
}
""")
    assert "rt.dot(beta, (0, 1, 2), (X1, X2, X3))" in model.pyro_source
    draws = model.sample(50, seed=0)
    expected = draws["X1"] + 2 * draws["X2"] + 3 * draws["X3"] + 0.5
    assert torch.allclose(draws["Y"], expected, atol=1e-5)


def test_a_constant_position_into_a_float_parameter_is_plain_indexing():
    # No helper call per site (a sampler runs each at every step): b[..., k] indexes draws batched on leading axes.
    model = cp.loads("""
model Chain {
    param b[2] ~ Normal(0, 1)
    param c = [0.5, -1]
    X1 ~ Normal(0, 1)
    X2 ~ Normal(b[0] * X1 + c[1], 1)
    X3 ~ Normal(b[1] * X2, c[0])
}
""")
    source = model.pyro_source
    assert "(b[..., 0] * X1)" in source and "(b[..., 1] * X2)" in source
    assert "c[..., 1]" in source and "scale=c[..., 0]" in source
    assert "rt.at(" not in source
    assert "b[..., 0]" in model.numpyro_source
    draws = model.pyro_model(n_units=5)
    assert draws["X2"].shape == (5,)
    from causalppl.backends.expr_source import ExpressionWriter
    from causalppl.ir import expressions as rx
    from causalppl.diagnostics import Span
    span = Span.unknown("<test>")
    at = rx.IndexInto(rx.ParamRef("k", span), rx.Const(1.0, span), span)
    assert ExpressionWriter(str, None).emit(at) == "rt.at(k, 1)"  # not known to be float: the helper converts it
    assert ExpressionWriter(str, None, frozenset({"k"})).emit(at) == "k[..., 1]"
