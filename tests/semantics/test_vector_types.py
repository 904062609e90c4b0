"""Vectors go only where vectors are taken; anywhere a number is required, a vector is a located type error.

Vectors are literals (``[1, 2]``) and vector parameters (``param c[2] ~ ...``,
``param s = [1, 2]``); arithmetic, comparisons, functions and ``if`` apply entry
by entry. The language defines no expectation of a vector (a query's answer is
one number), so ``E[c]`` is refused at the vector, with the hint to ask for one
entry per query. Before, ``E[c]`` was an internal error (exit 2) and ``E[[1, 2]]``
printed 3.
"""

from __future__ import annotations

import pytest

import causalppl as cp
from causalppl.diagnostics import CausalPPLError

MODEL = """model V {
    param c[2] ~ Normal(0, 1)
    param s = [1, 2]
    param k = 0.5
    X ~ Normal(c[0], 1)
    R : {a, b} ~ Categorical([0.4, 0.6])
}
"""


@pytest.fixture(scope="module")
def model() -> cp.Model:
    return cp.loads(MODEL, "v.scm")


def _errors(call) -> list:
    with pytest.raises(CausalPPLError) as caught:
        call()
    return caught.value.diagnostics


def _errors_with(line: str) -> list:
    """The diagnostics of the model with ``line`` added as its last declaration (line 7)."""
    source = MODEL.replace("}\n", f"    {line}\n}}\n")
    return _errors(lambda: cp.loads(source, "v.scm"))


@pytest.mark.parametrize("text, shown, column", [
    ("E[c]", "c", 3),
    ("E[s]", "s", 3),
    ("E[[1, 2]]", "[1, 2]", 3),
    ("E[c + 1]", "c + 1", 3),
    ("E[exp(c) * X]", "exp(c) * X", 3),
    ("E[[X, 1]]", "[X, 1]", 3),
    ("E[c == s]", "c == s", 3),
    ("E[if X > 0 then c else s]", "if X > 0 then c else s", 3),
    ("E[c | do(X = 1)]", "c", 3),
    ("P(X > 0) - E[s]", "s", 14),
])
def test_the_expectation_of_a_vector_is_a_located_type_error(model, text, shown, column):
    diagnostics = _errors(lambda: model.query(text))
    assert [d.message for d in diagnostics] == [f"E[...] takes a number, but '{shown}' is a vector of 2 entries"]
    assert (diagnostics[0].span.filename, diagnostics[0].span.column) == ("<query>", column)
    assert "ask for one entry per query" in diagnostics[0].hint


def test_the_hint_names_the_vector_parameter(model):
    assert "E[c[0]], E[c[1]]" in _errors(lambda: model.query("E[2 * c]"))[0].hint


@pytest.mark.parametrize("text", ["E[c[0]]", "E[c[1] + s[0]]", "E[[1, 2][1]]", "E[s[R]]", "E[k * X]"])
def test_entries_of_vectors_are_numbers(model, text):
    assert model.query(text, samples=200, seed=1).estimate is not None


def test_in_a_file_the_query_line_is_pointed_at():
    with pytest.raises(CausalPPLError) as caught:
        cp.loads(MODEL + "query E[c]\nquery ok = E[c[1]]\nquery E[[1, 2]]\n", "v.scm")
    assert [(d.span.line, d.span.column) for d in caught.value.diagnostics] == [(8, 9), (10, 9)]


@pytest.mark.parametrize("line, message", [
    ("Y := c + X", "the value of 'Y' is a number, but 'c + X' is a vector of 2 entries"),
    ("Y := [X, 1]", "the value of 'Y' is a number, but '[X, 1]' is a vector of 2 entries"),
    ("Y ~ Normal(c + 1, 1)", "Normal's loc is a number, not a vector"),
    ("Y ~ Normal(if X > 0 then s else c, 1)", "Normal's loc is a number, not a vector"),
    ("param d = c", "the value of parameter 'd' is the vector 'c' (2 entries); a fixed parameter is a number or "
                    "a vector written out"),
    ("param e ~ Normal(c, 1)", "Normal's loc is a vector of 2 entries, but parameter 'e' is a number"),
    ("param f[3] ~ Normal(c, 1)", "Normal's loc is a vector of 2 entries, but parameter 'f' has 3"),
    ("Y := [c, 1][0]", "an entry of a vector is a number, but 'c' is a vector of 2 entries"),
    ("Y := (c + [1, 2, 3])[0]", "vectors of 2 and 3 entries cannot be combined entry by entry"),
])
def test_vectors_where_numbers_are_required_in_the_model(line, message):
    diagnostics = _errors_with(line)
    assert message in [d.message for d in diagnostics]
    assert all(d.span.line == 7 for d in diagnostics)


def test_vectors_where_vectors_are_taken_are_accepted():
    model = cp.loads(MODEL.replace("}\n", "    param g[2] ~ Normal(c * 2 + s, 1)\n"
                                          "    param w[2] ~ Dirichlet(s)\n"
                                          "    param t = [0.3, 0.7]\n"
                                          "    Q : {a, b} ~ Categorical(t)\n"
                                          "    Y := g[R] + w[1] + [1, 2][R]\n}\n"), "v.scm")
    assert model.sample(3, seed=0)["Y"].shape == (3,)


# One notion of shape: whatever gives a vector for E[...] is a vector for indexing and for vector arguments.

CONDITIONAL = """model C {{
    Z : {{a, b}} ~ Categorical([0.3, 0.7])
    W : {{w0, w1, w2}} ~ {mechanism}
}}
query P(W = w2)
query P(W = w0 | do(Z = b))
query P(Z = a | W = w0)
"""


def test_a_conditional_probability_vector_answers_as_its_table():
    by_if = cp.loads(CONDITIONAL.format(
        mechanism="Categorical(if Z == a then [0.6, 0.3, 0.1] else [0.1, 0.2, 0.7])"), "c.scm")
    by_table = cp.loads(CONDITIONAL.format(
        mechanism="table(Z) {\n        a : [0.6, 0.3, 0.1]\n        b : [0.1, 0.2, 0.7]\n    }"), "t.scm")
    answers = [result.estimate for result in by_if.run()]
    assert answers == pytest.approx([result.estimate for result in by_table.run()], abs=1e-12)
    assert answers == pytest.approx([0.52, 0.1, 0.72])
    drawn = by_if.sample(20000, seed=0)["W"]
    assert drawn.shape == (20000,) and abs(float((drawn == 2).double().mean()) - 0.52) < 0.02


def test_vectors_made_by_arithmetic_are_indexed_and_taken_as_vector_arguments():
    model = cp.loads(MODEL.replace("}\n", "    param w[2] ~ Dirichlet(s + 1)\n"
                                          "    param h[2] ~ Dirichlet(exp(c))\n"
                                          "    Q : {a, b} ~ Categorical(logits=c * X + (if R == a then [1, 0] else s))\n"
                                          "    Y := (c + 1)[R] + (if R == a then [1.5, 2.5] else [3.5, 4.5])[Q]\n"
                                          "}\n"), "v.scm")
    drawn = model.sample(50, seed=0)
    assert drawn["w"].shape == (2,) and drawn["Q"].shape == (50,) and drawn["Y"].shape == (50,)
    exact = model.query("E[Y]", samples=4000, seed=0).estimate
    assert exact is not None


@pytest.mark.parametrize("line, message", [
    ("Y := (X + 1)[0]", "'X + 1' is not a vector; only vectors are indexed"),
    ("Q : {a, b} ~ Categorical(0.5)", "Categorical's probs is a vector, but '0.5' is a number"),
    ("Q : {a, b} ~ Categorical(if R == b then 0.2 else 0.8)",
     "Categorical's probs is a vector, but 'if R == b then 0.2 else 0.8' is a number"),
    ("param w[2] ~ Dirichlet(k + 1)", "Dirichlet's concentration is a vector, but 'k + 1' is a number"),
    ("Q : {a, b} ~ Categorical(if R == b then [0.2, 0.8] else [1.2, -0.2])", "a probability must not be negative, got -0.2"),
    ("Y := (if R == b then c else [1, 2, 3])[0]", "vectors of 2 and 3 entries cannot be combined entry by entry"),
])
def test_shape_errors_quote_the_expression_as_written(line, message):
    diagnostics = _errors_with(line)
    assert any(message in d.message for d in diagnostics), [d.message for d in diagnostics]
    assert not any("is a vector, not a number" in d.message for d in diagnostics)


def test_messages_quote_level_names_not_positions(model):
    diagnostics = _errors(lambda: model.query("E[if R == b then c else s]"))
    assert diagnostics[0].message == "E[...] takes a number, but 'if R == b then c else s' is a vector of 2 entries"


def test_a_query_refuses_a_number_per_unit_meeting_a_vector(model):
    diagnostics = _errors(lambda: model.query("E[(if R == a then [1.5, 2.5] else s)[R]]"))
    assert [d.message for d in diagnostics] == [
        "in a query, 'R == a' varies from unit to unit and cannot be combined with a vector"]
    assert model.query("E[(c + 1)[R] + (if true then [1, 2] else s)[0]]", samples=200, seed=0).estimate is not None
