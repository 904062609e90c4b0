"""Conditional-independence tests chosen by the variables' types.

* every variable finite -- the G-test (likelihood-ratio chi-square) of
  causal-learn's ``CIT(data, "gsq")``, stratified on the conditioning set;
* every variable numeric (real or int) -- Fisher's z on the partial
  correlation, causal-learn's ``CIT(data, "fisherz")`` (exact for Gaussian
  data, a linear-dependence test otherwise);
* mixed -- a likelihood-ratio test of nested regressions from statsmodels:
  a numeric variable of the pair is regressed by least squares on the
  conditioning set with and without the other (the F test); two finite
  ones, by a multinomial logit (the chi-square of twice the log-likelihood
  gain).  Finite regressors enter one-hot.

causal-learn and statsmodels are the ``check`` extra (``pip install
causalppl[check]``); they are imported when a test runs.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Mapping

import numpy as np


@dataclass(frozen=True)
class TestResult:
    p_value: float
    method: str  # "G-test", "Fisher z", "F test (regression)", "LR test (logit)"


class NotTestable(Exception):
    """The data cannot test this independence (too few units, a constant column, a singular design): the
    reason in words. Never a p-value: a test without information neither supports nor rejects."""


def ci_test(columns: Mapping[str, np.ndarray], levels: Mapping[str, int | None], x: str, y: str,
            given: tuple[str, ...]) -> TestResult:
    """Test ``x _||_ y | given`` on unweighted rows; ``levels[name]`` is None for numeric variables.

    Raises :class:`NotTestable` when the data hold no information on it.
    """
    names = (x, y) + tuple(given)
    units = len(np.asarray(columns[x]))
    for name in (x, y):
        values = np.asarray(columns[name])
        if units and np.all(values == values[0]):
            raise NotTestable(f"{name} takes one value in every unit")
    finite = [levels[name] is not None for name in names]
    if not any(finite) and units <= len(given) + 3:
        raise NotTestable(f"Fisher's z needs more than {len(given) + 3} units here, the data have {units}")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (statsmodels' and numpy's warnings on degenerate data: judged below)
        try:
            if all(finite):
                result = TestResult(_causallearn(columns, names, "gsq"), "G-test")
            elif not any(finite):
                result = TestResult(_causallearn(columns, names, "fisherz"), "Fisher z")
            else:
                result = _regression_test(columns, levels, x, y, tuple(given))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:  # a singular design, mostly
            raise NotTestable(f"the test is undefined on these data ({_first_line(error)})") from None
    if not np.isfinite(result.p_value):
        raise NotTestable(f"the {result.method} statistic is undefined on these data (a constant or collinear "
                          "column)")
    return result


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _causallearn(columns: Mapping[str, np.ndarray], names: tuple[str, ...], method: str) -> float:
    from causallearn.utils.cit import CIT

    data = np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in names])
    test = CIT(data, method)
    return float(test(0, 1, list(range(2, len(names)))))


def _regression_test(columns, levels, x: str, y: str, given: tuple[str, ...]) -> TestResult:
    import statsmodels.api as sm
    from scipy import stats

    target, other = (y, x) if levels[y] is None else (x, y)
    design = _features(columns, levels, given)
    full = np.column_stack([design, _features(columns, levels, (other,), intercept=False)])
    outcome = np.asarray(columns[target], dtype=np.float64)
    if levels[target] is None:
        reduced_fit = sm.OLS(outcome, design).fit()
        full_fit = sm.OLS(outcome, full).fit()
        _, p_value, _ = full_fit.compare_f_test(reduced_fit)
        return TestResult(float(p_value), "F test (regression)")
    model = sm.Logit if levels[target] == 2 else sm.MNLogit
    codes = np.asarray(columns[target]).astype(int)
    reduced_fit = model(codes, design).fit(disp=0, method="newton", maxiter=100)
    full_fit = model(codes, full).fit(disp=0, method="newton", maxiter=100)
    gain = 2.0 * (full_fit.llf - reduced_fit.llf)
    df = (full.shape[1] - design.shape[1]) * max(1, levels[target] - 1)
    return TestResult(float(stats.chi2.sf(max(gain, 0.0), df)), "LR test (logit)")


def _features(columns, levels, names: tuple[str, ...], intercept: bool = True) -> np.ndarray:
    n = len(next(iter(columns.values())))
    parts = [np.ones((n, 1))] if intercept else []
    for name in names:
        values = np.asarray(columns[name])
        if levels[name] is None:
            values = values.astype(np.float64)
            sd = values.std()
            parts.append(((values - values.mean()) / (sd if sd > 0 else 1.0)).reshape(-1, 1))
        else:
            codes = values.astype(int)
            indicators = [(codes == level).astype(np.float64) for level in range(1, levels[name])]
            parts += [column.reshape(-1, 1) for column in indicators if 0 < column.sum() < n]  # absent levels add nothing
    return np.column_stack(parts) if parts else np.empty((n, 0))


__all__ = ["NotTestable", "TestResult", "ci_test"]
