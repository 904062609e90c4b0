"""Text → AST: the Lark LALR parser, its post-lexer, and error translation.

Lark's exceptions never reach the user: they are turned into
:class:`~causalppl.diagnostics.CausalPPLError` with a sentence in words
("expected ')' ..."), the file, line and column, and a caret.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from lark import Lark, Token, Tree
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from causalppl.diagnostics import CausalPPLError, Span
from causalppl.resources import grammar_text, paused_garbage_collector
from causalppl.syntax import ast, descent, messages
from causalppl.syntax.reserved import RESERVED_WORDS
from causalppl.syntax.transformer import ToAst

_OPENERS = {"LPAR": "RPAR", "LSQB": "RSQB"}
_CLOSERS = {"RPAR", "RSQB"}



class _BracketNewlines:
    """Post-lexer: drop newlines inside ( ) and [ ], end the input with one newline."""

    always_accept = ("_NL",)

    def __init__(self) -> None:
        self.open_brackets: list[Token] = []
        self.open_braces: list[Token] = []

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        self.open_brackets = []
        self.open_braces = []
        last: Token | None = None
        for token in stream:
            if token.type in _OPENERS:
                self.open_brackets.append(token)
            elif token.type in _CLOSERS and self.open_brackets:
                self.open_brackets.pop()
            elif token.type == "LBRACE":
                self.open_braces.append(token)
            elif token.type == "RBRACE" and self.open_braces:
                self.open_braces.pop()
            if token.type == "_NL" and self.open_brackets:
                continue
            last = token
            yield token
        yield _end_of_input_newline(last)


def _end_of_input_newline(last: Token | None) -> Token:
    if last is None:
        return Token("_NL", "\n", 0, 1, 1, 1, 1, 0)
    end_line = last.end_line or last.line or 1
    end_column = last.end_column or last.column or 1
    return Token("_NL", "\n", last.end_pos, end_line, end_column, end_line, end_column, last.end_pos)


@lru_cache(maxsize=1)
def _lark() -> tuple[Lark, _BracketNewlines]:
    postlex = _BracketNewlines()
    parser = Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        postlex=postlex,
        start=["start", "query_line", "assignments_line", "declaration"],
        propagate_positions=True,
        maybe_placeholders=True,
    )
    return parser, postlex


def parse_program(source: str, filename: str = "<input>") -> ast.Program:
    """Parse a whole ``.scm`` file into an :class:`ast.Program`."""
    return _read(descent.read_program, source, filename, "start")


def parse_query(text: str, filename: str = "<query>") -> ast.Query:
    """Parse a ``--query`` argument (``[name =] [bounds|identify] P(...)``)."""
    return _read(descent.read_query, text, filename, "query_line")


def parse_assignments(text: str, filename: str = "<--do>") -> tuple[ast.Assignment, ...]:
    """Parse a ``--do`` argument such as ``X=1, Z=HIGH``."""
    return _read(descent.read_assignments, text, filename, "assignments_line")


def parse_declaration(text: str, filename: str = "<declaration>") -> ast.Declaration:
    """Parse one model declaration (a fragment, e.g. from documentation)."""
    return _read(descent.read_declaration, text, filename, "declaration")


def _read(read, source: str, filename: str, start: str):
    """The hand-written parser; when it finds no parse, Lark's parser of the grammar says why."""
    try:
        with paused_garbage_collector():
            return read(source, filename)
    except descent.SyntaxFailure as failure:
        complete = failure.complete
    if complete:  # word the error without parsing the statements that were read in full again
        try:
            _parse(source, filename, start, _blanked(source, complete))
        except CausalPPLError as error:
            if error.diagnostics[0].span.line >= source.count("\n", 0, complete[-1][1]) + 1:
                raise
    tree = _parse(source, filename, start)  # raises the located syntax error
    try:
        return _transform(tree, source, filename)  # only if the two parsers disagree: the grammar decides
    except RecursionError:
        raise messages.located(messages.nested_too_deeply(Span(filename, 1, 1, 1, 2), descent.MAX_EXPRESSION_DEPTH),
                               source) from None


def _blanked(source: str, ranges: list[tuple[int, int]]) -> str:
    """``source`` with the given ranges turned into spaces (newlines kept: lines and columns do not move)."""
    pieces, position = [], 0
    for start, end in ranges:
        pieces.append(source[position:start])
        pieces.append("".join("\n" if char == "\n" else " " for char in source[start:end]))
        position = end
    pieces.append(source[position:])
    return "".join(pieces)


def parse_with_lark(source: str, filename: str = "<input>", start: str = "start"):
    """The reference parse of the grammar with Lark (tests compare it with the hand-written parser)."""
    return _transform(_parse(source, filename, start), source, filename)


def _parse(source: str, filename: str, start: str, text: str | None = None) -> Tree:
    """Lark's parse of ``text`` (default: ``source``, which messages quote)."""
    parser, postlex = _lark()
    try:
        return parser.parse(source if text is None else text, start=start)
    except UnexpectedInput as error:
        raise _translate(error, source, filename, postlex.open_brackets, postlex.open_braces) from None


def _transform(tree: Tree, source: str, filename: str):
    try:
        return ToAst(source, filename).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, CausalPPLError):
            raise error.orig_exc from None
        raise


# ------------------------------------------------------ error translation ----

_TOKEN_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": 'a quoted path ("file.csv")',
    "_NL": "the end of the line",
    "$END": "the end of the input",
}


def _translate(error: UnexpectedInput, source: str, filename: str, open_brackets: list[Token],
               open_braces: list[Token]) -> CausalPPLError:
    line, column, width = max(error.line, 1), max(error.column, 1), 1
    if isinstance(error, UnexpectedToken):
        found, width, line, column = _unexpected_token(error, line, column)
    at_end = isinstance(error, UnexpectedToken) and error.token.type == "$END"
    hint = _unclosed_bracket_hint(open_brackets + (open_braces if at_end else []), line)
    if isinstance(error, UnexpectedToken) and str(error.token) in _COMPARISON_TOKENS:
        hint = hint or messages.chained_comparison_hint()
    span = Span(filename, line, column, line, column + width)
    if isinstance(error, UnexpectedCharacters):
        char = source[error.pos_in_stream] if error.pos_in_stream < len(source) else "?"
        diagnostic = messages.unexpected_character(span, char, hint)
    elif isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "NAME" and str(token) in RESERVED_WORDS:
            diagnostic = messages.reserved_word_here(span, str(token), hint)
        else:
            diagnostic = messages.unexpected(span, found, _expected_words(_acceptable(error)), hint)
    elif isinstance(error, UnexpectedEOF):
        diagnostic = messages.unexpected_end_of_input(span, hint)
    else:  # pragma: no cover - lark has no other kinds
        diagnostic = messages.syntax_error(span, hint)
    return messages.located(diagnostic, source)


def _unexpected_token(error: UnexpectedToken, line: int, column: int) -> tuple[str, int, int, int]:
    """What was found (in words), its width, and where."""
    token = error.token
    if token.type == "$END":
        found, width = "end of input", 1
    elif token.type == "_NL":
        found, width = "end of the line", 1
    else:
        found, width = repr(str(token)), max(len(str(token)), 1)
    if token.line is not None and token.line > 0:
        line, column = token.line, token.column
    return found, width, line, column


def _acceptable(error: UnexpectedToken) -> set[str]:
    """The terminals the parser could take here (exact, unlike Lark's ``expected``)."""
    try:
        return set(error.interactive_parser.accepts())
    except Exception:  # pragma: no cover - fall back to Lark's own list
        return set(error.expected)


_EXPRESSION_STARTS = {"NAME", "NUMBER", "LPAR", "LSQB", "MINUS", "NOT", "IF", "TRUE", "FALSE"}
_COMPARISON_TOKENS = {"<", "<=", ">", ">=", "==", "!="}


def _expected_words(expected: set[str]) -> str:
    parser, _ = _lark()
    expected = {name for name in expected if name not in ("SEMICOLON", "$END") or expected == {name}}
    words: list[str] = []
    if expected == {"NAME", "TABLE"}:
        return "a distribution such as Normal(0, 1), or table(...)"
    if {"NAME", "NUMBER", "LPAR"} <= expected:
        words.append("an expression")
        expected -= _EXPRESSION_STARTS
    operators = {name for name in expected if _is_operator(name, parser)}
    if len(operators) >= 4:
        words.append("an operator")
        expected -= operators
    words += sorted({_terminal_words(name, parser) for name in expected})
    if len(words) > 6:
        words = words[:6] + ["..."]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _is_operator(name: str, parser: Lark) -> bool:
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return False
    return pattern.type == "str" and pattern.value in {"+", "-", "*", "/", "^", "==", "!=", "<", "<=", ">", ">=",
                                                       "and", "or"}


def _terminal_words(name: str, parser: Lark) -> str:
    if name in _TOKEN_WORDS:
        return _TOKEN_WORDS[name]
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return name.lower()
    if pattern.type == "str":
        return repr(pattern.value)
    return name.lower()


def _unclosed_bracket_hint(open_brackets: list[Token], error_line: int) -> str | None:
    for bracket in sorted(open_brackets, key=lambda token: token.start_pos or 0, reverse=True):
        if bracket.line < error_line:
            return messages.unclosed_bracket_hint(str(bracket), bracket.line, bracket.column)
    return None
