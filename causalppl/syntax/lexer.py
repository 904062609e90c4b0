"""Text → tokens, in one pass with one regular expression; table bodies are read whole.

The tokens are those of ``grammar/causalppl.lark`` with its post-lexer applied:
newlines inside ``( )`` and ``[ ]`` are dropped, a run of newlines (and the
comments between them) is one ``NL`` token, and the input ends with ``NL``
then ``EOF``. Words are all ``NAME``: whether ``if`` or ``table`` is a keyword
depends on where it stands, and the parser decides (as Lark's contextual lexer
does). Operators are matched longest first (``<-`` before ``<``); the parser
splits ``<-`` where only ``<`` fits (``a<-1``).

The body of a ``table(...) { ... }`` written one row per line (what
``causalppl import-bif`` writes) is read by :func:`scan_table` without making a
token per number: one regular expression per row, and every probability of the
table converted in one call. Any other layout falls back to ordinary tokens.

>>> [token[0] for token in tokenize("X ~ Normal(0,\\n 1)")]
['NAME', '~', 'NAME', '(', 'NUMBER', ',', 'NUMBER', ')', 'NL', 'EOF']
"""

from __future__ import annotations

import functools
import re

from causalppl.syntax.ast import TableRows

#: A token: (kind, text, line, column, end_line, end_column, start offset, end offset).
#: ``kind`` is NAME, NUMBER, STRING, NL, EOF, ROWS (a table body read whole: ``text`` is its TableRows)
#: or the operator itself ("(", "<-", ...). Lines and columns are 1-based; ``end_column`` is exclusive.
Token = tuple

_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_SPACE = r"[\t \f\r]*"
# A token with the spaces before it (one match each, not two); END: only spaces were left.
_TOKEN = re.compile(
    _SPACE + r"(?:(?P<NL>\n)|(?P<COMMENT>#[^\n]*)|(?P<NAME>[A-Za-z_][A-Za-z0-9_]*)"
    rf"|(?P<NUMBER>{_NUMBER})|(?P<STRING>\"[^\"\n]*\")"
    r"|(?P<OP><->|\.\.\.|<-|:=|==|!=|<=|>=|[-+*/^<>=(){}\[\],;:|~])|(?P<END>\Z))")
_SPACES = re.compile(_SPACE)
_OPENERS = frozenset("([")
_CLOSERS = frozenset(")]")

_PART = rf"(?:[A-Za-z_][A-Za-z0-9_]*|(?:-[ \t]*)?{_NUMBER})"
_SIGNED = rf"(?:-[ \t]*)?{_NUMBER}"
_KEYWORD = r"(?!(?:model|data|query|latent|param|bounds|identify)(?![A-Za-z0-9_]))"
# One line of a table body: a row (``KEY : [VALUES]``, the key optional) or a blank line, a comment allowed at
# the end. Groups: the whole line, the indent, the key, the colon with its spaces, the opening bracket with its
# spaces, the values, the closing bracket with its spaces (all but the first two empty on a blank line). Words
# that are keywords where a statement starts cannot start a key.
_LINE = (r"(([ \t\r]*)(?:" + _KEYWORD + rf"(?:({_PART}(?:[ \t]*,[ \t]*{_PART})*)([ \t]*:[ \t]*))?"
         rf"(\[[ \t]*)({_SIGNED}(?:[ \t]*,[ \t]*{_SIGNED})*)([ \t]*\]))?[ \t\r]*(?:#[^\n]*)?\n)")
_LINES = re.compile(_LINE)
_SPACE_AFTER_MINUS = re.compile(r"-[ \t]+")


class LexError(Exception):
    """A character no token starts with; the parser's caller reports it (through the reference parser)."""


def tokenize(source: str, filename: str = "<input>") -> list[Token]:
    """Every token of ``source``; raises :class:`LexError` at a character that starts no token."""
    tokens: list[Token] = []
    append = tokens.append
    match = _TOKEN.match
    pos, size = 0, len(source)
    line, line_start = 1, 0
    brackets = 0
    last = "NL"  # a leading newline is dropped like a repeated one
    table_state = 0  # 1: after `table`, 2: inside its `(`, 3: after its `)`
    while pos < size:
        found = match(source, pos)
        if found is None:
            raise LexError(_SPACES.match(source, pos).end())
        kind = found.lastgroup
        end = found.end()
        if kind == "COMMENT":
            pos = end
            continue
        if kind == "NL":
            if not brackets and last != "NL":
                column = end - line_start
                append(("NL", "\n", line, column, line, column + 1, end - 1, end))
                last = "NL"
            line += 1
            line_start = pos = end
            continue
        if kind == "END":
            pos = end
            break
        text = found[kind]
        pos = end - len(text)
        if kind == "OP":
            kind = text
            if text in _OPENERS:
                brackets += 1
            elif text in _CLOSERS and brackets:
                brackets -= 1
        column = pos - line_start + 1
        append((kind, text, line, column, line, column + end - pos, pos, end))
        last = kind
        pos = end
        if kind == "NAME":
            table_state = 1 if text == "table" else (2 if table_state == 2 else 0)
        elif kind == "(":
            table_state = 2 if table_state == 1 else 0
        elif kind == ",":
            table_state = 2 if table_state == 2 else 0
        elif kind == ")":
            table_state = 3 if table_state == 2 else 0
        elif kind == "{" and table_state == 3:
            table_state = 0
            scanned = scan_table(source, pos, line, line_start, filename)
            if scanned is not None:
                rows, pos, line, line_start = scanned
                append(("ROWS", rows, line, pos - line_start + 1, line, pos - line_start + 1, pos, pos))
                last = "ROWS"
        else:
            table_state = 0
    column = pos - line_start + 1
    append(("NL", "\n", line, column, line, column, pos, pos))
    append(("EOF", "", line, column, line, column, pos, pos))
    return tokens


def scan_table(source: str, pos: int, line: int, line_start: int, filename: str):
    """Read a table body from just after its ``{`` up to its ``}`` (not included), one row per line.

    Returns ``(TableRows, position of the '}', line, line start)``, or None when the body is laid out
    otherwise (several rows on a line, a row across lines, ``...``, ``;``): the caller then reads it
    token by token, which gives the same rows. The lines are read by one ``findall``, whose matches must
    cover the body up to the ``}`` (one row or blank line each): what is left per row is its key and places.
    """
    close = source.find("}", pos)
    if close < 0:
        return None
    end = max(source.rfind("\n", pos, close) + 1, pos)  # where the closing brace's line starts
    if source[end:close].strip(" \t\r"):
        return None  # something before the `}` on its line
    lines = _LINES.findall(source, pos, end)
    if sum(len(found[0]) for found in lines) != end - pos:
        return None  # a line that is not one row (or a `}` in a comment): token by token
    rows = [found for found in lines if found[4]]  # (a blank or comment line has no opening bracket)
    texts = [found[5] for found in rows]
    widths = [text.count(",") + 1 for text in texts]
    keys = [_key(found[2]) if found[2] else () for found in rows]
    joined = ",".join(texts)
    if "- " in joined or "-\t" in joined:
        joined = _SPACE_AFTER_MINUS.sub("-", joined)
    numbers = list(map(float, joined.split(","))) if texts else []
    places = functools.partial(_places, lines, line, pos - line_start)  # made only when a row's place is asked
    if end > pos:
        line, line_start = line + len(lines), end
    return TableRows.build(keys, numbers, widths, places, filename), close, line, line_start


def _places(lines: list[tuple[str, ...]], line: int, offset: int) -> tuple[tuple, ...]:
    """Where each row of a table body read by :func:`scan_table` stands (see :class:`~causalppl.syntax.ast.RowPlace`):
    its lines from ``line``, the first line's columns counted from ``offset`` (before the body's ``{``)."""
    places = []
    for row_line, (_, indent, key, colon, opener, values, closer) in enumerate(lines, start=line):
        if opener:
            column = offset + len(indent) + 1
            places.append((row_line, column, row_line,
                           column + len(key) + len(colon) + len(opener) + len(values) + len(closer), column, key))
        offset = 0
    return tuple(places)


def _key(text: str) -> tuple[str, ...]:
    """A row's key as the AST holds it (see :func:`_key_value`); plain names are only stripped."""
    parts = tuple(map(str.strip, text.split(",")))
    if "-" in text or "true" in parts or "false" in parts:  # (whole parts: a level named true_ is plain)
        return tuple(_key_value(part) for part in parts)
    return parts


def _key_value(part: str) -> str:
    """A key value as the AST holds it: ``true``/``false`` as ``1``/``0``, ``- 1`` as ``-1``."""
    part = part.strip()
    if part == "true":
        return "1"
    if part == "false":
        return "0"
    if part[0] == "-":
        return "-" + part[1:].lstrip(" \t")
    return part
