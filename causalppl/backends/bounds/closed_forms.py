"""Closed-form bounds for two classic settings, usable directly and as test oracles.

* Balke & Pearl (1997): sharp bounds on the average causal effect of a binary
  treatment X on a binary outcome Y with a binary instrument Z, from
  P(X, Y | Z).
* Tian & Pearl (2000): bounds on the probabilities of necessity (PN),
  sufficiency (PS) and necessity-and-sufficiency (PNS) of X=1 for Y=1,
  from the observational P(X, Y) and the experimental P(Y=1 | do(X=x)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Interval = tuple[float, float]


def balke_pearl_ace_bounds(conditional: np.ndarray) -> Interval:
    """Bounds on E[Y | do(X=1)] - E[Y | do(X=0)] from ``conditional[z, x, y] = P(X=x, Y=y | Z=z)``."""
    p = np.asarray(conditional, dtype=float)
    if p.shape != (2, 2, 2):
        raise ValueError(f"expected P(X, Y | Z) with shape (2, 2, 2), got {p.shape}")

    def cell(y: int, x: int, z: int) -> float:
        """Balke and Pearl's p_{yx.z} = P(Y=y, X=x | Z=z)."""
        return float(p[z, x, y])

    lower_terms = []
    upper_terms = []
    for z, other in ((0, 1), (1, 0)):
        lower_terms += [
            cell(1, 1, z) + cell(0, 0, other) - 1,
            cell(1, 1, other) - cell(1, 1, z) - cell(1, 0, z) - cell(0, 1, other) - cell(1, 0, other),
            -cell(0, 1, z) - cell(1, 0, z),
            cell(0, 0, z) - cell(0, 1, z) - cell(1, 0, z) - cell(0, 1, other) - cell(0, 0, other),
        ]
        upper_terms += [
            1 - cell(0, 1, z) - cell(1, 0, other),
            -cell(0, 1, other) + cell(0, 1, z) + cell(0, 0, z) + cell(1, 1, other) + cell(0, 0, other),
            cell(1, 1, z) + cell(0, 0, z),
            -cell(1, 0, z) + cell(1, 1, z) + cell(0, 0, z) + cell(1, 1, other) + cell(1, 0, other),
        ]
    return max(lower_terms), min(upper_terms)


@dataclass(frozen=True)
class CausationBounds:
    """Bounds on the probabilities of causation; NaN where the conditioning event has probability 0."""

    pn: Interval
    ps: Interval
    pns: Interval


def tian_pearl_bounds(joint: np.ndarray, do_y1: np.ndarray) -> CausationBounds:
    """Tian–Pearl bounds from ``joint[x, y] = P(X=x, Y=y)`` and ``do_y1[x] = P(Y=1 | do(X=x))``.

    PN = P(Y[X=0]=0 | X=1, Y=1), PS = P(Y[X=1]=1 | X=0, Y=0),
    PNS = P(Y[X=1]=1, Y[X=0]=0).
    """
    p = np.asarray(joint, dtype=float)
    if p.shape != (2, 2) or np.shape(do_y1) != (2,):
        raise ValueError("expected joint with shape (2, 2) and do_y1 with shape (2,)")
    treated, untreated = float(do_y1[1]), float(do_y1[0])
    p_y = float(p[:, 1].sum())
    pns = (
        max(0.0, treated - untreated, p_y - untreated, treated - p_y),
        min(treated, 1 - untreated, p[1, 1] + p[0, 0], treated - untreated + p[1, 0] + p[0, 1]),
    )
    pn = _ratio_interval(p_y - untreated, (1 - untreated) - p[0, 0], float(p[1, 1]))
    ps = _ratio_interval(treated - p_y, treated - p[1, 1], float(p[0, 0]))
    return CausationBounds(pn=pn, ps=ps, pns=(float(pns[0]), float(pns[1])))


def _ratio_interval(lower_numerator: float, upper_numerator: float, denominator: float) -> Interval:
    if denominator <= 0:
        return (float("nan"), float("nan"))
    with np.errstate(over="ignore"):
        lower, upper = lower_numerator / denominator, upper_numerator / denominator
    return (float(max(0.0, lower)), float(min(1.0, upper)))
