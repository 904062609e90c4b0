"""Stage 1 of the compiler: source text → abstract syntax tree."""

from causalppl.syntax.parser import (
    parse_assignments,
    parse_declaration,
    parse_program,
    parse_query,
)

__all__ = ["parse_program", "parse_query", "parse_assignments", "parse_declaration"]
