"""What the data did to an answer: missing cells per column, how they were handled, rows left out.

Every answer computed with data carries ``diagnostics["missing_cells"]``
(column → missing cells as read, for columns with some) and
``diagnostics["missing"]`` (the setting: model, drop or error), and notes:
the rows that loading left out (``missing=drop``, missing covariates), and
how the answering engine treated the missing cells -- by the likelihood
(values missing at random), or as complete cases (identification and bounds
read the data as a table of counts over complete rows, which assumes values
missing completely at random).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from causalppl.inference.results import Result

#: Engines that read the data as a table of counts over complete rows.
COMPLETE_CASE_ENGINES = ("identification", "bounds", "bayesian-bounds", "identification-estimate", "bounds-estimate")
#: Engines whose likelihood handles missing cells.
LIKELIHOOD_ENGINES = ("bayesian", "bayesian-large", "counterfactual-learned", "counterfactual-learned-large")


def data_report(result: Result, engine: str, data: Any) -> Result:
    """The result with the data's missing cells per column (``diagnostics["missing_cells"]``) and how
    they were handled, and what loading left out, in its notes."""
    if data is None or not data.blocks:
        return result
    notes = list(data.left_out)
    cells = data.missing_cells
    diagnostics = dict(result.diagnostics or {})
    if cells:
        diagnostics["missing_cells"] = cells
        diagnostics["missing"] = data.missing_mode
    if data.has_missing and engine in COMPLETE_CASE_ENGINES:
        notes.append(missing_complete_cases(data))
    elif data.has_missing and engine in LIKELIHOOD_ENGINES and not (result.method == "prior"):
        notes.append("missing values are handled by the likelihood (assumed missing at random: missingness may "
                     "depend on observed values, not on the missing ones)")
    if not notes and diagnostics == (result.diagnostics or {}):
        return result
    return replace(result, diagnostics=diagnostics or None, notes=tuple(result.notes) + tuple(notes))


def missing_complete_cases(data: Any) -> str:
    rows = sum(int(np.logical_or.reduce(list(block.missing.values())).sum()) for block in data.blocks if block.missing)
    return (f"complete cases: rows missing a value this engine reads are left out ({rows} row{'s' * (rows != 1)} "
            "miss some value); this assumes the values are missing completely at random")


__all__ = ["data_report", "COMPLETE_CASE_ENGINES", "LIKELIHOOD_ENGINES"]
