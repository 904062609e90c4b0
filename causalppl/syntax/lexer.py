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

import re

from causalppl.syntax.ast import RowPlace, TableRows

#: A token: (kind, text, line, column, end_line, end_column, start offset, end offset).
#: ``kind`` is NAME, NUMBER, STRING, NL, EOF, ROWS (a table body read whole: ``text`` is its TableRows)
#: or the operator itself ("(", "<-", ...). Lines and columns are 1-based; ``end_column`` is exclusive.
Token = tuple

_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(
    r"(?P<WS>[\t \f\r]+)|(?P<NL>\n)|(?P<COMMENT>#[^\n]*)|(?P<NAME>[A-Za-z_][A-Za-z0-9_]*)"
    rf"|(?P<NUMBER>{_NUMBER})|(?P<STRING>\"[^\"\n]*\")"
    r"|(?P<OP><->|\.\.\.|<-|:=|==|!=|<=|>=|[-+*/^<>=(){}\[\],;:|~])")
_OPENERS = frozenset("([")
_CLOSERS = frozenset(")]")

_PART = rf"(?:[A-Za-z_][A-Za-z0-9_]*|(?:-[ \t]*)?{_NUMBER})"
_SIGNED = rf"(?:-[ \t]*)?{_NUMBER}"
_ROW = re.compile(  # (words that are keywords where a statement starts cannot start a key)
    r"[ \t\r]*(?!(?:model|data|query|latent|param|bounds|identify)(?![A-Za-z0-9_]))"
    rf"(?:(?P<key>{_PART}(?:[ \t]*,[ \t]*{_PART})*)[ \t]*:[ \t]*)?"
    rf"(?P<open>\[)[ \t]*(?P<values>{_SIGNED}(?:[ \t]*,[ \t]*{_SIGNED})*)[ \t]*\]"
    r"[ \t\r]*(?:#[^\n]*)?\n")
_BLANK = re.compile(r"[ \t\r]*(?:#[^\n]*)?\n")
_CLOSE = re.compile(r"[ \t\r]*\}")
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
            raise LexError(pos)
        kind = found.lastgroup
        end = found.end()
        if kind == "WS" or kind == "COMMENT":
            pos = end
            continue
        if kind == "NL":
            if not brackets and last != "NL":
                append(("NL", "\n", line, pos - line_start + 1, line, pos - line_start + 2, pos, end))
                last = "NL"
            line += 1
            line_start = pos = end
            continue
        text = found.group()
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
    token by token, which gives the same rows.
    """
    keys: list[tuple[str, ...]] = []
    texts: list[str] = []
    widths: list[int] = []
    places: list[RowPlace] = []
    row, blank, close = _ROW.match, _BLANK.match, _CLOSE.match
    while True:
        found = row(source, pos)
        if found is not None:
            key = found.group("key")
            values = found.group("values")
            texts.append(values)
            widths.append(values.count(",") + 1)
            start = found.start("key") if key is not None else found.start("open")
            if key is None:
                keys.append(())
                key_column, key = start - line_start + 1, ""
            else:
                keys.append(tuple(_key_value(part) for part in key.split(",")))
                key_column = start - line_start + 1
            end_column = source.index("]", found.end("values")) - line_start + 2
            places.append(RowPlace(line, start - line_start + 1, line, end_column, key_column, key))
            pos = line_start = found.end()
            line += 1
            continue
        found = blank(source, pos)
        if found is not None:
            pos = line_start = found.end()
            line += 1
            continue
        found = close(source, pos)
        if found is None:
            return None
        pos = found.end() - 1
        break
    joined = ",".join(texts)
    if "- " in joined or "-\t" in joined:
        joined = _SPACE_AFTER_MINUS.sub("-", joined)
    values = list(map(float, joined.split(","))) if texts else []
    return TableRows.build(keys, values, widths, places, filename), pos, line, line_start


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
