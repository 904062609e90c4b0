"""numpy, networkx, torch and pyro on first use: what a command never touches, it never imports.

The front end (``check``, ``graph``, ``compile``) imports numpy only when a
model has tables; the exact engine imports torch only when a mechanism is
evaluated on a grid (a network of tables needs none), and pyro's handlers
only when a program runs.

``from causalppl.lazy import numpy as np`` gives a stand-in module. Its first
attribute lookup imports numpy and puts the real module in the stand-in's
place: every module of the package whose name for it (``np``) still holds
the stand-in is given the real module, and so is this module's own name,
which later imports receive. From then on ``np.zeros`` is the plain lookup
of ``import numpy as np``, and the package's modules hold the real module
(patching ``numpy.zeros`` in a test reaches them; pickling a function that
names it pickles a module reference). A stand-in held elsewhere forwards
each lookup to the real module. A model with no probability tables and no
data never imports numpy at all (about 80 ms of a command's start-up, see
bench/startup.py).

>>> from causalppl.lazy import numpy as np
>>> np.zeros(2).tolist(), isinstance(np.ones(1), np.ndarray)
([0.0, 0.0], True)
"""

from __future__ import annotations

import importlib
import sys
import types

PACKAGE = "causalppl"


class LazyModule(types.ModuleType):
    """A module imported on its first attribute lookup, then put in the stand-in's place."""

    def __getattr__(self, attribute: str):
        module = importlib.import_module(self.__name__)
        _replace(self, module)
        return getattr(module, attribute)


def _replace(stand_in: LazyModule, module: types.ModuleType) -> None:
    """Give ``module`` to every name of the package's loaded modules that holds ``stand_in``."""
    for name, loaded in list(sys.modules.items()):
        if name != PACKAGE and not name.startswith(PACKAGE + "."):
            continue
        namespace = getattr(loaded, "__dict__", None)
        if namespace is None:
            continue
        for key, value in list(namespace.items()):
            if value is stand_in:
                namespace[key] = module


numpy = LazyModule("numpy")
torch = LazyModule("torch")  # about 2 s of a command's start-up
networkx = LazyModule("networkx")  # about 0.2 s: only graph algorithms beyond the IR's own need it
poutine = LazyModule("pyro.poutine")  # pyro and torch

__all__ = ["LazyModule", "networkx", "numpy", "poutine", "torch"]
