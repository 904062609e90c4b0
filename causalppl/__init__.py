"""causalppl: a probabilistic programming language for structural causal models.

>>> import causalppl as cp
>>> model = cp.loads('''
... model Coin {
...     X ~ Bernoulli(0.3)
...     Y := not X
... }''')
>>> model.query("P(Y = 1)").estimate
0.7
"""

from causalppl.api import Model, load, loads
from causalppl.diagnostics import CausalPPLError
from causalppl.fitted import FittedModel
from causalppl.inference.results import Result

__version__ = "0.1.0"

__all__ = ["load", "loads", "Model", "FittedModel", "Result", "CausalPPLError", "__version__"]
