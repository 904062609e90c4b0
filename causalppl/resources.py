"""Locating the files that ship with the package: the grammar and the stdlib.

In an installed wheel they live inside the package (``causalppl/grammar``,
``causalppl/stdlib``); in a source checkout they are the top-level
``grammar/`` and ``stdlib/`` folders.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"causalppl is installed without its {name}/ folder")


def grammar_path() -> Path:
    return _resource_dir("grammar") / "causalppl.lark"


@lru_cache(maxsize=1)
def grammar_text() -> str:
    return grammar_path().read_text(encoding="utf-8")


def stdlib_dir() -> Path:
    return _resource_dir("stdlib")


def stdlib_models() -> list[str]:
    """Names of the models shipped in the standard library (``stdlib:NAME``)."""
    return sorted(path.stem for path in stdlib_dir().glob("*.scm"))
