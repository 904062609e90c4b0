"""Stage 4 of the compiler: pure IR → IR transformations (do-surgery, counterfactual worlds)."""

from causalppl.transforms.do import InterventionError, do

__all__ = ["do", "InterventionError"]
