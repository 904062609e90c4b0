"""The hand-written parser against the grammar's reference parser (Lark): same AST, or both refuse.

Lark's parse of ``grammar/causalppl.lark`` is the definition of the language.
For every text here -- the corpus of models, the syntax test cases, and texts
generated from the grammar's forms, soups of its tokens and mutations of its
examples -- the fast parser must give the AST Lark gives (spans included), or
fail where Lark fails. Both then raise the same located error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from causalppl.diagnostics import CausalPPLError
from causalppl.syntax import descent
from causalppl.syntax.parser import (
    parse_assignments,
    parse_declaration,
    parse_program,
    parse_query,
    parse_with_lark,
)
from tests.conftest import REPO
from tests.syntax.test_fuzz import (
    FUZZ,
    EXPRESSIONS,
    assignment_list,
    declaration,
    mutated_example,
    query_line,
    soup_program,
    structured_program,
    token_soup,
)

CORPUS = sorted([*REPO.glob("stdlib/*.scm"), *REPO.glob("examples/*/*.scm"),
                 *(REPO / "tests").rglob("*.scm")])

READERS = {
    "start": descent.read_program,
    "query_line": descent.read_query,
    "assignments_line": descent.read_assignments,
    "declaration": descent.read_declaration,
}


def _outcome(call):
    try:
        return "ok", call()
    except descent.SyntaxFailure:
        return "syntax", None
    except CausalPPLError as error:
        return "error", [(d.span, d.message, d.hint) for d in error.diagnostics]


PUBLIC = {"start": parse_program, "query_line": parse_query, "assignments_line": parse_assignments,
          "declaration": parse_declaration}


def assert_same_as_reference(text: str, start: str = "start") -> str:
    """Both parsers agree; returns how the fast one ended ("ok", "error" or "syntax")."""
    ours = _outcome(lambda: READERS[start](text, "t.scm"))
    reference = _outcome(lambda: parse_with_lark(text, "t.scm", start))
    if ours[0] == "syntax":  # the reference words syntax errors
        # The public parser reports the reference's error (parsing only the statements from the failing
        # one on). Lark's lexer also reads a keyword glued to a word where no name may stand ("modelM {",
        # "a orange" as "a or ange"): the public parser then falls back to the reference's parse.
        assert _outcome(lambda: PUBLIC[start](text, "t.scm")) == reference
        return "syntax"
    assert ours == reference, f"the parsers differ on {text!r}"
    return ours[0]


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: str(path.relative_to(REPO)))
def test_corpus_parses_as_the_reference_does(path: Path):
    text = path.read_text(encoding="utf-8")
    ending = assert_same_as_reference(text)
    if "/bad/" not in str(path):
        assert ending != "syntax" or _outcome(lambda: parse_with_lark(text, "t.scm"))[0] == "error"


@FUZZ
@given(structured_program())
def test_generated_programs(text):
    assert_same_as_reference(text)


@FUZZ
@given(soup_program())
def test_token_soups(text):
    assert_same_as_reference(text)


@FUZZ
@given(mutated_example())
def test_mutated_examples(text):
    assert_same_as_reference(text)


@FUZZ
@given(query_line())
def test_query_lines(text):
    assert_same_as_reference(text.removeprefix("query "), "query_line")


@FUZZ
@given(st.one_of(token_soup(junk=False), assignment_list()))
def test_assignment_lines(text):
    assert_same_as_reference(text, "assignments_line")


@FUZZ
@given(st.one_of(declaration(), token_soup(junk=False)))
def test_declarations(text):
    assert_same_as_reference(text, "declaration")


@FUZZ
@given(EXPRESSIONS)
def test_expressions(text):
    assert_same_as_reference(f"model M {{\n    Y := {text}\n}}\nquery E[{text}]\n")


@pytest.mark.parametrize("text", [
    "model M {\n X := a<-1\n}",                        # `<-` split where only `<` fits
    "model M {\n X := -a ^ -b ^ c * d\n}",
    "model M {\n X := not a < b and not not c or d\n}",
    "model M {\n X := if a then if b then c else d else e + 1\n}",
    "model M {\n X := b[Region][1] + f()[0] + (a)[2]\n}",
    "model M {\n X := --5 + -(5) - - (a)\n}",
    "model M {\n X := a < b < c\n}",                  # comparisons do not chain
    "model M {\n X := 1 + if a then b else c\n}",     # `if` only where an expression starts
    "model M {\n X := a + not b\n}",                  # `not` here is a name
    "model M {\n X := (\n a\n +\n b)\n}",             # newlines inside brackets
    "model M {\n X : {a,\n b ,\n\n c} ~ Categorical([0.2,\n 0.3, 0.5])\n}",
    "model M {\n if ~ Normal(0, 1)\n}",               # a reserved word as a name
    "model M {\n X : {a, b, a} ~ Categorical([0.2, 0.3, 0.5])\n}",
    "model M {\n param b[0] ~ Normal(0, 1)\n}",
    "model M {\n X ~ Normal(if = 1)\n}",
    "model M { X : bool }\nmodel N { Y : bool }\n",
    "model M { X : bool }\nquery Q(X = 1)\nquery E[X] + bounds P(X)\n",
    "model M { X : bool }\nquery P(X<-1) + (P(X = 1)) * -2\n",
    "model M { X : bool }\nquery P(do = 1 | do(X = 1), X[X = 0] = 1)\n",
    "model M { X : bool }\ndata \"d.csv\" under do(X, Y = 1)\n",
    "model M {\n A : bool\n B : {lo, hi} ~ table(A) {\n  true : [0.5, 0.5] # c\n\n  0: [ - 0.5 , 1.5 ]\n }\n}",
    "model M {\n B : {lo, hi} ~ table(A, C) { lo, - 1 : [1,0]; hi , 2: [0, 1]\n ...\n}\n}",
    "model M {\n B ~ table() {\n [0.25, 0.75]\n}\n}",
    "model M {\n B ~ table(A) {\n a : [0.5,\n 0.5]\n b : [0.5, 0.5] }\n}",
    "model M {\r\n B ~ table(A) {\r\n a : [0.5, 0.5]\r\n}\r\n}\r\n",
    "model M {\n B ~ table(A) {\n a : [0.5, 0.5]\n 1a : [0.5, 0.5]\n}\n}",
    "model M {\n B ~ table(A) {\n a : [inf, 0.5]\n}\n}",
    "model M {\n B ~ table(A) {\n a : []\n}\n}",
    "",
    "\n\n# only a comment\n",
    "modelM {\n X := a orange\n}\n",  # keywords glued to words (read as Lark reads them)
    "model M {\n X : bool\n query : bool\n}\n",  # after a separator some words are keywords
    "model M { query : bool\n}\n",
    "model M {\n X : bool; true : bool\n}\n",
    "model M {\n A : bool\n X ~ table(A) {\n 0 : [0.5, 0.5]\n model : [0.5, 0.5]\n true : [0.5, 0.5]\n }\n}\n",
    "model M {\n A : {model, x}\n X ~ table(A) {\n x : [0.5, 0.5]; model : [0.5, 0.5]\n }\n}\n",
    # table bodies read whole by the lexer (one row per line) or, laid out otherwise, token by token
    "model M {\n B ~ table(A) {\n a : [0.5, 0.5] # a } in a comment\n b : [0.5, 0.5]\n}\n}",
    "model M {\n B ~ table(A) { a : [0.5, 0.5]\n b : [0.5, 0.5]\n\t}\n}",
    "model M {\n B ~ table(A) {   # rows below\n\n\t a ,b:[ 0.5,0.5 ]\n   # between\n c : [1e-1, .9]\n \t }\n}",
    "model M {\n B ~ table(A) { }\n}",
    "model M {\n B ~ table(A) {\n}\n}",
    "model M {\n B ~ table(A) {\n a : [0.5, 0.5]\n} X : bool\n}",
    "model M {\n B ~ table(A) {\n - 1, true : [0.5, 0.5]\n false,-2:[0.5,0.5]\n}\n}",
    "model M {\n B ~ table(A) {\n a : [0.5, 0.5]\n b : [0.5, 0.5]",
])
def test_chosen_texts(text):
    assert_same_as_reference(text)


def test_an_error_at_the_end_of_a_large_file_is_worded_quickly():
    lines = [f"    V{i} ~ Normal({'V' + str(i - 1) if i else 0}, 1)" for i in range(20_000)]
    text = "model Big {\n" + "\n".join(lines) + "\n    W ~ Normal(V1, \n}\nquery E[W]\n"
    with pytest.raises(CausalPPLError) as caught:
        parse_program(text, "big.scm")
    reference = _outcome(lambda: parse_with_lark(text, "big.scm"))
    assert reference == ("error", [(d.span, d.message, d.hint) for d in caught.value.diagnostics])
    assert caught.value.diagnostics[0].span.line == 20_003


def test_a_syntax_error_is_worded_by_the_reference():
    with pytest.raises(CausalPPLError) as caught:
        parse_program("model M {\n X ~ Normal(0, 1\n}\n", "t.scm")
    assert str(caught.value).startswith("t.scm:")
    assert caught.value.diagnostics[0].span.line >= 2
