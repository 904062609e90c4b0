"""Locating the files that ship with the package (the grammar and the stdlib), and sparing memory work.

In an installed wheel they live inside the package (``causalppl/grammar``,
``causalppl/stdlib``); in a source checkout they are the top-level
``grammar/`` and ``stdlib/`` folders.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

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


@contextmanager
def paused_garbage_collector() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a front-end stage builds its (acyclic) trees.

    A large model makes hundreds of thousands of small frozen objects at once; each allocation burst
    would otherwise set off full collections that re-scan everything built so far. Nothing the
    front end builds holds a reference cycle, so reference counting frees it all the same.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
