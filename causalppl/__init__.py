"""causalppl: a probabilistic programming language for causal models."""

__version__ = "0.1.0"
