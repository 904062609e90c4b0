"""Deep and long inputs: never a RecursionError, a located error past the documented depth.

Expressions (and query arithmetic) may nest ``MAX_EXPRESSION_DEPTH`` levels, as
docs/language.md says: each operator, call, vector, index, subscript and ``if``
is one level over its deepest part and a leaf none, so a sum of 101 terms (100
levels) is accepted. At that depth a model checks, compiles to a Python program
that compiles, and samples; one level more is a located error. Parentheses add
no level, and long flat inputs (many declarations, long vectors, long level
lists, big tables) are fine at any length.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.diagnostics import CausalPPLError
from causalppl.syntax.descent import MAX_EXPRESSION_DEPTH
from tests.conftest import REPO

LIMIT = MAX_EXPRESSION_DEPTH

#: Expressions of X ``n`` levels deep (a leaf is no level).
NESTINGS = {
    "unary minus": lambda n: "-" * n + "X",
    "not": lambda n: "not " * n + "X",
    "abs(": lambda n: "abs(" * n + "X" + ")" * n,
    "[ ]": lambda n: "[" * n + "X" + "]" * n + "[0]" * n,
    "if": lambda n: "if X then " * n + "X" + " else X" * n,
    "^ chain": lambda n: " ^ ".join(["X"] * (n + 1)),
    "+ chain": lambda n: " + ".join(["X"] * (n + 1)),
    "and chain": lambda n: " and ".join(["X"] * (n + 1)),
    "parenthesized sums": lambda n: "(" * n + "X" + " + X)" * n,
}


def _model(expr: str) -> str:
    return f"model M {{\n    X : bool ~ Bernoulli(0.3)\n    Y := {expr}\n}}\n"


@pytest.mark.parametrize("name", sorted(NESTINGS))
@pytest.mark.parametrize("levels", [500, 3000])
def test_too_deep_is_a_located_error(name, levels):
    with pytest.raises(CausalPPLError) as caught:
        cp.loads(_model(NESTINGS[name](levels)), "deep.scm")
    diagnostic = caught.value.diagnostics[0]
    assert "nested too deeply" in diagnostic.message and str(LIMIT) in diagnostic.message
    assert diagnostic.span.filename == "deep.scm" and diagnostic.span.line == 3 and diagnostic.span.column >= 10


@pytest.mark.parametrize("name", sorted(set(NESTINGS) - {"[ ]"}))
def test_the_deepest_accepted_expression_checks_compiles_and_samples(name):
    levels = LIMIT
    model = cp.loads(_model(NESTINGS[name](levels)), "deep.scm")
    compile(model.pyro_source, "<generated>", "exec")
    assert model.sample(5, seed=1)["Y"].shape == (5,)


def test_the_documented_limit_is_the_limit():
    """docs/language.md: "a sum of at most 101 terms (or a query adding up to 101 probabilities) is accepted"."""
    assert LIMIT == 100
    assert "nests at most **100\nlevels** deep" in (REPO / "docs" / "language.md").read_text(encoding="utf-8")


def test_a_sum_of_101_terms_is_accepted_and_of_102_refused():
    """Exactly at the limit (100 levels) is accepted; one level more is refused at the operator passing it."""
    cp.loads(_model(" + ".join(["X"] * (LIMIT + 1))))
    with pytest.raises(CausalPPLError, match="nested too deeply") as caught:
        cp.loads(_model(" + ".join(["X"] * (LIMIT + 2))), "deep.scm")
    span = caught.value.diagnostics[0].span
    assert (span.line, span.column) == (3, len("    Y := ") + 1 + len("X + ") * LIMIT + 2)  # the 101st '+'


@pytest.mark.parametrize("name", sorted(NESTINGS))
def test_one_level_over_the_limit_is_refused(name):
    if name != "[ ]":  # a vector of vectors is a type error even within the limit
        cp.loads(_model(NESTINGS[name](LIMIT)))
    with pytest.raises(CausalPPLError, match="nested too deeply"):
        cp.loads(_model(NESTINGS[name](LIMIT + 1)))


@pytest.mark.parametrize("terms", [LIMIT + 1, LIMIT + 2, 3000])
def test_long_query_sums(terms):
    query = " + ".join(["P(X = 1)"] * terms)
    text = f"model M {{\n    X : bool ~ Bernoulli(0.3)\n}}\nquery {query}\n"
    if terms <= LIMIT + 1:  # a query adding up to 101 probabilities
        result = cp.loads(text).run()[0]
        assert result.estimate == pytest.approx(0.3 * terms)
    else:
        with pytest.raises(CausalPPLError, match="nested too deeply") as caught:
            cp.loads(text, "q.scm")
        assert caught.value.diagnostics[0].span.line == 4


def test_deep_parentheses_add_no_level():
    model = cp.loads(_model("(" * 3000 + "X" + ")" * 3000))
    assert model.sample(4, seed=0)["Y"].shape == (4,)


def test_long_flat_inputs():
    width, declarations = 5000, 3000
    probabilities = ", ".join(["0.0002"] * width)
    levels = ", ".join(f"l{i}" for i in range(width))
    lines = [f"    C : {{{levels}}} ~ Categorical([{probabilities}])"]
    lines += [f"    V{i} ~ Normal({'V' + str(i - 1) if i else 0}, 1)" for i in range(declarations)]
    model = cp.loads("model Long {\n" + "\n".join(lines) + "\n}\n")
    assert len(model.ir.model_variables) == declarations + 1
    assert model.ir.variable("C").domain.size == width


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(NESTINGS)), st.integers(1, 80)), min_size=1, max_size=6))
def test_mixed_nestings_never_crash(layers):
    expr = "X"
    for name, count in layers:
        expr = NESTINGS[name](count).replace("X", f"({expr})", 1)
    try:
        cp.loads(_model(expr), "mixed.scm")
    except CausalPPLError as error:  # too deep, or a type error of the random mix: located either way
        assert error.diagnostics[0].span.filename == "mixed.scm"
