"""Lark parse tree → AST: one method per grammar rule, spans from Lark's meta."""

from __future__ import annotations

import re
from typing import Any

from lark import Token, Transformer, v_args
from lark.tree import Meta

from causalppl.diagnostics import Span
from causalppl.syntax import ast, messages
from causalppl.syntax.reserved import RESERVED_WORDS


@v_args(meta=True)
class ToAst(Transformer):
    """Builds :mod:`causalppl.syntax.ast` nodes; one method per rule of the grammar."""

    def __init__(self, source: str, filename: str) -> None:
        super().__init__(visit_tokens=False)
        self.source = source
        self.filename = filename

    # ------------------------------------------------------------ helpers ----
    def _span(self, meta: Meta) -> Span:
        if getattr(meta, "empty", True):
            return Span.unknown(self.filename)
        return Span(self.filename, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, token: Token) -> Span:
        return Span(self.filename, token.line, token.column, token.end_line, token.end_column)

    def _text(self, meta: Meta) -> str:
        """The source of a query, one line: comments dropped, whitespace collapsed."""
        if getattr(meta, "empty", True):
            return ""
        text = re.sub(r"#[^\n]*", " ", self.source[meta.start_pos : meta.end_pos])
        text = " ".join(text.split())
        return re.sub(r"([(\[]) | ([)\]])", lambda m: m.group(1) or m.group(2), text)

    def _name(self, token: Token) -> str:
        """A declared name; reserved words are refused."""
        if str(token) in RESERVED_WORDS:
            raise messages.located(messages.reserved_word(self._tspan(token), str(token)), self.source)
        return str(token)

    # -------------------------------------------------------------- file ----
    def start(self, meta: Meta, items: list[Any]) -> ast.Program:
        models = [item for item in items if isinstance(item, ast.ModelBlock)]
        if len(models) > 1:
            raise messages.located(messages.second_model_block(models[1].span), self.source)
        return ast.Program(
            model=models[0] if models else None,
            data=tuple(item for item in items if isinstance(item, ast.DataStatement)),
            queries=tuple(item for item in items if isinstance(item, ast.Query)),
            filename=self.filename,
            source=self.source,
        )

    def declaration(self, meta: Meta, items: list[Any]) -> ast.Declaration:
        return items[0]

    def query_line(self, meta: Meta, items: list[Any]) -> ast.Query:
        return items[0]

    def assignments_line(self, meta: Meta, items: list[Any]) -> tuple[ast.Assignment, ...]:
        return items[0]

    # ------------------------------------------------------------- model ----
    def model(self, meta: Meta, items: list[Any]) -> ast.ModelBlock:
        name, *declarations = items
        return ast.ModelBlock(str(name), tuple(declarations), self._span(meta))

    def var_decl(self, meta: Meta, items: list[Any]) -> ast.VariableDecl:
        return self._variable(meta, items, latent=False)

    def latent_decl(self, meta: Meta, items: list[Any]) -> ast.VariableDecl:
        return self._variable(meta, items, latent=True)

    def _variable(self, meta: Meta, items: list[Any], latent: bool) -> ast.VariableDecl:
        name = items[0]
        type_ = next((i for i in items[1:] if _is_type(i)), None)
        mechanism = next((i for i in items[1:] if _is_mechanism(i)), None)
        return ast.VariableDecl(self._name(name), type_, mechanism, latent, self._span(meta), self._tspan(name))

    def param_decl(self, meta: Meta, items: list[Any]) -> ast.ParamDecl:
        name = items[0]
        size = next((i for i in items[1:] if isinstance(i, int) and not isinstance(i, bool)), None)
        type_ = next((i for i in items[1:] if _is_type(i)), None)
        value = items[-1]
        prior = value[1] if value[0] == "prior" else None
        fixed = value[1] if value[0] == "fixed" else None
        return ast.ParamDecl(self._name(name), size, type_, prior, fixed, self._span(meta), self._tspan(name))

    def param_size(self, meta: Meta, items: list[Any]) -> int:
        token = items[0]
        if not token.isdigit() or int(token) < 1:
            raise messages.located(messages.bad_parameter_size(self._tspan(token)), self.source)
        return int(token)

    def param_prior(self, meta: Meta, items: list[Any]) -> tuple[str, Any]:
        return ("prior", items[0])

    def param_fixed(self, meta: Meta, items: list[Any]) -> tuple[str, Any]:
        return ("fixed", items[0])

    def confounding(self, meta: Meta, items: list[Any]) -> ast.Confounding:
        left, right = items
        return ast.Confounding(self._name(left), self._name(right), self._span(meta), self._tspan(left), self._tspan(right))

    def type_annotation(self, meta: Meta, items: list[Any]) -> ast.TypeExpr:
        return items[0]

    def bool_type(self, meta: Meta, items: list[Any]) -> ast.BoolType:
        return ast.BoolType(self._span(meta))

    def int_type(self, meta: Meta, items: list[Any]) -> ast.IntType:
        return ast.IntType(self._span(meta))

    def real_type(self, meta: Meta, items: list[Any]) -> ast.RealType:
        return ast.RealType(self._span(meta))

    def levels_type(self, meta: Meta, items: list[Any]) -> ast.LevelsType:
        duplicates = sorted({level for level in items if items.count(level) > 1})
        if duplicates:
            raise messages.located(messages.level_listed_twice(self._span(meta), duplicates[0]), self.source)
        return ast.LevelsType(tuple(items), self._span(meta))

    def level(self, meta: Meta, items: list[Any]) -> str:
        if items[0].type == "NUMBER":
            return self._numeric_level(meta, str(items[0]))
        return str(items[0])

    def negative_level(self, meta: Meta, items: list[Any]) -> str:
        return self._numeric_level(meta, "-" + str(items[0]))

    def _numeric_level(self, meta: Meta, label: str) -> str:
        """A level written as a number: an integer, written plainly."""
        problem = messages.integer_label_problem(label)
        if problem is not None:
            raise messages.located(messages.bad_numeric_level(self._span(meta), label, problem), self.source)
        return label

    def stochastic(self, meta: Meta, items: list[Any]) -> ast.Stochastic:
        return ast.Stochastic(items[0], self._span(meta))

    def deterministic(self, meta: Meta, items: list[Any]) -> ast.Deterministic:
        return ast.Deterministic(items[0], self._span(meta))

    def nonparametric(self, meta: Meta, items: list[Any]) -> ast.Nonparametric:
        names: list[Token] = items[0]
        return ast.Nonparametric(tuple(map(str, names)), tuple(map(self._tspan, names)), self._span(meta))

    def name_list(self, meta: Meta, items: list[Any]) -> list[Token]:
        return list(items)

    # ----------------------------------------------------- distributions ----
    def dist_call(self, meta: Meta, items: list[Any]) -> ast.DistributionCall:
        name, args = items
        return ast.DistributionCall(str(name), tuple(args or ()), self._span(meta))

    def dist_args(self, meta: Meta, items: list[Any]) -> list[ast.Argument]:
        return list(items)

    def positional_arg(self, meta: Meta, items: list[Any]) -> ast.Argument:
        return ast.Argument(None, items[0], self._span(meta))

    def named_arg(self, meta: Meta, items: list[Any]) -> ast.Argument:
        return ast.Argument(str(items[0]), items[1], self._span(meta))

    def table(self, meta: Meta, items: list[Any]) -> ast.Table:
        parents = tuple(map(str, items[0] or ()))
        rows = [row for row in items[1:] if isinstance(row, tuple)]
        elided = any(row == "..." for row in items[1:])
        table_rows = ast.TableRows.build([key for key, _, _ in rows], [p for _, values, _ in rows for p in values],
                                         [len(values) for _, values, _ in rows], [place for _, _, place in rows],
                                         self.filename)
        return ast.Table(parents, table_rows, elided, self._span(meta))

    def keyed_row(self, meta: Meta, items: list[Any]) -> tuple:
        key, probabilities = items
        key_text = self.source[meta.start_pos:key[-1][2]]
        place = ast.RowPlace(meta.line, meta.column, meta.end_line, meta.end_column, meta.column, key_text)
        return tuple(value for value, _, _ in key), probabilities, place

    def unkeyed_row(self, meta: Meta, items: list[Any]) -> tuple:
        return (), items[0], ast.RowPlace(meta.line, meta.column, meta.end_line, meta.end_column, meta.column, "")

    def elided_rows(self, meta: Meta, items: list[Any]) -> str:
        return "..."

    def row_key(self, meta: Meta, items: list[Any]) -> list[tuple[str, Span, int]]:
        return list(items)

    def row_name(self, meta: Meta, items: list[Any]) -> tuple[str, Span, int]:
        return str(items[0]), self._tspan(items[0]), items[0].end_pos

    row_number = row_name

    def row_negative(self, meta: Meta, items: list[Any]) -> tuple[str, Span, int]:
        return "-" + str(items[0]), self._span(meta), meta.end_pos

    def row_true(self, meta: Meta, items: list[Any]) -> tuple[str, Span, int]:
        return "1", self._span(meta), meta.end_pos

    def row_false(self, meta: Meta, items: list[Any]) -> tuple[str, Span, int]:
        return "0", self._span(meta), meta.end_pos

    def prob_vector(self, meta: Meta, items: list[Any]) -> list[float]:
        return list(items)

    def signed_number(self, meta: Meta, items: list[Any]) -> float:
        return float(items[0])

    def negative_number(self, meta: Meta, items: list[Any]) -> float:
        return -float(items[0])

    # ------------------------------------------------------- expressions ----
    def number(self, meta: Meta, items: list[Any]) -> ast.Number:
        return ast.Number(float(items[0]), str(items[0]), self._span(meta))

    def name(self, meta: Meta, items: list[Any]) -> ast.Name:
        return ast.Name(str(items[0]), self._span(meta))

    def true(self, meta: Meta, items: list[Any]) -> ast.Bool:
        return ast.Bool(True, self._span(meta))

    def false(self, meta: Meta, items: list[Any]) -> ast.Bool:
        return ast.Bool(False, self._span(meta))

    def binop(self, meta: Meta, items: list[Any]) -> ast.BinaryOp:
        left, op, right = items
        return ast.BinaryOp(op, left, right, self._span(meta))

    def compare(self, meta: Meta, items: list[Any]) -> ast.BinaryOp:
        return self.binop(meta, items)

    def comp_op(self, meta: Meta, items: list[Any]) -> str:
        return str(items[0])

    add_op = mul_op = event_op = comp_op

    def pow(self, meta: Meta, items: list[Any]) -> ast.BinaryOp:
        return ast.BinaryOp("^", items[0], items[1], self._span(meta))

    def or_op(self, meta: Meta, items: list[Any]) -> ast.BinaryOp:
        return ast.BinaryOp("or", items[0], items[1], self._span(meta))

    def and_op(self, meta: Meta, items: list[Any]) -> ast.BinaryOp:
        return ast.BinaryOp("and", items[0], items[1], self._span(meta))

    def not_op(self, meta: Meta, items: list[Any]) -> ast.UnaryOp:
        return ast.UnaryOp("not", items[0], self._span(meta))

    def neg(self, meta: Meta, items: list[Any]) -> ast.Expr:
        operand = items[0]
        if isinstance(operand, ast.Number):
            return ast.Number(-operand.value, "-" + operand.text, self._span(meta))
        return ast.UnaryOp("-", operand, self._span(meta))

    def if_expr(self, meta: Meta, items: list[Any]) -> ast.IfElse:
        return ast.IfElse(items[0], items[1], items[2], self._span(meta))

    def call(self, meta: Meta, items: list[Any]) -> ast.Call:
        name, *args = items
        return ast.Call(str(name), tuple(arg for arg in args if arg is not None), self._span(meta))

    def vector(self, meta: Meta, items: list[Any]) -> ast.Vector:
        return ast.Vector(tuple(items), self._span(meta))

    def index(self, meta: Meta, items: list[Any]) -> ast.Index:
        return ast.Index(items[0], items[1], self._span(meta))

    def subscripted(self, meta: Meta, items: list[Any]) -> ast.PotentialOutcome | ast.Index:
        """``Y[X = 0]`` is a potential outcome; ``b[Region]`` indexes a vector."""
        name, subscript = items
        if isinstance(subscript, tuple):
            return ast.PotentialOutcome(str(name), subscript, self._span(meta))
        return ast.Index(ast.Name(str(name), self._tspan(name)), subscript, self._span(meta))

    def assignments(self, meta: Meta, items: list[Any]) -> tuple[ast.Assignment, ...]:
        return tuple(items)

    def assignment(self, meta: Meta, items: list[Any]) -> ast.Assignment:
        name, value = items
        return ast.Assignment(str(name), value, self._span(meta), self._tspan(name))

    # -------------------------------------------------------------- data ----
    def data_stmt(self, meta: Meta, items: list[Any]) -> ast.DataStatement:
        path = str(items[0])[1:-1]
        under = tuple(items[1]) if len(items) > 1 and items[1] is not None else ()
        return ast.DataStatement(path, under, self._span(meta))

    def data_under(self, meta: Meta, items: list[Any]) -> list[ast.DoTarget]:
        return list(items)

    def do_column(self, meta: Meta, items: list[Any]) -> ast.DoTarget:
        return ast.DoTarget(str(items[0]), None, self._span(meta))

    def do_fixed(self, meta: Meta, items: list[Any]) -> ast.DoTarget:
        return ast.DoTarget(str(items[0]), items[1], self._span(meta))

    # ----------------------------------------------------------- queries ----
    def query_stmt(self, meta: Meta, items: list[Any]) -> ast.Query:
        return items[0]

    def query_text(self, meta: Meta, items: list[Any]) -> ast.Query:
        *name, (kind, expr, body_meta) = items
        query_name = self._name(name[0]) if name else None
        return ast.Query(query_name, kind, expr, self._text(body_meta), self._span(meta))

    def bounds_query(self, meta: Meta, items: list[Any]) -> tuple[str, ast.QueryExpr, Meta]:
        return ("bounds", items[0], meta)

    def identify_query(self, meta: Meta, items: list[Any]) -> tuple[str, ast.QueryExpr, Meta]:
        return ("identify", items[0], meta)

    def plain_query(self, meta: Meta, items: list[Any]) -> tuple[str, ast.QueryExpr, Meta]:
        return ("estimate", items[0], meta)

    def qbinop(self, meta: Meta, items: list[Any]) -> ast.QueryBinary:
        left, op, right = items
        return ast.QueryBinary(op, left, right, self._span(meta))

    def qneg(self, meta: Meta, items: list[Any]) -> ast.QueryNegation:
        return ast.QueryNegation(items[0], self._span(meta))

    def qnumber(self, meta: Meta, items: list[Any]) -> ast.QueryNumber:
        return ast.QueryNumber(float(items[0]), self._span(meta))

    def _query_function(self, token: Token, expected: str, bracket: str) -> None:
        if str(token) != expected:
            raise messages.located(messages.unknown_query(self._tspan(token), str(token), bracket), self.source)

    def probability(self, meta: Meta, items: list[Any]) -> ast.ProbabilityTerm:
        function, *events, conditions = items
        self._query_function(function, "P", "(...)")
        return ast.ProbabilityTerm(tuple(events), tuple(conditions or ()), self._span(meta))

    def expectation(self, meta: Meta, items: list[Any]) -> ast.ExpectationTerm:
        function, expr, conditions = items
        self._query_function(function, "E", "[...]")
        return ast.ExpectationTerm(expr, tuple(conditions or ()), self._span(meta))

    def conditions(self, meta: Meta, items: list[Any]) -> list[ast.Condition]:
        return list(items)

    def intervention(self, meta: Meta, items: list[Any]) -> ast.Intervention:
        return ast.Intervention(tuple(items[0]), self._span(meta))

    def event(self, meta: Meta, items: list[Any]) -> ast.Event:
        outcome, op, value = items
        return ast.Event(outcome, op, value, self._span(meta))

    def outcome(self, meta: Meta, items: list[Any]) -> ast.Outcome:
        name, assignments = items
        return ast.Outcome(str(name), tuple(assignments or ()), self._span(meta))


def _is_type(item: Any) -> bool:
    return isinstance(item, (ast.BoolType, ast.IntType, ast.RealType, ast.LevelsType))


def _is_mechanism(item: Any) -> bool:
    return isinstance(item, (ast.Stochastic, ast.Deterministic, ast.Nonparametric))
