"""Stage 2 of the compiler: names, types and model rules, all errors collected."""

from causalppl.semantics.checker import CheckedModel, CheckedProgram, DataSpec, check_program, check_query
from causalppl.semantics.types import BOOL, INT, REAL, Domain

__all__ = ["check_program", "check_query", "CheckedProgram", "CheckedModel", "DataSpec", "Domain", "BOOL", "INT", "REAL"]
