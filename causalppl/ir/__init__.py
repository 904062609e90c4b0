"""The middle of the compiler: the one vocabulary every later stage speaks.

Domains (:mod:`~causalppl.ir.types`), distribution families
(:mod:`~causalppl.ir.families`), resolved expressions
(:mod:`~causalppl.ir.expressions`), the closed union of mechanisms
(:mod:`~causalppl.ir.mechanisms`), the causal model
(:mod:`~causalppl.ir.model`) and checked queries
(:mod:`~causalppl.ir.queries`).  The semantic stage lowers checked ASTs
into these; transforms, backends and inference read nothing else.
"""

from causalppl.ir.model import CausalModel, Confounder, Variable

__all__ = ["CausalModel", "Variable", "Confounder"]
