"""Per-row queries: a question asked of every unit of a table at once (``causalppl score``).

A query whose evidence names variables without values
(``P(Y[X = 0] = 0 | X, Y)``, ``E[Y | do(X = 1), Age, Sex]``) takes each
row's values.  Modules, in the order they run:

1. :mod:`.leaf` — one leaf for a batch of rows: a factual leaf on a finite model through the
   compiled network (:mod:`.compiled`), exact contraction of distinct evidence rows of the
   twin network (through the adapter :mod:`.evidence`), exact Gaussian abduction in one solve,
   or abduction draws for rows × draws;
2. :mod:`.answer` — the query's arithmetic row by row; learned models: posterior draws × rows;
3. :mod:`.values` — per-row estimates, their arithmetic, and the output columns.

Chunks of a file, processes and Ray live in :mod:`causalppl.inference.scale`.
"""

from causalppl.inference.rows.answer import answer_rows, answer_rows_learned
from causalppl.inference.rows.values import RowEstimate, RowValues

__all__ = ["answer_rows", "answer_rows_learned", "RowEstimate", "RowValues"]
