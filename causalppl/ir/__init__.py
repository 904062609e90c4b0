"""Stage 3 of the compiler: the causal model as a typed graph."""

from causalppl.ir.build import build_model
from causalppl.ir.model import CausalModel, Confounder, Variable

__all__ = ["CausalModel", "Variable", "Confounder", "build_model"]
