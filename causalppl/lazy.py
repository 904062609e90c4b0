"""numpy, networkx, torch and pyro on first use: what a command never touches, it never imports.

The front end (``check``, ``graph``, ``compile``) imports numpy only when a
model has tables; the exact engine imports torch only when a mechanism is
evaluated on a grid (a network of tables needs none), and pyro's handlers
only when a program runs.

``from causalppl.lazy import numpy as np`` gives a stand-in module. Its first
attribute lookup imports numpy and copies numpy's namespace into the
stand-in, so every later lookup is a plain dictionary hit with no cost over
``import numpy as np``. A model with no probability tables and no data never
imports numpy at all (about 80 ms of a command's start-up, see
bench/startup.py).

>>> from causalppl.lazy import numpy as np
>>> np.zeros(2).tolist(), isinstance(np.ones(1), np.ndarray)
([0.0, 0.0], True)
"""

from __future__ import annotations

import importlib
import types


class LazyModule(types.ModuleType):
    """A module imported on its first attribute lookup."""

    def __getattr__(self, attribute: str):
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)  # later lookups hit the instance dict, not this method
        return getattr(module, attribute)


numpy = LazyModule("numpy")
torch = LazyModule("torch")  # about 2 s of a command's start-up
networkx = LazyModule("networkx")  # about 0.2 s: only graph algorithms beyond the IR's own need it
poutine = LazyModule("pyro.poutine")  # pyro and torch

__all__ = ["LazyModule", "networkx", "numpy", "poutine", "torch"]
