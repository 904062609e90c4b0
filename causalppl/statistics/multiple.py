"""Multiple-testing control: Holm's step-down (family-wise error) or Benjamini-Hochberg (false discovery rate).

The adjustment itself is statsmodels' ``multipletests`` (the ``check``
extra), imported when used.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

#: The corrections a caller may ask for, by their names in statsmodels.
CORRECTIONS = {"holm": "holm", "bh": "fdr_bh", "none": None}


def adjust(p_values: Sequence[float], correction: str, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values and which hypotheses are rejected at ``alpha`` under ``correction``."""
    values = np.asarray(p_values, dtype=np.float64)
    if values.size == 0:
        return values, np.zeros(0, dtype=bool)
    method = CORRECTIONS[correction]
    if method is None:
        return values, values <= alpha
    from statsmodels.stats.multitest import multipletests

    rejected, adjusted, _, _ = multipletests(values, alpha=alpha, method=method)
    return adjusted, rejected


__all__ = ["CORRECTIONS", "adjust"]
