"""Property tests: whatever text a user writes, the front end either accepts it
or raises :class:`CausalPPLError` -- never another exception (a traceback).

Three sources of text: tokens of the language glued at random, programs built
from the grammar's forms with random contents (well formed, so they reach the
semantic checks), and random mutations of the example files under
``cases/ok``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from causalppl.diagnostics import CausalPPLError, render
from causalppl.ir.families import FAMILIES
from causalppl.semantics import check_program
from causalppl.syntax import (
    parse_assignments,
    parse_declaration,
    parse_program,
    parse_query,
)

CASES = Path(__file__).resolve().parent / "cases" / "ok"
OK_TEXTS = [path.read_text(encoding="utf-8") for path in sorted(CASES.glob("*.scm"))]

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def known_bug(error: BaseException) -> str | None:
    """A crash already reported and not yet fixed, or None (none are known today)."""
    return None


def front_end(text: str) -> None:
    """Parse and check ``text``; only :class:`CausalPPLError` may escape."""
    try:
        check_program(parse_program(text, "fuzz.scm"))
    except CausalPPLError as error:
        assert str(error).startswith("fuzz.scm:")
        for diagnostic in error.diagnostics:
            assert_excerpt_points_at_the_span(diagnostic, text)
    except Exception as error:  # noqa: BLE001 - the property under test
        if known_bug(error) is None:
            raise


# Characters str.splitlines() breaks on but the lexer does not.
_OTHER_LINE_BREAKS = re.compile("\r(?!\n)|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def assert_excerpt_points_at_the_span(diagnostic, text: str) -> None:
    """The excerpt under a diagnostic is the line it names, the caret at its column."""
    span = diagnostic.span
    lines = text.split("\n")
    if _OTHER_LINE_BREAKS.search(text) or not 1 <= span.line <= len(lines):
        return
    if span.line == len(lines) and not lines[-1].strip("\r"):
        return  # the empty last line of the file (or an empty file) has no excerpt
    rendered = render(diagnostic, text).split("\n")
    assert rendered[0] == f"{span}: error: {diagnostic.message}"
    source_line = lines[span.line - 1].removesuffix("\r").replace("\t", " ")
    assert rendered[1] == "    " + source_line
    assert rendered[2].index("^") == 4 + max(span.column - 1, 0)


def fragment(parse, text: str) -> None:
    try:
        parse(text)
    except CausalPPLError:
        pass


# ------------------------------------------------------------ token soup ----

KEYWORDS = ["model", "data", "query", "latent", "param", "under", "do", "bounds", "identify", "table", "bool",
            "int", "real", "true", "false", "and", "or", "not", "if", "then", "else"]
NAMES = ["X", "Y", "Z", "A", "B", "M", "P", "E", "b", "s", "Region", "LOW", "HIGH", "low", "Normal", "Bernoulli",
         "Categorical", "Poisson", "exp", "max", "loc", "scale", "logits", "ate", "_x1"]
NUMBERS = ["0", "1", "2", "3", "0.5", ".5", "1e3", "2.5e-1", "10", "99999999999999999999", "1e999"]
SYMBOLS = ["~", ":=", "<-", "<->", ":", "=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "^", ",", "|",
           "...", "(", ")", "[", "]", "{", "}", "(", ")", "[", "]", "{", "}"]
LAYOUT = ["\n", "\n", ";", '"data.csv"', "# a comment\n", "\r\n"]
JUNK = ["@", "$", "?", "'", '"', "\t", "\\", "`", "é", "\x00", "&", "!", "%", "\u00a0"]

TOKENS = KEYWORDS + NAMES + NUMBERS + SYMBOLS + LAYOUT


@st.composite
def token_soup(draw, junk: bool = True) -> str:
    pool = TOKENS + JUNK if junk else TOKENS
    tokens = draw(st.lists(st.sampled_from(pool), max_size=50))
    glue = draw(st.lists(st.sampled_from([" ", " ", "", "\n"]), min_size=len(tokens), max_size=len(tokens)))
    return "".join(token + sep for token, sep in zip(tokens, glue))


@st.composite
def soup_program(draw) -> str:
    """Soup, often wrapped in a model block so that it reaches deeper grammar states."""
    shape = draw(st.sampled_from(["bare", "model", "model+tail"]))
    body = draw(token_soup())
    if shape == "bare":
        return body
    tail = draw(token_soup()) if shape == "model+tail" else ""
    return "model M {\n" + body + "\n}\n" + tail


@FUZZ
@given(soup_program())
def test_token_soup_never_crashes(text):
    front_end(text)


@FUZZ
@given(token_soup())
def test_token_soup_fragments_never_crash(text):
    fragment(parse_query, text)
    fragment(parse_assignments, text)
    fragment(parse_declaration, text)


# -------------------------------------------------- structured programs ----

VARIABLES = ["A", "B", "X", "Y", "P", "E", "Region"]
PARAMETERS = ["b", "c", "w"]
LEVELS = ["low", "mid", "high", "LOW"]
FUNCTIONS = ["exp", "log", "sqrt", "abs", "sigmoid", "logit", "softplus", "min", "max", "expo", "f"]

numbers = st.one_of(st.integers(-3, 12).map(str), st.sampled_from(["0.5", "0.25", "1e-3", "2.0", "1e999", ".5"]))
names = st.sampled_from(VARIABLES + PARAMETERS + LEVELS + ["Unknown"])


def expressions(potential_outcomes: bool = True):
    leaves = st.one_of(numbers, names, st.sampled_from(["true", "false"]))

    def extend(inner):
        binary = st.builds(lambda a, op, b: f"{a} {op} {b}", inner,
                           st.sampled_from(["+", "-", "*", "/", "^", "==", "!=", "<", "<=", ">", ">=", "and", "or"]),
                           inner)
        options = [
            binary,
            inner.map(lambda a: f"-{a}"),
            inner.map(lambda a: f"not {a}"),
            inner.map(lambda a: f"({a})"),
            st.builds(lambda c, a, b: f"(if {c} then {a} else {b})", inner, inner, inner),
            st.builds(lambda f, args: f"{f}({', '.join(args)})", st.sampled_from(FUNCTIONS),
                      st.lists(inner, max_size=3)),
            st.lists(inner, min_size=1, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
            st.builds(lambda a, i: f"({a})[{i}]", inner, inner),
        ]
        if potential_outcomes:
            options.append(st.builds(lambda v, x, e: f"{v}[{x} = {e}]", st.sampled_from(VARIABLES),
                                     st.sampled_from(VARIABLES), inner))
        return st.one_of(*options)

    return st.recursive(leaves, extend, max_leaves=8)


EXPRESSIONS = expressions(True)
MODEL_EXPRESSIONS = expressions(False)


types = st.sampled_from(["", ": bool ", ": int ", ": real ", ": {low, mid, high} ", ": {1, 2, 3} ",
                         ": {low, low} ", ": {-1, 0, 1} ", ": {0.5, 1} ", ": {007, -0, 1e3} "])
families = st.sampled_from(sorted(FAMILIES) + ["Normall", "Foo"])
argument_names = st.sampled_from(["", "", "", "loc=", "scale=", "p=", "probs=", "logits=", "rate=", "mean=",
                                  "df=", "n=", "alpha="])
arguments = st.builds(lambda name, value: name + value, argument_names, MODEL_EXPRESSIONS)


@st.composite
def distribution(draw) -> str:
    family = draw(families)
    args = draw(st.lists(arguments, max_size=4))
    return f"{family}({', '.join(args)})"


@st.composite
def table(draw) -> str:
    parents = draw(st.lists(st.sampled_from(VARIABLES), max_size=2, unique=True))
    width = draw(st.integers(1, 3))
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        key = draw(st.lists(st.sampled_from(["0", "1", "true", "false", "low", "high", "2", "-1"]),
                            min_size=len(parents), max_size=len(parents)))
        probs = draw(st.lists(st.sampled_from(["0", "1", "0.5", "0.25", "-0.5", "1e-7", "0.3333333"]),
                              min_size=width, max_size=width))
        prefix = ", ".join(key) + " : " if key else ""
        rows.append(prefix + "[" + ", ".join(probs) + "]")
    if draw(st.booleans()):
        rows.append("...")
    return f"table({', '.join(parents)}) {{\n" + "\n".join(rows) + "\n}"


@st.composite
def declaration(draw) -> str:
    name = draw(st.sampled_from(VARIABLES))
    kind = draw(st.sampled_from(["~", ":=", "<-", "root", "latent", "param", "param[]", "fixed", "<->", "table"]))
    type_ = draw(types)
    if kind == "~":
        return f"{name} {type_}~ {draw(distribution())}"
    if kind == "table":
        return f"{name} {type_}~ {draw(table())}"
    if kind == ":=":
        return f"{name} {type_}:= {draw(st.one_of(EXPRESSIONS, MODEL_EXPRESSIONS))}"
    if kind == "<-":
        parents = draw(st.lists(st.sampled_from(VARIABLES + PARAMETERS), min_size=1, max_size=3))
        return f"{name} {type_}<- {', '.join(parents)}"
    if kind == "root":
        return f"{name} {type_ or ': bool '}"
    if kind == "latent":
        return f"latent {name} {type_}~ {draw(distribution())}"
    parameter = draw(st.sampled_from(PARAMETERS + VARIABLES[:1]))
    if kind == "param":
        return f"param {parameter} ~ {draw(distribution())}"
    if kind == "param[]":
        return f"param {parameter}[{draw(st.integers(0, 4))}] ~ {draw(distribution())}"
    if kind == "fixed":
        return f"param {parameter} = {draw(MODEL_EXPRESSIONS)}"
    other = draw(st.sampled_from(VARIABLES + PARAMETERS + ["Nope"]))
    return f"{name} <-> {other}"


@st.composite
def assignment_list(draw) -> str:
    items = draw(st.lists(st.builds(lambda v, e: f"{v} = {e}", st.sampled_from(VARIABLES + PARAMETERS),
                                    st.one_of(numbers, st.sampled_from(LEVELS + ["true", "Y[X = 0]"]))),
                          min_size=1, max_size=3))
    return ", ".join(items)


@st.composite
def outcome(draw) -> str:
    variable = draw(st.sampled_from(VARIABLES + PARAMETERS))
    return f"{variable}[{draw(assignment_list())}]" if draw(st.booleans()) else variable


@st.composite
def conditions(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            parts.append(f"do({draw(assignment_list())})")
        else:
            op = draw(st.sampled_from(["", " = ", " != ", " < ", " >= "]))
            value = draw(st.one_of(numbers, st.sampled_from(LEVELS))) if op else ""
            parts.append(f"{draw(outcome())}{op}{value}")
    return " | " + ", ".join(parts) if parts else ""


@st.composite
def query_term(draw) -> str:
    if draw(st.booleans()):
        events = []
        for _ in range(draw(st.integers(1, 2))):
            op = draw(st.sampled_from(["", " = ", " > ", " <= ", " != "]))
            value = draw(st.one_of(numbers, st.sampled_from(LEVELS))) if op else ""
            events.append(f"{draw(outcome())}{op}{value}")
        return f"{draw(st.sampled_from(['P', 'P', 'Q']))}({', '.join(events)}{draw(conditions())})"
    return f"E[{draw(EXPRESSIONS)}{draw(conditions())}]"


@st.composite
def query_line(draw) -> str:
    terms = draw(st.lists(st.one_of(query_term(), numbers), min_size=1, max_size=3))
    ops = draw(st.lists(st.sampled_from([" + ", " - ", " * ", " / "]), min_size=len(terms) - 1,
                        max_size=len(terms) - 1))
    body = terms[0] + "".join(op + term for op, term in zip(ops, terms[1:]))
    prefix = draw(st.sampled_from(["", "", "bounds ", "identify "]))
    name = draw(st.sampled_from(["", "", "ate = ", "X = ", "ate = "]))
    return f"query {name}{prefix}{body}"


@st.composite
def data_line(draw) -> str:
    targets = draw(st.lists(st.one_of(st.sampled_from(VARIABLES + PARAMETERS + ["Nope"]),
                                      st.builds(lambda v, e: f"{v} = {e}", st.sampled_from(VARIABLES), numbers)),
                            max_size=2))
    return 'data "rows.csv"' + (f" under do({', '.join(targets)})" if targets else "")


@st.composite
def structured_program(draw) -> str:
    decls = draw(st.lists(declaration(), max_size=8))
    data = draw(st.lists(data_line(), max_size=2))
    queries = draw(st.lists(query_line(), max_size=3))
    return "model M {\n    " + "\n    ".join(decls) + "\n}\n" + "\n".join(data + queries) + "\n"


@FUZZ
@given(structured_program())
def test_structured_programs_never_crash(text):
    front_end(text)


@FUZZ
@given(query_line())
def test_structured_queries_parse_or_fail_cleanly(text):
    fragment(parse_query, text.removeprefix("query "))


# -------------------------------------------------------------- mutations ----

_TOKEN = re.compile(r"\s+|#[^\n]*|\"[^\"\n]*\"|<->|:=|<-|==|!=|<=|>=|\.\.\.|\w+|\d*\.\d+|.", re.DOTALL)


@st.composite
def mutated_example(draw) -> str:
    text = draw(st.sampled_from(OK_TEXTS))
    by_tokens = draw(st.booleans())
    units = _TOKEN.findall(text) if by_tokens else list(text)
    vocabulary = TOKENS + JUNK if by_tokens else list("(){}[]<>-~:=,;#\"|.^*+/ \n0123456789abcXYZ")
    for _ in range(draw(st.integers(1, 4))):
        if not units:
            break
        operation = draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "replace"]))
        i = draw(st.integers(0, len(units) - 1))
        if operation == "delete":
            del units[i]
        elif operation == "insert":
            units.insert(i, draw(st.sampled_from(vocabulary)))
        elif operation == "duplicate":
            units.insert(i, units[i])
        elif operation == "swap":
            j = draw(st.integers(0, len(units) - 1))
            units[i], units[j] = units[j], units[i]
        else:
            units[i] = draw(st.sampled_from(vocabulary))
    return "".join(units)


@FUZZ
@given(mutated_example())
def test_mutated_examples_never_crash(text):
    front_end(text)


def test_the_examples_themselves_pass_through_the_front_end():
    assert OK_TEXTS
    for text in OK_TEXTS:
        front_end(text)


# ----------------------------------------------------- crashes found here ----


@pytest.mark.parametrize("text", [
    "model M { X ~ Normal(0, (-1) ^ 0.5) }",
    "model M { X ~ Bernoulli((-1) ^ 0.5) }",
    "model M { X : bool }\nquery P(X = 1 | do(X = (-1) ^ 0.5))",
    "model M { X : real }\nquery P(X = (-8) ^ (1 / 3))",
])
def test_negative_base_with_fractional_power_is_a_clean_error_or_accepted(text):
    try:
        check_program(parse_program(text, "fuzz.scm"))
    except CausalPPLError:
        pass
