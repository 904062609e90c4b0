"""Source spans, diagnostics and the one renderer every error goes through.

Every user-facing error of the toolchain is a :class:`Diagnostic` carrying a
:class:`Span`; :class:`CausalPPLError` bundles one or more of them.  The
renderer prints them the way Stan and compilers do::

    model.scm:4:5: error: unknown variable 'Tarr' (did you mean 'Tar'?)
        Cancer : bool <- Tarr
                         ^~~~
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Literal, Sequence

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Span:
    """A region of a source text: 1-based line and column, inclusive start, exclusive end."""

    filename: str
    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def unknown(filename: str = "<input>") -> "Span":
        return Span(filename, 0, 0, 0, 0)

    @property
    def is_known(self) -> bool:
        return self.line > 0

    def __str__(self) -> str:
        if not self.is_known:
            return self.filename
        return f"{self.filename}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One message about a place in a source text."""

    span: Span
    message: str
    severity: Severity = "error"
    hint: str | None = None


@dataclass
class CausalPPLError(Exception):
    """A user mistake: one or more diagnostics, rendered together.

    ``sources`` maps filenames to their text so the renderer can show the
    offending line with a caret.
    """

    diagnostics: Sequence[Diagnostic]
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.render())

    def __reduce__(self):  # picklable, so that errors in worker processes and Ray tasks come back whole
        return (type(self), (list(self.diagnostics), dict(self.sources)))

    @staticmethod
    def at(span: Span, message: str, hint: str | None = None, source: str | None = None) -> "CausalPPLError":
        sources = {span.filename: source} if source is not None else {}
        return CausalPPLError([Diagnostic(span, message, "error", hint)], sources)

    def render(self) -> str:
        return render_all(self.diagnostics, self.sources)

    def __str__(self) -> str:
        return self.render()


class CausalPPLWarning(UserWarning):
    """Something accepted but probably not meant (a data column the model ignores): a rendered diagnostic.

    The command line prints it as ``file: warning: message`` on stderr; in
    Python it is an ordinary :class:`UserWarning` (filter it with the
    :mod:`warnings` module).
    """

    def __init__(self, diagnostic: Diagnostic | str, source: str | None = None) -> None:
        # A str: the rendered text alone, as when a warning is rebuilt in another process (pytest-xdist).
        self.diagnostic = diagnostic if isinstance(diagnostic, Diagnostic) else None
        super().__init__(diagnostic if isinstance(diagnostic, str) else render(diagnostic, source))


def render(diagnostic: Diagnostic, source: str | None) -> str:
    """``file:line:col: severity: message``, then the source line and a caret.

    Every piece that may hold text the user wrote (a file name, a cell value,
    a source line) is passed through :func:`printable`, so a message never
    sends a terminal escape sequence.
    """
    lines = [f"{printable(str(diagnostic.span))}: {diagnostic.severity}: {printable(diagnostic.message)}"]
    excerpt = _excerpt(diagnostic.span, source)
    if excerpt:
        lines.extend(excerpt)
    if diagnostic.hint:
        lines.append(f"    hint: {printable(diagnostic.hint)}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic], sources: dict[str, str]) -> str:
    return "\n".join(render(d, sources.get(d.span.filename)) for d in diagnostics)


def _excerpt(span: Span, source: str | None) -> list[str]:
    if source is None or not span.is_known:
        return []
    source_lines = [line.removesuffix("\r") for line in source.split("\n")]
    if not 1 <= span.line <= len(source_lines):
        return []
    raw = source_lines[span.line - 1].replace("\t", " ")
    start = min(max(span.column - 1, 0), len(raw))
    end = span.end_column - 1 if span.end_line == span.line else len(raw)
    before, inside = printable(raw[:start]), printable(raw[start:max(end, start)])
    width = max(len(inside), 1)
    caret = " " * len(before) + "^" + "~" * (width - 1)
    return ["    " + printable(raw), "    " + caret.rstrip()]


# ------------------------------------------------------ printable text ----

#: Unicode categories shown escaped: control characters, format characters (bidirectional overrides,
#: zero-width marks, the byte-order mark) and line/paragraph separators.
_UNPRINTABLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def printable(text: str) -> str:
    """``text`` with control and invisible formatting characters escaped (``\\x1b``, ``\\u202e``).

    Everything printed to a terminal that may contain user text (file names,
    data cells, source lines, query texts) goes through here, so no escape
    sequence reaches the terminal.

    >>> printable("ok \\x1b[31mred\\x1b[0m\\u202e")
    'ok \\\\x1b[31mred\\\\x1b[0m\\\\u202e'
    """
    if text.isprintable():
        return text
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    if unicodedata.category(char) not in _UNPRINTABLE_CATEGORIES:
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown_value(value: object, limit: int = 40) -> str:
    """A short, escaped ``repr`` of a value the user supplied (a data cell, an option), for messages.

    >>> shown_value("x" * 100, limit=12)
    "'xxxxxxx...'"
    """
    text = printable(repr(value))
    if len(text) <= limit:
        return text
    quote = text[0] if text[:1] in ("'", '"') else ""
    return text[: limit - 3 - len(quote)] + "..." + quote


# ------------------------------------------------------------ suggestions ----


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to ``name`` (difflib ratio ≥ 0.6, else a case-insensitive match), or None."""
    candidates = list(candidates)
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not matches:
        lowered = {candidate.lower(): candidate for candidate in candidates}
        return lowered.get(name.lower())
    return matches[0]


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a candidate is close to ``name``, else the empty string."""
    suggestion = closest(name, candidates)
    return f" (did you mean '{suggestion}'?)" if suggestion else ""


# ------------------------------------------------- the caller's language ----

#: Options whose command-line flag is not ``--`` plus the keyword with dashes.
CLI_FLAGS = {"num_chains": "--chains", "num_warmup": "--warmup", "num_samples": "--draws", "num_steps": "--steps",
             "jit_compile": "--jit", "ray_address": "--ray"}
_interface: contextvars.ContextVar[str] = contextvars.ContextVar("causalppl_interface", default="python")


@contextlib.contextmanager
def speaking(interface: str) -> Iterator[None]:
    """Within this block, messages name options as ``interface`` ("cli" or "python") spells them."""
    token = _interface.set(interface)
    try:
        yield
    finally:
        _interface.reset(token)


def spell_option(name: str, value: object = None) -> str:
    """An option as the caller writes it: ``--method mc`` on the command line, ``method="mc"`` in Python.

    >>> spell_option("method", "mc")
    'method="mc"'
    >>> with speaking("cli"):
    ...     spell_option("num_chains", 2)
    '--chains 2'
    """
    if _interface.get() == "cli":
        flag = CLI_FLAGS.get(name, "--" + name.replace("_", "-"))
        return flag if value is None else f"{flag} {value}"
    if value is None:
        return name
    return f'{name}="{value}"' if isinstance(value, str) else f"{name}={value}"


def spell_methods(*methods: str) -> str:
    """``--method a``, ``--method b`` or ``c`` in the caller's language (for hints)."""
    spelled = [spell_option("method", m) for m in methods]
    return spelled[0] if len(spelled) == 1 else ", ".join(spelled[:-1]) + " or " + spelled[-1]
