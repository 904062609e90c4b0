"""Tokens → AST: a hand-written parser of ``grammar/causalppl.lark``, linear in the input.

The grammar file stays the definition of the language, and Lark's parser of it
the reference: tests check that both give the same AST on the corpus and on
generated programs, and Lark words the message of every syntax error (this
parser raises :class:`SyntaxFailure` and :mod:`causalppl.syntax.parser` asks
Lark why). The few errors that the grammar accepts but the AST refuses (a
reserved word as a name, a level listed twice, ...) are raised here, in the
order Lark's transformer would meet them, after the whole text has parsed.

Declarations, tables and queries are read by recursive descent (bounded
depth); expressions by an operator-precedence loop with an explicit stack, so
nesting costs no Python recursion. An expression tree deeper than
:data:`MAX_EXPRESSION_DEPTH` is refused with a located error: the generated
Python program nests one bracket per level, and Python compiles at most 200.
Table bodies arrive from the lexer as arrays (:class:`~causalppl.syntax.ast.TableRows`).

>>> program = read_program("model M {\\n  X ~ Normal(0, 1)\\n  Y := -X ^ 2\\n}\\nquery E[Y]\\n", "m.scm")
>>> program.model.declarations[1].mechanism.expr.op, program.queries[0].text
('-', 'E[Y]')
"""

from __future__ import annotations

import re
from collections import Counter

from causalppl.diagnostics import CausalPPLError, Diagnostic, Span
from causalppl.syntax import ast, messages
from causalppl.syntax.lexer import LexError, Token, tokenize
from causalppl.syntax.reserved import RESERVED_WORDS

#: The deepest expression (or query arithmetic) accepted: each operator, call, vector, index,
#: subscript and ``if`` is one level over its deepest part, a leaf (a number, a name, ``P(...)``,
#: ``E[...]``) none, so a sum of N terms is N - 1 levels; parentheses add none.
MAX_EXPRESSION_DEPTH = 100

_BINARY = {"or": 1, "and": 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6}
_NEG, _NOT, _POW = 7, 3, 8
_ATOM, _SUM, _IF = 9, 5, 0
_EXPRESSION_WORDS = frozenset(("if", "not", "true", "false"))  # keywords where an expression starts
_EVENT_OPS = frozenset(("=", "!=", "<", "<=", ">", ">="))
_SEPARATORS = frozenset(("NL", ";"))
#: Words Lark's contextual lexer reads as keywords right after a separator (a state shared by every
#: statement list), so that they cannot start a declaration or a table row there.
_STATEMENT_KEYWORDS = frozenset(("model", "data", "query", "latent", "param", "bounds", "identify", "true", "false"))


class SyntaxFailure(Exception):
    """The text is not in the language (the reference parser says why).

    ``complete`` lists the source ranges of the statements read in full before the failure: the
    reference parser may skip them (blanked, lines and columns kept), so that an error at the end of
    a large file is worded without parsing the whole file again.
    """

    def __init__(self, complete: list[tuple[int, int]] | None = None) -> None:
        super().__init__()
        self.complete = complete or []


def read_program(source: str, filename: str) -> ast.Program:
    parser = _Parser(source, filename)
    return parser.finish(parser.program())


def read_query(text: str, filename: str) -> ast.Query:
    parser = _Parser(text, filename)
    return parser.finish(parser.line(parser.query_text))


def read_assignments(text: str, filename: str) -> tuple[ast.Assignment, ...]:
    parser = _Parser(text, filename)
    return parser.finish(parser.line(parser.assignments))


def read_declaration(text: str, filename: str) -> ast.Declaration:
    parser = _Parser(text, filename)
    return parser.finish(parser.line(parser.declaration))


class _Parser:
    def __init__(self, source: str, filename: str) -> None:
        try:
            self.t: list[Token] = tokenize(source, filename)
        except LexError:
            raise SyntaxFailure() from None
        self.i = 0
        self.source = source
        self.filename = filename
        self.deferred: CausalPPLError | None = None
        self.complete: list[tuple[int, int]] = []

    # ------------------------------------------------------------ helpers ----
    def fail(self) -> SyntaxFailure:
        return SyntaxFailure(self.complete)

    def completed(self, first: int) -> None:
        """The statement from token ``first`` to the last token read is complete."""
        self.complete.append((self.t[first][6], self.t[self.i - 1][7]))

    def finish(self, result):
        if self.t[self.i][0] != "EOF":
            raise self.fail()
        if self.deferred is not None:
            raise self.deferred
        return result

    def defer(self, diagnostic: Diagnostic) -> None:
        """An error of the AST, raised once the whole text has parsed (syntax errors come first)."""
        if self.deferred is None:
            self.deferred = messages.located(diagnostic, self.source)

    def span(self, first: int, last: int) -> Span:
        a, b = self.t[first], self.t[last]
        return Span(self.filename, a[2], a[3], b[4], b[5])

    def tspan(self, index: int) -> Span:
        token = self.t[index]
        return Span(self.filename, token[2], token[3], token[4], token[5])

    def kind(self) -> str:
        return self.t[self.i][0]

    def expect(self, kind: str) -> int:
        if self.t[self.i][0] != kind:
            raise self.fail()
        self.i += 1
        return self.i - 1

    def word(self, text: str) -> bool:
        token = self.t[self.i]
        return token[0] == "NAME" and token[1] == text

    def expect_word(self, text: str) -> int:
        if not self.word(text):
            raise self.fail()
        self.i += 1
        return self.i - 1

    def skip_separators(self, kinds: frozenset = _SEPARATORS) -> None:
        while self.t[self.i][0] in kinds:
            self.i += 1

    def name(self, index: int) -> str:
        """A declared name; a reserved word is refused (after parsing, like the AST transformer)."""
        text = self.t[index][1]
        if text in RESERVED_WORDS:
            self.defer(messages.reserved_word(self.tspan(index), text))
        return text

    def split_arrow(self) -> None:
        """``a<-1`` in an expression is ``a < -1``: the lexer's ``<-`` becomes ``<`` and ``-``."""
        kind, _, line, column, _, _, start, end = self.t[self.i]
        self.t[self.i:self.i + 1] = [("<", "<", line, column, line, column + 1, start, start + 1),
                                     ("-", "-", line, column + 1, line, column + 2, start + 1, end)]

    def line(self, rule):
        self.skip_separators()
        result = rule()
        self.skip_separators()
        return result

    # -------------------------------------------------------------- file ----
    def program(self) -> ast.Program:
        items: list = []
        self.skip_separators()
        while self.kind() != "EOF":
            item_start = self.i
            token = self.t[item_start]
            if token[0] != "NAME":
                raise self.fail()
            if token[1] == "model":
                items.append(self.model())
            elif token[1] == "data":
                items.append(self.data())
            elif token[1] == "query":
                self.i += 1
                items.append(self.query_text())
            else:
                raise self.fail()
            if self.kind() not in _SEPARATORS:
                raise self.fail()
            if token[1] != "model":  # a model's declarations are recorded one by one
                self.completed(item_start)
            self.skip_separators()
        models = [item for item in items if isinstance(item, ast.ModelBlock)]
        if len(models) > 1:
            self.defer(messages.second_model_block(models[1].span))
        return ast.Program(
            model=models[0] if models else None,
            data=tuple(item for item in items if isinstance(item, ast.DataStatement)),
            queries=tuple(item for item in items if isinstance(item, ast.Query)),
            filename=self.filename,
            source=self.source,
        )

    # ------------------------------------------------------------- model ----
    def model(self) -> ast.ModelBlock:
        first = self.i
        self.i += 1
        name = self.t[self.expect("NAME")][1]
        self.expect("{")
        declarations = []
        self.skip_separators()
        while self.kind() != "}":
            declaration_start = self.i
            declarations.append(self.declaration())
            if self.kind() == "}":
                break
            if self.kind() not in _SEPARATORS:
                raise self.fail()
            self.completed(declaration_start)
            self.skip_separators()
        last = self.expect("}")
        return ast.ModelBlock(name, tuple(declarations), self.span(first, last))

    def declaration(self) -> ast.Declaration:
        first = self.i
        if self.kind() != "NAME":
            raise self.fail()
        word = self.t[first][1]
        if word in _STATEMENT_KEYWORDS and word not in ("latent", "param") and first \
                and self.t[first - 1][0] in _SEPARATORS:
            raise self.fail()  # after a separator these words are keywords (Lark's lexer state there)
        if word == "latent":
            self.i += 1
            self.expect("NAME")
            return self.variable(first, first + 1, latent=True)
        if word == "param":
            return self.parameter()
        self.i += 1
        if self.kind() == "<->":
            self.i += 1
            right = self.expect("NAME")
            left_name = self.name(first)
            right_name = self.name(right)
            return ast.Confounding(left_name, right_name, self.span(first, right), self.tspan(first),
                                   self.tspan(right))
        return self.variable(first, first, latent=False)

    def variable(self, first: int, name_index: int, latent: bool) -> ast.VariableDecl:
        last = name_index
        type_ = None
        if self.kind() == ":":
            type_, last = self.type_annotation()
        mechanism = None
        if self.kind() in ("~", ":=", "<-"):
            mechanism, last = self.mechanism()
        name = self.name(name_index)
        return ast.VariableDecl(name, type_, mechanism, latent, self.span(first, last), self.tspan(name_index))

    def parameter(self) -> ast.ParamDecl:
        first = self.i
        self.i += 1
        name_index = self.expect("NAME")
        size = None
        if self.kind() == "[":
            self.i += 1
            number = self.expect("NUMBER")
            self.expect("]")
            text = self.t[number][1]
            if not text.isdigit() or int(text) < 1:
                self.defer(messages.bad_parameter_size(self.tspan(number)))
            size = int(text) if text.isdigit() else 0
        type_ = None
        if self.kind() == ":":
            type_, _ = self.type_annotation()
        prior = value = None
        if self.kind() == "~":
            self.i += 1
            prior, last = self.distribution()
        elif self.kind() == "=":
            self.i += 1
            value, _, last = self.expression()[:3]
        else:
            raise self.fail()
        name = self.name(name_index)
        return ast.ParamDecl(name, size, type_, prior, value, self.span(first, last), self.tspan(name_index))

    def type_annotation(self):
        self.i += 1
        first = self.i
        token = self.t[first]
        if token[0] == "NAME" and token[1] in ("bool", "int", "real"):
            self.i += 1
            span = self.tspan(first)
            kind = {"bool": ast.BoolType, "int": ast.IntType, "real": ast.RealType}[token[1]]
            return kind(span), first
        if token[0] != "{":
            raise self.fail()
        self.i += 1
        levels: list[str] = []
        newlines = frozenset(("NL",))
        self.skip_separators(newlines)
        while True:
            levels.append(self.level())
            self.skip_separators(newlines)
            if self.kind() != ",":
                break
            self.i += 1
            self.skip_separators(newlines)
        last = self.expect("}")
        span = self.span(first, last)
        counts = Counter(levels)
        duplicates = sorted(level for level, count in counts.items() if count > 1)
        if duplicates:
            self.defer(messages.level_listed_twice(span, duplicates[0]))
        return ast.LevelsType(tuple(levels), span), last

    def level(self) -> str:
        token = self.t[self.i]
        if token[0] == "NAME":
            self.i += 1
            return token[1]
        first = self.i
        if token[0] == "-" and self.t[self.i + 1][0] == "NUMBER":
            self.i += 2
            label = "-" + self.t[self.i - 1][1]
        elif token[0] == "NUMBER":
            self.i += 1
            label = token[1]
        else:
            raise self.fail()
        problem = messages.integer_label_problem(label)
        if problem is not None:
            self.defer(messages.bad_numeric_level(self.span(first, self.i - 1), label, problem))
        return label

    def mechanism(self):
        first = self.i
        kind = self.kind()
        self.i += 1
        if kind == "~":
            distribution, last = self.distribution()
            return ast.Stochastic(distribution, self.span(first, last)), last
        if kind == ":=":
            expr, _, last = self.expression()[:3]
            return ast.Deterministic(expr, self.span(first, last)), last
        names = self.name_list()
        last = self.i - 1
        return ast.Nonparametric(tuple(self.t[n][1] for n in names), tuple(map(self.tspan, names)),
                                 self.span(first, last)), last

    def name_list(self) -> list[int]:
        names = [self.expect("NAME")]
        while self.kind() == ",":
            self.i += 1
            names.append(self.expect("NAME"))
        return names

    # ----------------------------------------------------- distributions ----
    def distribution(self):
        first = self.i
        if self.kind() != "NAME":
            raise self.fail()
        if self.t[first][1] == "table":
            return self.table()
        self.i += 1
        self.expect("(")
        args: list[ast.Argument] = []
        if self.kind() != ")":
            while True:
                args.append(self.argument())
                if self.kind() != ",":
                    break
                self.i += 1
        last = self.expect(")")
        return ast.DistributionCall(self.t[first][1], tuple(args), self.span(first, last)), last

    def argument(self) -> ast.Argument:
        token = self.t[self.i]
        if token[0] == "NAME" and token[1] not in _EXPRESSION_WORDS and self.t[self.i + 1][0] == "=":
            first = self.i
            self.i += 2
            value, _, last = self.expression()[:3]
            return ast.Argument(token[1], value, self.span(first, last))
        value, first, last = self.expression()[:3]
        return ast.Argument(None, value, self.span(first, last))

    def table(self):
        first = self.i
        self.i += 1
        self.expect("(")
        parents: tuple[str, ...] = ()
        if self.kind() != ")":
            parents = tuple(self.t[n][1] for n in self.name_list())
        self.expect(")")
        self.expect("{")
        if self.kind() == "ROWS":
            rows, elided = self.t[self.i][1], False
            self.i += 1
        else:
            rows, elided = self.table_rows()
        last = self.expect("}")
        return ast.Table(parents, rows, elided, self.span(first, last)), last

    def table_rows(self) -> tuple[ast.TableRows, bool]:
        """Rows token by token (any layout the grammar allows)."""
        keys: list[tuple[str, ...]] = []
        values: list[float] = []
        widths: list[int] = []
        places: list[ast.RowPlace] = []
        elided = False
        self.skip_separators()
        while self.kind() != "}":
            if self.kind() == "...":
                self.i += 1
                elided = True
            else:
                self.table_row(keys, values, widths, places)
            if self.kind() == "}":
                break
            if self.kind() not in _SEPARATORS:
                raise self.fail()
            self.skip_separators()
        return ast.TableRows.build(keys, values, widths, places, self.filename), elided

    def table_row(self, keys, values, widths, places) -> None:
        first = self.i
        token = self.t[first]
        if (token[0] == "NAME" and token[1] in _STATEMENT_KEYWORDS and token[1] not in ("true", "false")
                and self.t[first - 1][0] in _SEPARATORS):
            raise self.fail()
        key: list[str] = []
        if self.kind() != "[":
            while True:
                key.append(self.row_value())
                if self.kind() != ",":
                    break
                self.i += 1
            key_last = self.i - 1
            self.expect(":")
        self.expect("[")
        count = 0
        while True:
            values.append(self.signed_number())
            count += 1
            if self.kind() != ",":
                break
            self.i += 1
        last = self.expect("]")
        start, end = self.t[first], self.t[last]
        key_text = self.source[start[6]:self.t[key_last][7]] if key else ""
        keys.append(tuple(key))
        widths.append(count)
        places.append(ast.RowPlace(start[2], start[3], end[4], end[5], start[3], key_text))

    def row_value(self) -> str:
        token = self.t[self.i]
        if token[0] == "NAME":
            self.i += 1
            return {"true": "1", "false": "0"}.get(token[1], token[1])
        if token[0] == "NUMBER":
            self.i += 1
            return token[1]
        if token[0] == "-" and self.t[self.i + 1][0] == "NUMBER":
            self.i += 2
            return "-" + self.t[self.i - 1][1]
        raise self.fail()

    def signed_number(self) -> float:
        token = self.t[self.i]
        if token[0] == "NUMBER":
            self.i += 1
            return float(token[1])
        if token[0] == "-" and self.t[self.i + 1][0] == "NUMBER":
            self.i += 2
            return -float(self.t[self.i - 1][1])
        raise self.fail()

    # -------------------------------------------------------------- data ----
    def data(self) -> ast.DataStatement:
        first = self.i
        self.i += 1
        last = self.expect("STRING")
        path = self.t[last][1][1:-1]
        under: list[ast.DoTarget] = []
        if self.word("under"):
            self.i += 1
            self.expect_word("do")
            self.expect("(")
            while True:
                under.append(self.do_target())
                if self.kind() != ",":
                    break
                self.i += 1
            last = self.expect(")")
        return ast.DataStatement(path, tuple(under), self.span(first, last))

    def do_target(self) -> ast.DoTarget:
        first = self.expect("NAME")
        if self.kind() != "=":
            return ast.DoTarget(self.t[first][1], None, self.tspan(first))
        self.i += 1
        value, _, last = self.expression()[:3]
        return ast.DoTarget(self.t[first][1], value, self.span(first, last))

    # ----------------------------------------------------------- queries ----
    def query_text(self) -> ast.Query:
        first = self.i
        token = self.t[first]
        name_index = None
        if token[0] == "NAME" and token[1] not in ("bounds", "identify") and self.t[first + 1][0] == "=":
            name_index = first
            self.i += 2
        body_first = self.i
        kind = "estimate"
        if self.word("bounds"):
            kind = "bounds"
            self.i += 1
        elif self.word("identify"):
            kind = "identify"
            self.i += 1
        expr, _, last, _ = self.query_sum()
        query_name = self.name(name_index) if name_index is not None else None
        start, end = self.t[body_first][6], self.t[last][7]
        return ast.Query(query_name, kind, expr, _query_text(self.source[start:end]), self.span(first, last))

    def query_sum(self):
        """``qsum``: query arithmetic over P(...) and E[...], an operator-precedence loop."""
        stack: list = []
        while True:
            token = self.t[self.i]
            kind = token[0]
            if kind == "-":
                stack.append(("neg", self.i))
                self.i += 1
                continue
            if kind == "(":
                stack.append(("paren", self.i))
                self.i += 1
                continue
            if kind == "NUMBER":
                operand = (ast.QueryNumber(float(token[1]), self.tspan(self.i)), self.i, self.i, 0)
                self.i += 1
            elif kind == "NAME" and self.t[self.i + 1][0] == "(":
                operand = self.probability()
            elif kind == "NAME" and self.t[self.i + 1][0] == "[":
                operand = self.expectation()
            else:
                raise self.fail()
            while True:
                kind = self.kind()
                prec = 5 if kind in ("+", "-") else 6 if kind in ("*", "/") else 0
                operand = self._reduce_query(stack, operand, prec)
                if prec:
                    stack.append(("bin", kind, operand, prec, self.i))
                    self.i += 1
                    break
                if stack and stack[-1][0] == "paren":
                    if kind != ")":
                        raise self.fail()
                    operand = (operand[0], stack.pop()[1], self.i, operand[3])
                    self.i += 1
                    continue
                return operand

    def _reduce_query(self, stack: list, operand, prec: int):
        while stack:
            frame = stack[-1]
            if frame[0] == "bin" and frame[3] >= prec:
                stack.pop()
                left = frame[2]
                node = ast.QueryBinary(frame[1], left[0], operand[0], self.span(left[1], operand[2]))
                operand = (node, left[1], operand[2], self.deeper(1 + max(left[3], operand[3]), frame[4]))
            elif frame[0] == "neg" and prec <= _NEG:
                stack.pop()
                node = ast.QueryNegation(operand[0], self.span(frame[1], operand[2]))
                operand = (node, frame[1], operand[2], self.deeper(1 + operand[3], frame[1]))
            else:
                break
        return operand

    def probability(self):
        first = self.i
        self.i += 2
        events = [self.event()]
        while self.kind() == ",":
            self.i += 1
            events.append(self.event())
        conditions: tuple = ()
        if self.kind() == "|":
            self.i += 1
            conditions = self.conditions()
        last = self.expect(")")
        self.query_function(first, "P", "(...)")
        return ast.ProbabilityTerm(tuple(events), conditions, self.span(first, last)), first, last, 0

    def expectation(self):
        first = self.i
        self.i += 2
        expr = self.expression()[0]
        conditions: tuple = ()
        if self.kind() == "|":
            self.i += 1
            conditions = self.conditions()
        last = self.expect("]")
        self.query_function(first, "E", "[...]")
        return ast.ExpectationTerm(expr, conditions, self.span(first, last)), first, last, 0

    def query_function(self, index: int, expected: str, bracket: str) -> None:
        text = self.t[index][1]
        if text != expected:
            self.defer(messages.unknown_query(self.tspan(index), text, bracket))

    def conditions(self) -> tuple[ast.Condition, ...]:
        conditions = [self.condition()]
        while self.kind() == ",":
            self.i += 1
            conditions.append(self.condition())
        return tuple(conditions)

    def condition(self) -> ast.Condition:
        if self.word("do"):
            first = self.i
            self.i += 1
            self.expect("(")
            assignments = self.assignments()
            last = self.expect(")")
            return ast.Intervention(assignments, self.span(first, last))
        return self.event()

    def event(self) -> ast.Event:
        first = self.expect("NAME")
        last = first
        assignments: tuple = ()
        if self.kind() == "[":
            self.i += 1
            assignments = self.assignments()
            last = self.expect("]")
        outcome = ast.Outcome(self.t[first][1], assignments, self.span(first, last))
        if self.kind() == "<-":
            self.split_arrow()
        if self.kind() not in _EVENT_OPS:
            return ast.Event(outcome, None, None, self.span(first, last))
        op = self.kind()
        self.i += 1
        value, _, last = self.expression()[:3]
        return ast.Event(outcome, op, value, self.span(first, last))

    def assignments(self) -> tuple[ast.Assignment, ...]:
        assignments = [self.assignment()]
        while self.kind() == ",":
            self.i += 1
            assignments.append(self.assignment())
        return tuple(assignments)

    def assignment(self) -> ast.Assignment:
        first = self.expect("NAME")
        self.expect("=")
        value, _, last = self.expression()[:3]
        return ast.Assignment(self.t[first][1], value, self.span(first, last), self.tspan(first))

    # ------------------------------------------------------- expressions ----
    def deeper(self, depth: int, at: int) -> int:
        if depth > MAX_EXPRESSION_DEPTH:
            raise messages.located(messages.nested_too_deeply(self.tspan(at), MAX_EXPRESSION_DEPTH), self.source)
        return depth

    def expression(self):
        """An ``expr`` at the current token: (node, first token, last token, precedence level, depth).

        Operands and pending operators live on ``stack``; brackets and ``if`` are frames of it too.
        """
        t = self.t
        stack: list = []
        i = self.i
        expr_start = not_start = True  # whether `if` / `not` may start here
        while True:
            # ------------------------------------------- an operand (or a prefix)
            token = t[i]
            kind = token[0]
            if kind == "NUMBER":
                operand = (ast.Number(float(token[1]), token[1], self.tspan(i)), i, i, _ATOM, 0)
                i += 1
            elif kind == "NAME":
                word = token[1]
                if word == "if" and expr_start:
                    stack.append(["if", i, 0, None, None])
                    i += 1
                    continue
                if word == "not" and not_start:
                    stack.append(("not", i))
                    i += 1
                    expr_start = False
                    continue
                following = t[i + 1][0]
                if word == "true" or word == "false":
                    operand = (ast.Bool(word == "true", self.tspan(i)), i, i, _ATOM, 0)
                    i += 1
                elif following == "(":
                    if t[i + 2][0] == ")":
                        operand = (ast.Call(word, (), self.span(i, i + 2)), i, i + 2, _ATOM, 1)
                        i += 3
                    else:
                        stack.append(["call", i, []])
                        i += 2
                        expr_start = not_start = True
                        continue
                elif following == "[":
                    inner = t[i + 2]
                    if inner[0] == "NAME" and inner[1] not in _EXPRESSION_WORDS and t[i + 3][0] == "=":
                        stack.append(["assign", i, [], i + 2])
                        i += 4
                    else:
                        stack.append(["sub", i])
                        i += 2
                    expr_start = not_start = True
                    continue
                else:
                    operand = (ast.Name(word, self.tspan(i)), i, i, _ATOM, 0)
                    i += 1
            elif kind == "-":
                stack.append(("neg", i))
                i += 1
                expr_start = not_start = False
                continue
            elif kind == "(":
                stack.append(("paren", i))
                i += 1
                expr_start = not_start = True
                continue
            elif kind == "[":
                stack.append(["vector", i, []])
                i += 1
                expr_start = not_start = True
                continue
            else:
                self.i = i
                raise self.fail()
            # ------------------------------- after an operand: postfix, operator or the end
            while True:
                token = t[i]
                kind = token[0]
                if kind == "[":
                    stack.append(["index", operand, i])
                    i += 1
                    expr_start = not_start = True
                    break
                if kind == "^":
                    stack.append(("pow", operand, i))
                    i += 1
                    expr_start = not_start = False
                    break
                if kind == "<-":
                    self.i = i
                    self.split_arrow()
                    continue
                if kind == "NAME":
                    prec = 1 if token[1] == "or" else 2 if token[1] == "and" else 0
                else:
                    prec = _BINARY.get(kind, 0)
                if prec:
                    operand = self._reduce(stack, operand, prec)
                    if prec == 4 and operand[3] < _SUM:  # comparisons do not chain
                        self.i = i
                        raise self.fail()
                    stack.append(("bin", token[1], operand, prec, i))
                    i += 1
                    expr_start = False
                    not_start = prec <= 2
                    break
                operand = self._reduce(stack, operand, 0)
                if not stack:
                    self.i = i
                    return operand
                operand, i, more = self._close(stack, operand, i)
                if more:
                    expr_start = not_start = True
                    break

    def _reduce(self, stack: list, operand, prec: int):
        """Apply the pending operators that bind at least as tightly as ``prec``."""
        while stack:
            frame = stack[-1]
            tag = frame[0]
            if tag == "bin":
                if frame[3] < prec:
                    break
                stack.pop()
                left = frame[2]
                node = ast.BinaryOp(frame[1], left[0], operand[0], self.span(left[1], operand[2]))
                operand = (node, left[1], operand[2], frame[3], self.deeper(1 + max(left[4], operand[4]), frame[4]))
            elif tag == "pow":
                stack.pop()
                base = frame[1]
                node = ast.BinaryOp("^", base[0], operand[0], self.span(base[1], operand[2]))
                operand = (node, base[1], operand[2], _POW, self.deeper(1 + max(base[4], operand[4]), frame[2]))
            elif tag == "neg":
                if _NEG < prec:
                    break
                stack.pop()
                span = self.span(frame[1], operand[2])
                inner = operand[0]
                if isinstance(inner, ast.Number):
                    operand = (ast.Number(-inner.value, "-" + inner.text, span), frame[1], operand[2], _NEG, 0)
                else:
                    operand = (ast.UnaryOp("-", inner, span), frame[1], operand[2], _NEG,
                               self.deeper(1 + operand[4], frame[1]))
            elif tag == "not":
                if _NOT < prec:
                    break
                stack.pop()
                node = ast.UnaryOp("not", operand[0], self.span(frame[1], operand[2]))
                operand = (node, frame[1], operand[2], _NOT, self.deeper(1 + operand[4], frame[1]))
            else:
                break
        return operand

    def _close(self, stack: list, operand, i: int):
        """The token at ``i`` ends the operand inside the innermost bracket or ``if``.

        Returns (operand, next token, whether an operand follows); raises SyntaxFailure when the token
        does not fit the frame.
        """
        t = self.t
        token = t[i]
        kind = token[0]
        frame = stack[-1]
        tag = frame[0]
        if tag == "paren":
            if kind != ")":
                return self._failed(i)
            stack.pop()
            return (operand[0], frame[1], i, _ATOM, operand[4]), i + 1, False
        if tag == "call" or tag == "vector":
            frame[2].append(operand)
            if kind == ",":
                return operand, i + 1, True
            if kind != (")" if tag == "call" else "]"):
                return self._failed(i)
            stack.pop()
            items = frame[2]
            depth = self.deeper(1 + max(item[4] for item in items), frame[1])
            if tag == "call":
                node = ast.Call(t[frame[1]][1], tuple(item[0] for item in items), self.span(frame[1], i))
            else:
                node = ast.Vector(tuple(item[0] for item in items), self.span(frame[1], i))
            return (node, frame[1], i, _ATOM, depth), i + 1, False
        if tag == "index" or tag == "sub":
            if kind != "]":
                return self._failed(i)
            stack.pop()
            if tag == "index":
                target = frame[1]
                first, depth = target[1], self.deeper(1 + max(target[4], operand[4]), frame[2])
                node = ast.Index(target[0], operand[0], self.span(first, i))
            else:
                first, depth = frame[1], self.deeper(1 + operand[4], frame[1])
                node = ast.Index(ast.Name(t[first][1], self.tspan(first)), operand[0], self.span(first, i))
            return (node, first, i, _ATOM, depth), i + 1, False
        if tag == "assign":
            name_index = frame[3]
            frame[2].append((ast.Assignment(t[name_index][1], operand[0], self.span(name_index, operand[2]),
                                            self.tspan(name_index)), operand[4]))
            if kind == ",":
                if t[i + 1][0] != "NAME" or t[i + 2][0] != "=":
                    return self._failed(i + 1)
                frame[3] = i + 1
                return operand, i + 3, True
            if kind != "]":
                return self._failed(i)
            stack.pop()
            depth = self.deeper(1 + max(depth for _, depth in frame[2]), frame[1])
            node = ast.PotentialOutcome(t[frame[1]][1], tuple(a for a, _ in frame[2]), self.span(frame[1], i))
            return (node, frame[1], i, _ATOM, depth), i + 1, False
        # an `if` frame
        stage = frame[2]
        if stage < 2:
            if kind != "NAME" or token[1] != ("then" if stage == 0 else "else"):
                return self._failed(i)
            frame[3 + stage] = operand
            frame[2] = stage + 1
            return operand, i + 1, True
        stack.pop()
        condition, then = frame[3], frame[4]
        depth = self.deeper(1 + max(condition[4], then[4], operand[4]), frame[1])
        node = ast.IfElse(condition[0], then[0], operand[0], self.span(frame[1], operand[2]))
        return (node, frame[1], operand[2], _IF, depth), i, False

    def _failed(self, i: int):
        self.i = i
        raise self.fail()


def _query_text(text: str) -> str:
    """The source of a query on one line: comments dropped, whitespace collapsed (as the AST keeps it)."""
    text = re.sub(r"#[^\n]*", " ", text)
    text = " ".join(text.split())
    return re.sub(r"([(\[]) | ([)\]])", lambda m: m.group(1) or m.group(2), text)
