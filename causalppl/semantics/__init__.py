"""Stage 2 of the compiler: names, types and model rules, all errors collected."""

from causalppl.semantics.checker import (
    CheckedModel,
    CheckedProgram,
    DataSpec,
    check_program,
    check_query,
)
from causalppl.semantics.lower import build_model

__all__ = ["check_program", "check_query", "CheckedProgram", "CheckedModel", "DataSpec", "build_model"]
