"""Names of the language for converted networks: sanitizing identifiers and keeping them unique."""

from __future__ import annotations

import itertools
from typing import Sequence

from causalppl.syntax.reserved import RESERVED_WORDS

#: Prefix put before a variable name that starts with a digit.
VARIABLE_PREFIX = "V"
#: Prefix put before a level name that starts with a digit.
LEVEL_PREFIX = "L"


def sanitize_identifier(name: str, prefix: str = VARIABLE_PREFIX) -> str:
    """Turn a BIF name into an identifier of the language, deterministically.

    Every character outside ``[A-Za-z0-9_]`` becomes ``_``; a name that starts
    with a digit (or is empty) gets ``prefix`` in front (``V`` for variables,
    ``L`` for levels); a reserved word gets a trailing ``_``.

    >>> sanitize_identifier("0-3_days", LEVEL_PREFIX)
    'L0_3_days'
    >>> sanitize_identifier("data")
    'data_'
    """
    text = "".join(c if _is_identifier_char(c) else "_" for c in name)
    if not text or text[0].isdigit():
        text = prefix + text
    if text in RESERVED_WORDS:
        text += "_"
    return text


def _is_identifier_char(char: str) -> bool:
    """Whether ``char`` may appear in an identifier (ASCII letters, digits, ``_``)."""
    return char.isascii() and (char.isalnum() or char == "_")


def unique_names(names: Sequence[str], prefix: str) -> dict[str, str]:
    """Sanitize ``names`` in order; a clash gets the first free ``_2``, ``_3``... suffix."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = sanitize_identifier(name, prefix)
        candidate = base
        for counter in itertools.count(2):
            if candidate not in used:
                break
            candidate = f"{base}_{counter}"
        mapping[name] = candidate
        used.add(candidate)
    return mapping
