"""Unit tests of the parser: AST shapes, spans, query text, layout rules."""

from __future__ import annotations

import pytest

from causalppl.diagnostics import CausalPPLError, Span
from causalppl.semantics import check_program
from causalppl.syntax import (
    ast,
    parse_assignments,
    parse_declaration,
    parse_program,
    parse_query,
)

FRONT_DOOR = """\
# Comments run from '#' to the end of the line.
model FrontDoor {
    Smoking : bool
    Tar     : bool <- Smoking
    Cancer  : bool <- Tar
    Smoking <-> Cancer
}

data "smoking.csv"

query P(Cancer = 1 | do(Smoking = 1))
query ate = E[Cancer | do(Smoking = 1)] - E[Cancer | do(Smoking = 0)]
"""


def span(line: int, column: int, end_line: int, end_column: int, filename: str = "f.scm") -> Span:
    return Span(filename, line, column, end_line, end_column)


def expr_of(text: str) -> ast.Expr:
    """The expression of a deterministic declaration ``X := <text>``."""
    declaration = parse_declaration(f"X := {text}")
    assert isinstance(declaration.mechanism, ast.Deterministic)
    return declaration.mechanism.expr


def strip(node):
    """An AST with every span removed, to compare shapes."""
    if isinstance(node, tuple):
        return tuple(strip(item) for item in node)
    if hasattr(node, "__dataclass_fields__"):
        fields = {name: strip(getattr(node, name)) for name in node.__dataclass_fields__
                  if not name.endswith("span") and not name.endswith("spans") and name not in ("source", "filename")}
        return (type(node).__name__, tuple(sorted(fields.items())))
    return node


# ------------------------------------------------------------------ files ----


def test_front_door_program_shape():
    program = parse_program(FRONT_DOOR, "f.scm")
    assert program.filename == "f.scm"
    assert program.source == FRONT_DOOR
    model = program.model
    assert model.name == "FrontDoor"
    assert model.span == span(2, 1, 7, 2)
    smoking, tar, cancer, arc = model.declarations
    assert smoking == ast.VariableDecl("Smoking", ast.BoolType(span(3, 15, 3, 19)), None, False,
                                       span(3, 5, 3, 19), span(3, 5, 3, 12))
    assert tar.name_span == span(4, 5, 4, 8)
    assert isinstance(tar.mechanism, ast.Nonparametric)
    assert tar.mechanism.parents == ("Smoking",)
    assert tar.mechanism.parent_spans == (span(4, 23, 4, 30),)
    assert cancer.mechanism.parents == ("Tar",)
    assert arc == ast.Confounding("Smoking", "Cancer", span(6, 5, 6, 23), span(6, 5, 6, 12), span(6, 17, 6, 23))
    assert program.data == (ast.DataStatement("smoking.csv", (), span(9, 1, 9, 19)),)
    first, ate = program.queries
    assert first.name is None and first.kind == "estimate"
    assert first.text == "P(Cancer = 1 | do(Smoking = 1))"
    assert first.span == span(11, 7, 11, 38)
    assert ate.name == "ate"
    assert ate.text == "E[Cancer | do(Smoking = 1)] - E[Cancer | do(Smoking = 0)]"
    assert ate.span.line == 12 and ate.span.column == 7
    assert isinstance(ate.expr, ast.QueryBinary) and ate.expr.op == "-"
    assert isinstance(ate.expr.left, ast.ExpectationTerm)
    assert ate.expr.left.expr == ast.Name("Cancer", span(12, 15, 12, 21))


@pytest.mark.parametrize("source", ["", "\n\n", "# only a comment\n", ";;\n;", "   \t  "])
def test_empty_files_have_no_model(source):
    program = parse_program(source, "f.scm")
    assert program.model is None and program.data == () and program.queries == ()


def test_empty_model_block():
    assert parse_program("model M {}").model.declarations == ()
    assert parse_program("model M {\n\n}\n").model.declarations == ()


def test_two_model_blocks_are_an_error_at_the_second():
    with pytest.raises(CausalPPLError) as error:
        parse_program("model A { X : bool }\nmodel B { Y : bool }\n", "f.scm")
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.span.line == 2 and diagnostic.span.column == 1
    assert "one model block" in diagnostic.message


def test_no_trailing_newline_and_crlf():
    a = parse_program("model M {\n A : bool\n B : bool <- A\n}\nquery P(B = 1)")
    b = parse_program("model M {\r\n A : bool\r\n B : bool <- A\r\n}\r\nquery P(B = 1)\r\n")
    assert strip(a.model) == strip(b.model)
    assert strip(a.queries) == strip(b.queries)


# ----------------------------------------------------------- declarations ----


def test_stochastic_declaration_and_named_arguments():
    declaration = parse_declaration("X ~ Normal(2 * Z + 1, scale=0.5)", "f.scm")
    assert declaration.name == "X" and declaration.type is None and not declaration.latent
    call = declaration.mechanism.distribution
    assert isinstance(call, ast.DistributionCall) and call.family == "Normal"
    assert call.span == span(1, 5, 1, 33)
    loc, scale = call.args
    assert loc.name is None
    assert strip(loc.value) == strip(ast.BinaryOp("+", ast.BinaryOp("*", ast.Number(2.0, "2", None),
                                                                      ast.Name("Z", None), None),
                                                  ast.Number(1.0, "1", None), None))
    assert scale.name == "scale" and scale.value == ast.Number(0.5, "0.5", span(1, 29, 1, 32))
    assert scale.span == span(1, 23, 1, 32)


def test_latent_declarations():
    stochastic = parse_declaration("latent U ~ Normal(0, 1)")
    deterministic = parse_declaration("latent V : real := 2 * U")
    assert stochastic.latent and stochastic.name == "U" and isinstance(stochastic.mechanism, ast.Stochastic)
    assert deterministic.latent and isinstance(deterministic.type, ast.RealType)
    assert isinstance(deterministic.mechanism, ast.Deterministic)
    assert deterministic.name_span.column == 8


@pytest.mark.parametrize("text, kind, levels", [
    ("X : bool", ast.BoolType, None),
    ("X : int", ast.IntType, None),
    ("X : real", ast.RealType, None),
    ("X : {low, mid, high}", ast.LevelsType, ("low", "mid", "high")),
    ("X : {1, 2, 3}", ast.LevelsType, ("1", "2", "3")),
    ("X : {-1, 0, 1}", ast.LevelsType, ("-1", "0", "1")),
    ("X : {\n  low,\n  high\n}", ast.LevelsType, ("low", "high")),
])
def test_types(text, kind, levels):
    declaration = parse_declaration(text)
    assert isinstance(declaration.type, kind)
    assert declaration.mechanism is None
    if levels is not None:
        assert declaration.type.levels == levels


def test_nonparametric_mechanism_spans():
    declaration = parse_declaration("X : {a, b} <- A, Bee", "f.scm")
    assert declaration.type == ast.LevelsType(("a", "b"), span(1, 5, 1, 11))
    assert declaration.mechanism.parents == ("A", "Bee")
    assert declaration.mechanism.parent_spans == (span(1, 15, 1, 16), span(1, 18, 1, 21))


@pytest.mark.parametrize("text, size, prior, value", [
    ("param b ~ Normal(0, 1)", None, "Normal", None),
    ("param b[3] ~ Normal(0, 1)", 3, "Normal", None),
    ("param b = 0.7", None, None, 0.7),
    ("param b : real ~ HalfNormal(1)", None, "HalfNormal", None),
])
def test_parameters(text, size, prior, value):
    declaration = parse_declaration(text, "f.scm")
    assert isinstance(declaration, ast.ParamDecl)
    assert declaration.name == "b" and declaration.name_span == span(1, 7, 1, 8)
    assert declaration.size == size
    assert (declaration.prior.family if declaration.prior else None) == prior
    assert (declaration.value.value if declaration.value else None) == value


def test_vector_parameter_value():
    declaration = parse_declaration("param s = [1, 2]")
    assert isinstance(declaration.value, ast.Vector)
    assert [item.value for item in declaration.value.items] == [1.0, 2.0]


def test_parameter_size_must_be_whole():
    with pytest.raises(CausalPPLError) as error:
        parse_declaration("param b[2.5] ~ Normal(0, 1)", "f.scm")
    assert error.value.diagnostics[0].span == span(1, 9, 1, 12)


def test_table_rows():
    declaration = parse_declaration(
        "Erk : {LOW, HIGH} ~ table(Mek, On) {\n"
        "    LOW, true : [0.1, 0.9]\n"
        "    HIGH, 0   : [1, 0]; 2, -1 : [0.5, 0.5]\n"
        "}", "f.scm")
    table = declaration.mechanism.distribution
    assert table.parents == ("Mek", "On") and not table.elided
    assert [row.key for row in table.rows] == [("LOW", "1"), ("HIGH", "0"), ("2", "-1")]
    assert [row.probabilities for row in table.rows] == [(0.1, 0.9), (1.0, 0.0), (0.5, 0.5)]
    assert table.rows[0].key_spans == (span(2, 5, 2, 8), span(2, 10, 2, 14))
    assert table.rows[1].span == span(3, 5, 3, 23)
    assert table.rows[2].key_spans[1].column == 28


def test_root_table_and_elided_rows():
    root = parse_declaration("C ~ table() {\n [0.2, 0.8]\n}").mechanism.distribution
    assert root.parents == () and root.rows[0].key == () and root.rows[0].probabilities == (0.2, 0.8)
    elided = parse_declaration("C ~ table(A) {\n 0 : [0.2, 0.8]\n ...\n}").mechanism.distribution
    assert elided.elided and len(elided.rows) == 1


def test_confounding_declaration():
    arc = parse_declaration("A <-> B", "f.scm")
    assert arc == ast.Confounding("A", "B", span(1, 1, 1, 8), span(1, 1, 1, 2), span(1, 7, 1, 8))


# ------------------------------------------------------------ expressions ----


def test_precedence_and_associativity():
    assert strip(expr_of("1 + 2 * 3")) == strip(expr_of("1 + (2 * 3)"))
    assert strip(expr_of("1 - 2 - 3")) == strip(expr_of("(1 - 2) - 3"))
    assert strip(expr_of("2 ^ 3 ^ 2")) == strip(expr_of("2 ^ (3 ^ 2)"))
    assert strip(expr_of("-Z ^ 2")) == strip(expr_of("-(Z ^ 2)"))
    assert strip(expr_of("a or b and not c")) == strip(expr_of("a or (b and (not c))"))
    assert strip(expr_of("a + 1 < b * 2 and c")) == strip(expr_of("((a + 1) < (b * 2)) and c"))


def test_negative_numbers_fold():
    assert expr_of("-2") == ast.Number(-2.0, "-2", Span("<declaration>", 1, 6, 1, 8))
    negated = expr_of("-Z")
    assert isinstance(negated, ast.UnaryOp) and negated.op == "-"


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_comparisons(op):
    expr = expr_of(f"A {op} B")
    assert isinstance(expr, ast.BinaryOp) and expr.op == op


def test_if_then_else_calls_vectors_and_booleans():
    expr = expr_of("if A > 0 then max(A, 1) else [true, false][0]")
    assert isinstance(expr, ast.IfElse)
    assert isinstance(expr.then, ast.Call) and expr.then.function == "max" and len(expr.then.args) == 2
    assert isinstance(expr.otherwise, ast.Index)
    assert expr.otherwise.target.items == (ast.Bool(True, expr.otherwise.target.items[0].span),
                                           ast.Bool(False, expr.otherwise.target.items[1].span))
    assert expr_of("f()").args == ()


def test_indexing_a_parenthesised_name():
    expr = expr_of("(b)[Region]")
    assert isinstance(expr, ast.Index)
    assert expr.target.name == "b" and expr.index.name == "Region"


@pytest.mark.parametrize("text", ["b[Region]", "b[0]", "b[Region + 1]"])
def test_indexing_a_name(text):
    expr = expr_of(text)
    assert isinstance(expr, ast.Index) and expr.target.name == "b"


# ---------------------------------------------------------------- queries ----


def test_query_text_is_preserved_without_name_and_with_normalised_spaces():
    query = parse_query("ace  =  bounds E[Y |   do(X = 1)]\t-  E[Y | do(X = 0)]")
    assert query.name == "ace" and query.kind == "bounds"
    assert query.text == "bounds E[Y | do(X = 1)] - E[Y | do(X = 0)]"


@pytest.mark.parametrize("text, name, kind", [
    ("P(Y = 1)", None, "estimate"),
    ("identify P(Y = 1 | do(X = 1))", None, "identify"),
    ("bounds E[Y | do(X = 1)] - E[Y | do(X = 0)]", None, "bounds"),
    ("pn = P(Y[X = 0] = 0 | X = 1, Y = 1)", "pn", "estimate"),
    ("fd = identify P(Y = 1 | do(X = 1))", "fd", "identify"),
])
def test_query_names_and_kinds(text, name, kind):
    query = parse_query(text)
    assert (query.name, query.kind) == (name, kind)


def test_probability_conditions():
    query = parse_query("P(Y = 1 | do(X = 1, Z = 0), W = 1)", "q")
    term = query.expr
    assert isinstance(term, ast.ProbabilityTerm)
    (event,) = term.events
    assert event.outcome == ast.Outcome("Y", (), span(1, 3, 1, 4, "q")) and event.op == "="
    intervention, evidence = term.conditions
    assert isinstance(intervention, ast.Intervention)
    assert [a.name for a in intervention.assignments] == ["X", "Z"]
    assert intervention.assignments[1].name_span == span(1, 21, 1, 22, "q")
    assert isinstance(evidence, ast.Event) and evidence.outcome.variable == "W"


def test_distribution_query_has_a_bare_event():
    (event,) = parse_query("P(Y)").expr.events
    assert event.op is None and event.value is None


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_event_operators(op):
    (event,) = parse_query(f"P(Y {op} 2)").expr.events
    assert event.op == op


def test_nested_potential_outcome():
    query = parse_query("E[Y[X = 1, M = M[X = 0]] - Y[X = 0]]", "q")
    body = query.expr.expr
    assert isinstance(body, ast.BinaryOp) and body.op == "-"
    outer = body.left
    assert isinstance(outer, ast.PotentialOutcome) and outer.variable == "Y"
    x, m = outer.assignments
    assert x.name == "X" and x.value.value == 1.0
    assert m.name == "M" and m.name_span == span(1, 12, 1, 13, "q")
    inner = m.value
    assert isinstance(inner, ast.PotentialOutcome) and inner.variable == "M"
    assert inner.span == span(1, 16, 1, 24, "q")
    assert [(a.name, a.value.value) for a in inner.assignments] == [("X", 0.0)]
    assert body.right.variable == "Y" and body.right.assignments[0].value.value == 0.0


def test_potential_outcome_event_and_evidence():
    term = parse_query("P(Y[X = 0] = 0 | X = 1, Y = 1)").expr
    (event,) = term.events
    assert event.outcome.variable == "Y"
    assert [(a.name, a.value.value) for a in event.outcome.assignments] == [("X", 0.0)]
    assert event.op == "=" and event.value.value == 0.0
    assert [c.outcome.variable for c in term.conditions] == ["X", "Y"]


def test_query_arithmetic():
    expr = parse_query("(P(Y = 1) + 0.5) / 2 * -P(M = 1)").expr
    assert isinstance(expr, ast.QueryBinary) and expr.op == "*"
    assert isinstance(expr.left, ast.QueryBinary) and expr.left.op == "/"
    assert isinstance(expr.left.right, ast.QueryNumber) and expr.left.right.value == 2.0
    assert isinstance(expr.right, ast.QueryNegation)


def test_expectation_of_a_parameter():
    term = parse_query("E[b]").expr
    assert isinstance(term, ast.ExpectationTerm) and term.expr.name == "b" and term.conditions == ()


@pytest.mark.parametrize("text, column", [("Q(Y = 1)", 1), ("ace = F[Y]", 7), ("p(Y = 1)", 1)])
def test_unknown_query_function(text, column):
    with pytest.raises(CausalPPLError) as error:
        parse_query(text, "q")
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.span.column == column
    assert "queries are P(...) and E[...]" in diagnostic.message


# ---------------------------------------------------- P and E as variables ----


def test_p_and_e_as_variable_names():
    program = parse_program("model M {\n    P : bool\n    E : bool <- P\n}\n"
                            "query P(E = 1 | do(P = 1))\nquery E[E | P = 0]\nquery P(P)\nquery E[P[E = 1]]\n"
                            "query P = P(P = 1)\nquery E = E[E]\n", "f.scm")
    assert [d.name for d in program.model.declarations] == ["P", "E"]
    first, second, third, fourth, fifth, sixth = program.queries
    assert first.expr.events[0].outcome.variable == "E"
    assert first.expr.conditions[0].assignments[0].name == "P"
    assert second.expr.expr == ast.Name("E", span(6, 9, 6, 10))
    assert second.expr.conditions[0].outcome.variable == "P"
    assert third.expr.events[0].outcome.variable == "P" and third.expr.events[0].op is None
    assert fourth.expr.expr.variable == "P"
    assert (fifth.name, sixth.name) == ("P", "E")


# ------------------------------------------------------------ --do values ----


def test_do_assignments():
    x, z, w = parse_assignments("X=1, Z = HIGH,W=-0.5")
    assert (x.name, x.value.value) == ("X", 1.0)
    assert x.name_span == Span("<--do>", 1, 1, 1, 2)
    assert (z.name, z.value.name) == ("Z", "HIGH")
    assert z.name_span == Span("<--do>", 1, 6, 1, 7)
    assert (w.name, w.value.value) == ("W", -0.5)


def test_do_assignment_errors_point_at_the_argument():
    with pytest.raises(CausalPPLError) as error:
        parse_assignments("X=", "--do")
    assert error.value.diagnostics[0].span.filename == "--do"


# ----------------------------------------------------------------- layout ----


def test_newlines_inside_brackets_are_ignored():
    one_line = parse_program("model M {\n Y ~ Normal(2 * Z + 1, max(Z, 0))\n}\nquery E[Y | do(Z = 1), W = 0]\n")
    wrapped = parse_program("model M {\n Y ~ Normal(\n  2 * Z\n  + 1,   # a comment\n\n  max(Z,\n 0)\n )\n}\n"
                            "query E[Y |\n  do(Z =\n 1),\n W = 0]\n")
    assert strip(one_line.model) == strip(wrapped.model)
    assert strip(one_line.queries[0].expr) == strip(wrapped.queries[0].expr)
    assert wrapped.queries[0].text == "E[Y | do(Z = 1), W = 0]"


def test_newline_outside_brackets_ends_the_statement():
    with pytest.raises(CausalPPLError) as error:
        parse_program("model M {\n X := 1 +\n 2\n}\n", "f.scm")
    assert error.value.diagnostics[0].span.line == 2


def test_semicolons_terminate_statements():
    separated = parse_program("model M { A : bool; B : bool <- A; A <-> B; }; data \"d.csv\"; "
                              "query P(B = 1); query E[B];")
    lines = parse_program("model M {\n A : bool\n B : bool <- A\n A <-> B\n}\ndata \"d.csv\"\n"
                          "query P(B = 1)\nquery E[B]\n")
    assert strip(separated.model) == strip(lines.model)
    assert strip(separated.data) == strip(lines.data)
    assert strip(separated.queries) == strip(lines.queries)


def test_statements_on_one_line_need_a_semicolon():
    with pytest.raises(CausalPPLError) as error:
        parse_program("model M { A : bool } query P(A = 1)", "f.scm")
    assert error.value.diagnostics[0].span.column == 22


def test_data_statements():
    program = parse_program('model M { R : bool }\ndata "trial.csv"\ndata "rct.csv" under do(R)\n'
                            'data "t.csv" under do(R = 1)\n', "f.scm")
    plain, per_row, fixed = program.data
    assert plain.path == "trial.csv" and plain.under == ()
    assert per_row.under == (ast.DoTarget("R", None, span(3, 25, 3, 26)),)
    assert fixed.under[0].name == "R" and fixed.under[0].value.value == 1.0


def test_comments_are_ignored_everywhere():
    program = parse_program("# head\nmodel M { # brace\n A : bool # decl\n} # end\nquery P(A = 1) # q\n")
    assert [d.name for d in program.model.declarations] == ["A"]
    assert program.queries[0].text == "P(A = 1)"


def test_query_text_drops_comments_inside_a_wrapped_query():
    program = parse_program("model M { Y : bool }\nquery P(Y = 1 |   # evidence\n        Y = 0)\n")
    assert program.queries[0].text == "P(Y = 1 | Y = 0)"


def test_query_text_has_no_space_before_a_wrapped_closing_bracket():
    program = parse_program("model M { Y : bool; W : bool }\nquery E[Y |\n  W = 0\n]\n")
    assert program.queries[0].text == "E[Y | W = 0]"


@pytest.mark.parametrize("source", ["model M {\f X ~ Foo(1) }", "# a\u2028b\nmodel M {\n X ~ Foo(1)\n}"])
def test_excerpt_shows_the_line_the_lexer_counted(source):
    with pytest.raises(CausalPPLError) as error:
        check_program(parse_program(source, "f.scm"))
    excerpt = str(error.value).split("\n")[1]
    assert "Foo(1)" in excerpt
