"""One intervention sets each variable once: a subscript, a query's do(...), a data line's under do(...), --do.

A second assignment to the same variable is a located error naming both
assignments and where they are; before, the last one silently won
(``E[Y[X = 1, X = 0]]`` was answered as ``E[Y[X = 0]]``). The same value twice
is refused as well (a repeated name is most often another variable misspelt).
"""

from __future__ import annotations

import pytest

import causalppl as cp
from causalppl.diagnostics import CausalPPLError

MODEL = """model M {
    X : bool ~ Bernoulli(0.5)
    Z : bool ~ Bernoulli(0.3)
    M : bool ~ Bernoulli(0.2 + 0.5 * X)
    Y : bool ~ Bernoulli(0.1 + 0.4 * M + 0.3 * Z)
}
"""


@pytest.fixture(scope="module")
def model() -> cp.Model:
    return cp.loads(MODEL, "m.scm")


def _only_error(call) -> object:
    with pytest.raises(CausalPPLError) as caught:
        call()
    diagnostics = caught.value.diagnostics
    assert len(diagnostics) == 1, [d.message for d in diagnostics]
    return diagnostics[0]


@pytest.mark.parametrize("text, column, message", [
    ("E[Y[X = 1, X = 0]]", 12, "'X' is set twice in this intervention (X = 1 at column 5, X = 0 at column 12)"),
    ("E[Y[X = 1, X = 1]]", 12, "'X' is set twice in this intervention (X = 1 at column 5, X = 1 at column 12)"),
    ("P(Y[X = 0, Z = 1, X = 1] = 1)", 19,
     "'X' is set twice in this intervention (X = 0 at column 5, X = 1 at column 19)"),
    ("E[Y[X = 1, M = M[X = 0, X = 1]]]", 25,
     "'X' is set twice in this intervention (X = 0 at column 18, X = 1 at column 25)"),
    ("P(Y = 1 | do(X = 1, X = 0))", 21, "'X' is set twice in this intervention (X = 1 at column 14, X = 0 at column 21)"),
    ("E[Y | do(X = 1), do(Z = 0, X = 0)]", 28,
     "'X' is set twice in this intervention (X = 1 at column 10, X = 0 at column 28)"),
    ("E[Y | X = 1, Y = 1, do(Z = true, Z = false)]", 34,
     "'Z' is set twice in this intervention (Z = true at column 24, Z = false at column 34)"),
])
def test_a_query_that_sets_a_variable_twice_is_located(model, text, column, message):
    diagnostic = _only_error(lambda: model.query(text))
    assert diagnostic.message == message
    assert (diagnostic.span.filename, diagnostic.span.line, diagnostic.span.column) == ("<query>", 1, column)
    assert "keep one value for" in diagnostic.hint


def test_different_worlds_may_set_the_same_variable(model):
    """Y[X = 1] and M[X = 0] are two interventions: each sets X once."""
    assert 0 <= model.query("E[Y[X = 1, M = M[X = 0]] - Y[X = 0]]").estimate <= 1
    assert 0 <= model.query("P(Y[X = 0] = 1 | do(X = 1))").estimate <= 1


def test_in_a_file_every_repeat_is_reported_with_lines_when_they_differ():
    source = MODEL + "query E[Y[X = 1, X = 0]]\nquery P(Y = 1 | do(\n    Z = 1,\n    Z = 0))\n"
    with pytest.raises(CausalPPLError) as caught:
        cp.loads(source, "m.scm")
    messages = [(d.span.line, d.span.column, d.message) for d in caught.value.diagnostics]
    assert messages == [
        (7, 18, "'X' is set twice in this intervention (X = 1 at column 11, X = 0 at column 18)"),
        (10, 5, "'Z' is set twice in this intervention (Z = 1 at line 9, column 5, Z = 0 at column 5)"),
    ]


@pytest.mark.parametrize("under, message", [
    ("X = 1, X = 0", "'X' is set twice in this intervention (X = 1 at column 26, X = 0 at column 33)"),
    ("X, X = 1", "'X' is set twice in this intervention (X at column 26, X = 1 at column 29)"),
    ("X, X", "'X' is set twice in this intervention (X at column 26, X at column 29)"),
])
def test_a_data_line_that_sets_a_variable_twice_is_located(under, message):
    diagnostic = _only_error(lambda: cp.loads(MODEL + f'data "rows.csv" under do({under})\n', "m.scm"))
    assert diagnostic.message == message and diagnostic.span.line == 7
    assert "separate data lines" in diagnostic.hint


def test_do_text_that_sets_a_variable_twice_is_located(model):
    diagnostic = _only_error(lambda: model.do_text("Z=1, X=0, Z=0"))
    assert diagnostic.message == "'Z' is set twice in this intervention (Z = 1 at column 1, Z = 0 at column 11)"
    assert (diagnostic.span.filename, diagnostic.span.column) == ("<--do>", 11)


def test_do_with_a_mapping_and_a_keyword_for_one_variable_is_refused(model):
    diagnostic = _only_error(lambda: model.do({"Z": 1}, Z=0))
    assert diagnostic.message == ("'Z' is set twice in this intervention (Z = 1 in the mapping, Z = 0 as a "
                                  "keyword argument)")
    assert model.do({"Z": 1}, X=0).query("P(Z = 1)").estimate == pytest.approx(1.0)
