"""IR → the NumPyro program: the Pyro program's structure over JAX (``causalppl compile --backend numpyro``).

Written by the same writer as the Pyro program (:mod:`pyro_codegen`, dialect
:data:`~causalppl.backends.pyro_codegen.NUMPYRO`): the same sites, site names,
identifiers and temporaries; only the imports, the array module and the
runtime helpers (:mod:`numpyro_runtime`) differ.  Generating the source needs
nothing beyond causalppl; loading it needs the optional ``numpyro`` extra.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from typing import Callable

from causalppl.backends.pyro_codegen import NUMPYRO, GeneratedProgram, generate
from causalppl.ir.model import CausalModel

REQUIRED_MODULES = ("jax", "numpyro")


def generate_numpyro(model: CausalModel, data_only: frozenset[str] = frozenset()) -> GeneratedProgram:
    """The NumPyro program of ``model`` (Python source); ``data_only`` as in :func:`pyro_codegen.generate`."""
    return generate(model, NUMPYRO, data_only)


def missing_modules() -> tuple[str, ...]:
    """The modules of the ``numpyro`` extra that are not installed (empty when the backend can run)."""
    return tuple(name for name in REQUIRED_MODULES if importlib.util.find_spec(name) is None)


def compiled_numpyro_program(model: CausalModel, data_only: frozenset[str] = frozenset()) -> Callable:
    """The model's NumPyro ``model`` function, generated and loaded once per model."""
    return _compiled(model, frozenset(data_only))


@lru_cache(maxsize=64)
def _compiled(model: CausalModel, data_only: frozenset[str]) -> Callable:
    return generate_numpyro(model, data_only).load()
