"""The messages of the syntax stage: one function per kind of mistake, so a mistake has the same words everywhere.

The hand-written parser (:mod:`causalppl.syntax.descent`), Lark's reference
parse (:mod:`causalppl.syntax.transformer`) and the translation of Lark's
syntax errors (:mod:`causalppl.syntax.parser`) all word their errors here.
Each function returns a :class:`~causalppl.diagnostics.Diagnostic`;
:func:`located` makes the error to raise, with the source text for the caret.

>>> from causalppl.diagnostics import Span
>>> print(located(reserved_word(Span("m.scm", 2, 3, 2, 5), "if"), "model M {\\n  if ~ Normal(0, 1)\\n}"))
m.scm:2:3: error: 'if' is a reserved word; choose another name
      if ~ Normal(0, 1)
      ^~
"""

from __future__ import annotations

import re
from decimal import Decimal

from causalppl.diagnostics import CausalPPLError, Diagnostic, Span


def error(span: Span, message: str, hint: str | None = None) -> Diagnostic:
    """An error at ``span`` (the functions below build theirs with it)."""
    return Diagnostic(span, message, "error", hint)


def located(diagnostic: Diagnostic, source: str | None) -> CausalPPLError:
    """The error to raise for ``diagnostic``, with the source text it points into."""
    sources = {diagnostic.span.filename: source} if source is not None else {}
    return CausalPPLError([diagnostic], sources)


# ---------------------------------------------- what the grammar accepts ----


def reserved_word(span: Span, word: str) -> Diagnostic:
    """A reserved word declared as a name."""
    return error(span, f"'{word}' is a reserved word; choose another name")


def second_model_block(span: Span) -> Diagnostic:
    return error(span, "a file holds one model block; this is the second")


def bad_parameter_size(span: Span) -> Diagnostic:
    return error(span, "a parameter's size must be a whole number of at least 1")


def level_listed_twice(span: Span, level: str) -> Diagnostic:
    return error(span, f"level '{level}' is listed twice")


#: The largest integer a level label may be (in size): queries, ``do`` and data give numbers as 64-bit floats,
#: which tell every integer apart only up to 2^53.
LARGEST_INTEGER_LABEL = 2 ** 53


def integer_label_problem(label: str) -> str | None:
    """What is wrong with a level label written as a number (None: an integer written plainly, e.g. ``7``, ``-1``).

    Labels are names or integers; an integer label is matched by its number in queries, ``do`` and data
    (``P(Dose = 7)``), so it is written as numbers are read: no decimal point, exponent or leading zeros.

    >>> integer_label_problem("-12"), integer_label_problem("1.5"), integer_label_problem("007")
    (None, 'fraction', 'notation')
    >>> integer_label_problem("1e400"), integer_label_problem("1e-400"), integer_label_problem("2.0")
    ('size', 'fraction', 'notation')
    """
    digits = label[1:] if label.startswith("-") else label
    if digits.isdigit() and (digits == "0" or not digits.startswith("0")) and label != "-0":
        return None if int(label) <= LARGEST_INTEGER_LABEL and -int(label) <= LARGEST_INTEGER_LABEL else "size"
    number = Decimal(label)  # exactly as written: 1e-400 is a fraction and 1e400 an integer, not 0.0 and inf
    if number != number.to_integral_value():
        return "fraction"
    return "size" if abs(number) > LARGEST_INTEGER_LABEL else "notation"


def bad_numeric_level(span: Span, label: str, problem: str) -> Diagnostic:
    """A level label written as a number that is no plainly written integer (``problem``: see above)."""
    if problem == "fraction":
        named = "L" + re.sub(r"[^0-9A-Za-z]", "_", label.lstrip("-"))
        return error(span, f"level label '{label}' is not a whole number; levels are names (low) or integers (1, -1)",
                     f"name the level (e.g. {named}), or declare the variable real if its values are numbers")
    if problem == "size":
        return error(span, f"level label '{label}' is too large: an integer label is at most 2^53 "
                           f"({LARGEST_INTEGER_LABEL}) in size, so that queries and data can tell it from its "
                           "neighbours", "name the level instead (e.g. L" + label.lstrip("-") + ")")
    return error(span, f"level label '{label}' must be written as the integer {int(float(label))}",
                 "an integer label is written as queries and data write the number: no decimal point, exponent "
                 "or leading zero")


def unknown_query(span: Span, function: str, bracket: str) -> Diagnostic:
    """A query function other than ``P(...)`` and ``E[...]`` (``bracket``: how it was opened)."""
    return error(span, f"unknown query '{function}{bracket}'; queries are P(...) and E[...]")


def nested_too_deeply(span: Span, limit: int) -> Diagnostic:
    """An expression deeper than the parser's limit (the generated Python nests one bracket per level)."""
    return error(span, f"this expression is nested too deeply (more than {limit} levels)",
                 "each operator, call, vector and index is one level, and a sum of N terms is N - 1: "
                 "split it with intermediate variables (S := ...) or queries")


# --------------------------------------------------------- syntax errors ----


def unexpected_character(span: Span, char: str, hint: str | None = None) -> Diagnostic:
    return error(span, f"unexpected character {char!r}", hint)


def unexpected(span: Span, found: str, expected: str, hint: str | None = None) -> Diagnostic:
    """An unexpected token (``found``: e.g. ``')'`` or "end of the line"; ``expected``: words, or empty)."""
    return error(span, f"unexpected {found}" + (f"; expected {expected}" if expected else ""), hint)


def reserved_word_here(span: Span, word: str, hint: str | None = None) -> Diagnostic:
    """A reserved word where the grammar takes none."""
    return error(span, f"'{word}' is a reserved word and cannot be used here", hint)


def unexpected_end_of_input(span: Span, hint: str | None = None) -> Diagnostic:
    return error(span, "unexpected end of input", hint)


def syntax_error(span: Span, hint: str | None = None) -> Diagnostic:
    return error(span, "syntax error", hint)


def unclosed_bracket_hint(bracket: str, line: int, column: int) -> str:
    """The hint of a syntax error after a bracket that is never closed."""
    return f"the {bracket!r} opened at line {line}, column {column} is never closed"


def chained_comparison_hint() -> str:
    """The hint of a syntax error at a second comparison operator."""
    return "comparisons cannot be chained; write 'a < b and b < c'"
