"""Reading Bayesian networks in the BIF interchange format.

BIF (Cozman's interchange format, as used by bnlearn's repository) declares
finite variables and their conditional probability tables::

    variable Smoker { type discrete [ 2 ] { True, False }; }
    probability ( Cancer | Pollution, Smoker ) {
      (low, True) 0.03, 0.97;
      default 0.5, 0.5;
    }

The reader is self-contained (plain text or gzip-compressed files). Rows may
be given per parent combination ``(a, b) p...;``, completed with a
``default`` row, or as one flat ``table``; a flat table lists the values with
the child slowest and the last parent fastest, as pgmpy reads it.

Every row must sum to 1 up to rounding: a row off by at most
:data:`ROUNDING_TOLERANCE` (bnlearn's files have rows off by about 1e-7,
and a row of three rounded thirds, ``0.333, 0.333, 0.333``, is off by
0.001) is read as written and renormalised by the writer; a row off by more
(``0.5, 0.6``) is an error at the row, since which of its numbers is wrong
cannot be told.  A text that declares no variable (an empty file, a
``network`` block alone) is an error too: it is not a network.
"""


import gzip
import heapq
import itertools
import math
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from causalppl.resources import paused_garbage_collector

#: How far from 1 a row's sum may be and still be read as rounding (an absolute distance, relative to the
#: sum 1 it should have); a row off by more is an error.
ROUNDING_TOLERANCE = 1e-3

#: The most numbers one converted table may hold (a .scm model file is at most 64 MiB: a table this large
#: would not fit it).
MAX_TABLE_NUMBERS = 2**23

_PUNCTUATION = frozenset("{}()[],;|")


class BifError(Exception):
    """A malformed BIF text, located at a 1-based line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.message = message
        self.line = line
        self.column = column

    def render(self, filename: str) -> str:
        """Format the error as ``FILE:LINE:COL: error: MESSAGE``."""
        return f"{filename}:{self.line}:{self.column}: error: {self.message}"



# --------------------------------------------------------------------------
# Tokens


class _Token(NamedTuple):
    """A word (name, number, keyword), one punctuation character, or a run of numbers.

    A run (``values`` set) is a whole list of probabilities up to its ``;``, read at once: the
    tokenizer makes one token of ``0.1, 0.2 0.7`` instead of one per number.
    """

    text: str
    line: int
    column: int
    quoted: bool = False
    values: list[float] | None = None
    key: tuple["_Token", ...] | None = None  # a whole row "(a, b) 0.1, 0.9;": its key, with ``values``

    @property
    def is_word(self) -> bool:
        """True for names, numbers and keywords (anything but punctuation)."""
        return self.quoted or self.text not in _PUNCTUATION


_TOKEN = re.compile(
    r"\s*(?:(?P<line_comment>//[^\n]*)|(?P<block_comment>/\*)|(?P<string>\")"
    r"|(?P<punctuation>[{}()\[\],;|])|(?P<word>(?:[^\s{}()\[\],;|\"/]|/(?![/*]))+)|(?P<end>\Z))")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
#: Numbers separated by commas or blanks, ending where only blanks stand before a ``;``.
_NUMBER_RUN = re.compile(rf"{_NUMBER}(?:(?:\s*,\s*|\s+){_NUMBER})*(?=\s*;)")
_SEPARATORS = re.compile(r"[\s,]+")
_WORD = r"(?:[^\s{}()\[\],;|\"/]|/(?![/*]))+"
_WORD_RE = re.compile(_WORD)
_NUMBERS_ON_A_LINE = rf"{_NUMBER}(?:(?:[ \t]*,[ \t]*|[ \t]+){_NUMBER})*"
#: A row on one line, ``(a, b) 0.1, 0.9;``: key words separated by commas, then its numbers.
_ROW = re.compile(rf"\([ \t]*(?P<key>{_WORD}(?:[ \t]*,[ \t]*{_WORD})*)[ \t]*\)[ \t]*"
                  rf"(?P<values>{_NUMBERS_ON_A_LINE})[ \t]*;")


def _tokenize(text: str) -> list[_Token]:
    """Split BIF text into tokens, dropping ``//`` and ``/* */`` comments (one regular expression)."""
    tokens: list[_Token] = []
    append = tokens.append
    match, run = _TOKEN.match, _NUMBER_RUN.match
    pos, size, line, line_start = 0, len(text), 1, 0
    while pos < size:
        found = match(text, pos)
        kind = found.lastgroup
        start, end = found.start(kind), found.end()
        if start > pos:  # the blanks before the token
            newlines = text.count("\n", pos, start)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", pos, start) + 1
            pos = start
        if kind == "end":
            break
        if kind == "block_comment":
            close = text.find("*/", pos + 2)
            if close < 0:
                raise BifError("unterminated comment", line, pos - line_start + 1)
            end = close + 2
        elif kind == "string":
            close = text.find('"', pos + 1)
            if close < 0 or "\n" in text[pos:close]:
                raise BifError("unterminated string", line, pos - line_start + 1)
            append(_Token(text[pos + 1:close], line, pos - line_start + 1, True))
            pos = close + 1
            continue
        elif kind == "punctuation":
            row = _ROW.match(text, pos) if text[pos] == "(" else None
            values = _finite_values(row.group("values")) if row is not None else None
            if values is None:
                append(_Token(text[pos], line, pos - line_start + 1))
                pos = end
                continue
            key_column = row.start("key") - line_start + 1
            key = tuple(_Token(word.group(), line, key_column + word.start())
                        for word in _WORD_RE.finditer(row.group("key")))
            append(_Token("(", line, pos - line_start + 1, False, values, key))
            pos = row.end()
            continue
        elif kind == "word":
            numbers = run(text, pos) if text[pos] in "0123456789.-+" else None
            values = _finite_values(numbers.group()) if numbers is not None else None
            if values is None:
                append(_Token(text[pos:end], line, pos - line_start + 1))
                pos = end
                continue
            end = numbers.end()
            append(_Token(numbers.group(), line, pos - line_start + 1, False, values))
        newlines = text.count("\n", pos, end)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", pos, end) + 1
        pos = end
    return tokens


def _finite_values(run: str) -> list[float] | None:
    """The numbers of a run, or None when one is not finite (the token-by-token path reports it)."""
    values = list(map(float, _SEPARATORS.split(run.strip())))
    return values if all(map(math.isfinite, values)) else None


# --------------------------------------------------------------------------
# The network


@dataclass(frozen=True)
class BifVariable:
    """A finite variable: its name, its states in order, where it was declared."""

    name: str
    states: tuple[str, ...]
    line: int
    column: int


@dataclass
class _RawCpd:
    """A probability block as written, before it is checked against the variables."""

    child: _Token
    parents: list[_Token]
    rows: list[tuple[list[_Token], list[float], _Token]] = field(default_factory=list)
    default: list[float] | None = None
    default_at: "_Token | None" = None  # the ``default`` keyword, where errors about the row point
    table: tuple[list[float], _Token] | None = None


@dataclass(frozen=True)
class BifCpd:
    """A checked conditional probability table.

    ``rows[k]`` is the distribution of ``child`` for the k-th parent
    combination, combinations in lexicographic order of the parents' state
    positions (first parent slowest).
    """

    child: str
    parents: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    line: int


@dataclass(frozen=True)
class BifNetwork:
    """A parsed BIF network: variables in declaration order and one table each."""

    name: str | None
    variables: dict[str, BifVariable]
    cpds: dict[str, BifCpd]

    def topological_order(self) -> list[str]:
        """Parents before children; among ready variables, declaration order first."""
        position = {name: k for k, name in enumerate(self.variables)}
        waiting = {name: len(self.cpds[name].parents) for name in self.variables}
        children: dict[str, list[str]] = {name: [] for name in self.variables}
        for cpd in self.cpds.values():
            for parent in cpd.parents:
                children[parent].append(cpd.child)
        ready = [(position[n], n) for n, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, name = heapq.heappop(ready)
            order.append(name)
            for child in children[name]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, (position[child], child))
        self._check_acyclic(order)
        return order

    def _check_acyclic(self, order: list[str]) -> None:
        """Raise at a probability block on a cycle when ``order`` misses variables."""
        if len(order) == len(self.variables):
            return
        cycle = self._find_cycle(set(self.variables) - set(order))
        first = min((self.cpds[name] for name in cycle), key=lambda cpd: cpd.line)
        path = " -> ".join(reversed(cycle + [cycle[0]]))
        raise BifError(f"the network has a cycle: {path}", first.line, 1)

    def _find_cycle(self, left: set[str]) -> list[str]:
        """A cycle among ``left``, walking from child to parent.

        Every variable left out of a topological order has a parent that was
        left out too, so the walk must come back to a variable it has seen.
        """
        walk = [min(left, key=lambda name: self.cpds[name].line)]
        while True:
            parent = next(p for p in self.cpds[walk[-1]].parents if p in left)
            if parent in walk:
                return walk[walk.index(parent) :]
            walk.append(parent)


class _Parser:
    """Recursive-descent parser over the token list of one BIF text."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.name: str | None = None
        self.variables: dict[str, BifVariable] = {}
        self.cpds: list[_RawCpd] = []

    # -- token helpers

    def peek(self) -> _Token | None:
        """The next token, or None at the end of the text."""
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self, what: str) -> _Token:
        """Consume and return the next token; ``what`` names it for errors."""
        token = self.peek()
        if token is None:
            last = self.tokens[-1] if self.tokens else _Token("", 1, 1)
            raise BifError(f"unexpected end of file, expected {what}", last.line, last.column)
        self.pos += 1
        return token

    def expect(self, text: str) -> _Token:
        """Consume a punctuation token equal to ``text``."""
        token = self.next(f"'{text}'")
        if token.quoted or token.text != text:
            raise BifError(f"expected '{text}', found '{token.text}'", token.line, token.column)
        return token

    def word(self, what: str) -> _Token:
        """Consume a word (a name, number or keyword)."""
        token = self.next(what)
        if not token.is_word:
            raise BifError(f"expected {what}, found '{token.text}'", token.line, token.column)
        return token

    def at(self, text: str) -> bool:
        """Whether the next token is the unquoted ``text``."""
        token = self.peek()
        return token is not None and not token.quoted and token.text == text

    def more(self, closing: str) -> bool:
        """Whether a block goes on before ``closing``; an error at the end of the text."""
        if self.peek() is None:
            self.next(f"'{closing}'")
        return not self.at(closing)

    def skip_statement(self) -> None:
        """Skip up to and including the next ``;`` (properties and the like)."""
        while not self.at(";"):
            self.next("';'")
        self.pos += 1

    # -- blocks

    def parse(self) -> None:
        """Parse the whole text into variables and raw probability blocks."""
        while self.peek() is not None:
            keyword = self.word("'network', 'variable' or 'probability'")
            if keyword.text == "network":
                self.parse_network()
            elif keyword.text == "variable":
                self.parse_variable()
            elif keyword.text == "probability":
                self.parse_probability()
            else:
                raise BifError(
                    f"expected 'network', 'variable' or 'probability', found '{keyword.text}'",
                    keyword.line,
                    keyword.column,
                )

    def parse_network(self) -> None:
        """``network NAME { properties }``."""
        self.name = self.word("a network name").text
        self.expect("{")
        while self.more("}"):
            self.skip_statement()
        self.expect("}")

    def parse_variable(self) -> None:
        """``variable NAME { type discrete [ N ] { s1, s2 }; property ...; }``."""
        name = self.word("a variable name")
        if name.text in self.variables:
            raise BifError(f"variable '{name.text}' is declared twice", name.line, name.column)
        self.expect("{")
        states: tuple[str, ...] | None = None
        while self.more("}"):
            if self.at("type"):
                states = self.parse_type()
            else:
                self.skip_statement()
        self.expect("}")
        if states is None:
            raise BifError(f"variable '{name.text}' has no 'type discrete' line", name.line, name.column)
        self.variables[name.text] = BifVariable(name.text, states, name.line, name.column)

    def parse_type(self) -> tuple[str, ...]:
        """``type discrete [ N ] { s1, s2 };`` returning the states."""
        self.next("'type'")
        kind = self.word("'discrete'")
        if kind.text != "discrete":
            raise BifError(f"only discrete variables are supported, found '{kind.text}'", kind.line, kind.column)
        self.expect("[")
        count = self.word("the number of states")
        self.expect("]")
        self.expect("{")
        states = self.name_list("}")
        self.expect(";")
        names = tuple(state.text for state in states)
        if not count.text.isdigit() or int(count.text) != len(names):
            raise BifError(f"declares {count.text} states but lists {len(names)}", count.line, count.column)
        if len(set(names)) != len(names):
            raise BifError("a state is listed twice", count.line, count.column)
        return names

    def name_list(self, closing: str) -> list[_Token]:
        """Names up to ``closing`` (consumed), separated by commas or by spaces.

        When commas are present, several words between two commas form one
        name joined by single spaces.
        """
        groups: list[list[_Token]] = [[]]
        has_comma = False
        while self.more(closing):
            token = self.next(f"'{closing}'")
            if not token.quoted and token.text == ",":
                has_comma = True
                groups.append([])
            elif token.is_word:
                groups[-1].append(token)
            else:
                raise BifError(f"unexpected '{token.text}' in a list of names", token.line, token.column)
        self.pos += 1
        if not has_comma:
            return groups[0]
        return [self._join(group, closing) for group in groups]

    def _join(self, group: list[_Token], closing: str) -> _Token:
        """One comma-separated entry of a name list, as a single token."""
        if not group:
            token = self.tokens[self.pos - 1]
            raise BifError(f"empty name in a list closed by '{closing}'", token.line, token.column)
        text = " ".join(token.text for token in group)
        return _Token(text, group[0].line, group[0].column, group[0].quoted)

    def parse_probability(self) -> None:
        """``probability ( X | P1, P2 ) { entries }`` (or old style ``( X P1 P2 )``)."""
        self.expect("(")
        words: list[_Token] = []
        parents: list[_Token] | None = None
        while self.more(")"):
            token = self.next("')'")
            if not token.quoted and token.text == "|":
                parents = []
            elif token.is_word:
                (words if parents is None else parents).append(token)
            elif token.text != ",":
                raise BifError(f"unexpected '{token.text}' in a probability header", token.line, token.column)
        self.pos += 1
        if not words:
            token = self.tokens[self.pos - 1]
            raise BifError("a probability block names no variable", token.line, token.column)
        cpd = _RawCpd(words[0], words[1:] + (parents or []))
        self.parse_entries(cpd)
        self.cpds.append(cpd)

    def parse_entries(self, cpd: _RawCpd) -> None:
        """The ``{ ... }`` body of a probability block."""
        self.expect("{")
        while self.more("}"):
            token = self.peek()
            if token.key is not None:
                self.pos += 1
                cpd.rows.append((list(token.key), token.values, token))
            elif self.at("("):
                start = self.next("'('")
                key = self.name_list(")")
                cpd.rows.append((key, self.numbers(), start))
            elif self.at("table"):
                start = self.next("'table'")
                cpd.table = (self.numbers(), start)
            elif self.at("default"):
                cpd.default_at = self.next("'default'")
                cpd.default = self.numbers()
            else:
                self.skip_statement()
        self.expect("}")

    def numbers(self) -> list[float]:
        """Numbers separated by commas or spaces, up to and including ``;``."""
        values: list[float] = []
        while not self.at(";"):
            token = self.next("';'")
            if token.values is not None:
                values += token.values
            elif not token.quoted and token.text == ",":
                continue
            else:
                values.append(_to_float(token))
        self.pos += 1
        return values


def _to_float(token: _Token) -> float:
    """Read a probability, rejecting anything that is not a finite number."""
    try:
        value = float(token.text)
    except ValueError:
        value = math.nan
    if token.quoted or not math.isfinite(value):
        raise BifError(f"expected a number, found '{token.text}'", token.line, token.column)
    return value


# --------------------------------------------------------------------------
# Checking probability blocks


def _check_cpd(raw: _RawCpd, variables: dict[str, BifVariable]) -> BifCpd:
    """Resolve a raw block against the variables into a complete table."""
    child = _lookup(raw.child, variables)
    parents = [_lookup(token, variables) for token in raw.parents]
    width = len(child.states)
    count = math.prod(len(p.states) for p in parents)
    if count * width > MAX_TABLE_NUMBERS:  # (sized before any row is made: a `default` row would fill them all)
        raise BifError(f"the table of '{child.name}' would hold {count:,} rows of {width} numbers "
                       f"({len(parents)} parents); the largest table converted holds {MAX_TABLE_NUMBERS:,} numbers",
                       raw.child.line, raw.child.column)
    combos = list(itertools.product(*(range(len(p.states)) for p in parents)))
    rows: dict[tuple[int, ...], list[float]] = {}
    if raw.table is not None:
        rows.update(_flat_table(raw.table, width, combos, parents))
    for key, values, start in raw.rows:
        index = _row_index(key, parents, start)
        if index in rows:
            raise BifError("this parent combination is given twice", start.line, start.column)
        rows[index] = _checked_row(values, width, start, _combination(index, parents))
    for combo in combos:
        if combo not in rows:
            rows[combo] = _default_row(raw, combo, parents, width)
    return BifCpd(child.name, tuple(p.name for p in parents), tuple(tuple(rows[c]) for c in combos), raw.child.line)


def _lookup(token: _Token, variables: dict[str, BifVariable]) -> BifVariable:
    """The declared variable named by ``token``."""
    if token.text not in variables:
        raise BifError(f"variable '{token.text}' is not declared", token.line, token.column)
    return variables[token.text]


def _flat_table(
    table: tuple[list[float], _Token], width: int, combos: list[tuple[int, ...]], parents: list[BifVariable]
) -> dict[tuple[int, ...], list[float]]:
    """Rows of a flat ``table``: child slowest, last parent fastest."""
    values, start = table
    if len(values) != width * len(combos):
        raise BifError(
            f"'table' needs {width * len(combos)} numbers, found {len(values)}", start.line, start.column
        )
    columns = len(combos)
    return {
        combo: _checked_row([values[s * columns + k] for s in range(width)], width, start, _combination(combo, parents))
        for k, combo in enumerate(combos)
    }


def _row_index(key: list[_Token], parents: list[BifVariable], start: _Token) -> tuple[int, ...]:
    """Positions of the parent states named in a ``(a, b)`` row key."""
    if len(key) != len(parents):
        raise BifError(f"expected {len(parents)} parent states, found {len(key)}", start.line, start.column)
    index = []
    for token, parent in zip(key, parents):
        if token.text not in parent.states:
            raise BifError(f"'{token.text}' is not a state of '{parent.name}'", token.line, token.column)
        index.append(parent.states.index(token.text))
    return tuple(index)


def _checked_row(values: list[float], width: int, start: _Token, combination: str = "") -> list[float]:
    """A row of ``width`` non-negative numbers summing to 1 up to rounding (``combination``: which parent states
    the row is for, as errors name it, e.g. `` for (a1, b0)``)."""
    if len(values) != width:
        raise BifError(f"expected {width} probabilities, found {len(values)}", start.line, start.column)
    if any(value < 0 for value in values) or sum(values) <= 0:
        raise BifError("probabilities must be non-negative with a positive sum", start.line, start.column)
    total = math.fsum(values)
    if abs(total - 1.0) > ROUNDING_TOLERANCE + 1e-12:  # (1 - 0.999 is 0.0010000000000000009 in floats)
        raise BifError(f"the probabilities{combination} sum to {total:.10g}, not 1 (more than the "
                       f"{ROUNDING_TOLERANCE:g} that rounding may leave); correct the row", start.line, start.column)
    return values


def _combination(index: tuple[int, ...], parents: list[BifVariable]) -> str:
    """`` for (a1, b0)``: the parent states of a row, as errors name them (nothing for a variable without parents)."""
    if not parents:
        return ""
    return " for (" + ", ".join(parent.states[k] for parent, k in zip(parents, index)) + ")"


def _default_row(raw: _RawCpd, combo: tuple[int, ...], parents: list[BifVariable], width: int) -> list[float]:
    """The ``default`` row for a combination not listed, or an error."""
    if raw.default is not None:
        return _checked_row(raw.default, width, raw.default_at or raw.child, " of the default row")
    if not parents:
        raise BifError(f"no probabilities given for '{raw.child.text}'", raw.child.line, raw.child.column)
    states = ", ".join(parent.states[k] for parent, k in zip(parents, combo))
    raise BifError(
        f"no probabilities for '{raw.child.text}' given ({states})", raw.child.line, raw.child.column
    )


def parse_bif(text: str) -> BifNetwork:
    """Parse and check BIF text; raise :class:`BifError` when it is malformed."""
    with paused_garbage_collector():
        return _parse_bif(text)


def _parse_bif(text: str) -> BifNetwork:
    parser = _Parser(_tokenize(text))
    parser.parse()
    if not parser.variables:
        last = parser.tokens[-1] if parser.tokens else _Token("", 1, 1)
        what = "the file is empty (or holds only comments)" if not parser.tokens else "no variable is declared"
        raise BifError(f"{what}: a BIF network declares its variables ('variable NAME {{ type discrete ... }}') "
                       "and their probabilities ('probability ( NAME ) { ... }')", last.line, last.column)
    cpds: dict[str, BifCpd] = {}
    for raw in parser.cpds:
        cpd = _check_cpd(raw, parser.variables)
        if cpd.child in cpds:
            raise BifError(f"'{cpd.child}' has two probability blocks", raw.child.line, raw.child.column)
        cpds[cpd.child] = cpd
    for variable in parser.variables.values():
        if variable.name not in cpds:
            raise BifError(f"variable '{variable.name}' has no probability block", variable.line, variable.column)
    network = BifNetwork(parser.name, parser.variables, cpds)
    network.topological_order()
    return network


def read_bif_text(path: str | Path) -> str:
    """The text of a BIF file, gunzipped when it is gzip-compressed."""
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (EOFError, zlib.error) as error:
            raise OSError(f"corrupt gzip data: {error}") from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
