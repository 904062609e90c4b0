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


@pytest.mark.parametrize("text, shown, column", [
    ("E[c]", "c", 3),
    ("E[s]", "s", 3),
    ("E[[1, 2]]", "[1, 2]", 3),
    ("E[c + 1]", "c + 1", 3),
    ("E[exp(c) * X]", "exp(c) * X", 3),
    ("E[[X, 1]]", "[X, 1]", 3),
    ("E[c == s]", "c == s", 3),
    ("E[if X > 0 then c else s]", "if (X > 0) then c else s", 3),
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
    source = MODEL.replace("}\n", f"    {line}\n}}\n")
    diagnostics = _errors(lambda: cp.loads(source, "v.scm"))
    assert message in [d.message for d in diagnostics]
    assert all(d.span.line == 7 for d in diagnostics)


def test_vectors_where_vectors_are_taken_are_accepted():
    model = cp.loads(MODEL.replace("}\n", "    param g[2] ~ Normal(c * 2 + s, 1)\n"
                                          "    param w[2] ~ Dirichlet(s)\n"
                                          "    param t = [0.3, 0.7]\n"
                                          "    Q : {a, b} ~ Categorical(t)\n"
                                          "    Y := g[R] + w[1] + [1, 2][R]\n}\n"), "v.scm")
    assert model.sample(3, seed=0)["Y"].shape == (3,)
