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

import gc
from typing import TYPE_CHECKING

# Importing the package creates thousands of long-lived objects (classes, grammar tables) and no garbage:
# the cyclic collector is paused meanwhile (it would re-scan them all several times) and restored after,
# with those objects moved to the oldest generation (freeze, then unfreeze: two list splices, no scan), so
# that the first collection after the import does not scan them all at once (about 20 ms). Nothing is kept
# from the collector: the oldest generation is still scanned by full collections.
_collecting = gc.isenabled()
gc.disable()
try:
    from causalppl.api import Model, load, loads
    from causalppl.diagnostics import CausalPPLError
    from causalppl.inference.results import Result
finally:
    gc.freeze()
    gc.unfreeze()
    if _collecting:
        gc.enable()

if TYPE_CHECKING:
    from causalppl.fitted import FittedModel

__version__ = "0.1.0"

__all__ = ["load", "loads", "Model", "FittedModel", "Result", "CausalPPLError", "__version__"]


def __getattr__(name: str):
    """``causalppl.FittedModel`` on first use: it imports the Bayesian engines (torch, pyro)."""
    if name == "FittedModel":
        from causalppl.fitted import FittedModel

        return FittedModel
    raise AttributeError(f"module 'causalppl' has no attribute {name!r}")
