"""Posterior predictive checks of a Bayesian fit, one per observed variable (``check --ppc``).

The model is fitted to the data as ``run`` would (conjugate updates where
exact, else NUTS); for ``PPC_DRAWS`` posterior draws a replicate data set
of the data's size is simulated from the model with that draw's unknowns,
and each observed variable's statistics -- mean and standard deviation of a
numeric variable, the frequency of each level of a finite one -- are
compared with the data's: the posterior predictive p-value is the share of
replicates whose statistic reaches the observed one, taken two-sided.  A
check *fails* when its p-value is below ``alpha`` divided by the number of
checks.  ``plot`` draws arviz's ``plot_ppc`` (observed against replicated
distributions) per variable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from causalppl.data import DataCollection
from causalppl.diagnostics import CausalPPLError, Span
from causalppl.inference.bayesian import fit
from causalppl.inference.checking.implications import CheckReport
from causalppl.inference.estimate.montecarlo import forward_samples
from causalppl.inference.options import Options
from causalppl.ir.model import CausalModel

PPC_DRAWS = 100


@dataclass(frozen=True)
class PredictiveCheck:
    variable: str
    statistic: str  # "mean", "sd", or "P(level)"
    observed: float
    replicated_mean: float
    p_value: float  # two-sided posterior predictive p-value
    failed: bool

    def to_json(self) -> dict[str, Any]:
        return {"variable": self.variable, "statistic": self.statistic, "observed": self.observed,
                "replicated_mean": self.replicated_mean, "p_value": self.p_value, "failed": self.failed}


def posterior_predictive_checks(model: CausalModel, report: CheckReport, options: Options,
                                plot: str | None = None) -> CheckReport:
    """``report`` with the posterior predictive checks of the model's fit to ``options.data`` added."""
    data: DataCollection = options.data
    blocks = data.observational
    if not blocks:
        raise CausalPPLError.at(Span.unknown("<check>"), "posterior predictive checks need observational rows")
    observed = {v.name: np.concatenate([np.asarray(b.columns[v.name]) for b in blocks]) for v in model.observables}
    weights = np.concatenate([b.weights for b in blocks])
    n = int(round(weights.sum()))
    posterior = fit(model, DataCollection(tuple(blocks)), "nuts", options, conjugate=True)
    replicates = []
    for index, known in enumerate(posterior.models(PPC_DRAWS)):
        seed = None if options.seed is None else options.seed + index
        simulated = forward_samples(known, n, seed)
        replicates.append({name: simulated[name].detach().cpu().numpy() for name in observed})
    checks = []
    for variable in model.observables:
        for label, statistic in _statistics(variable):
            value = statistic(observed[variable.name], weights)
            draws = np.array([statistic(rep[variable.name], np.ones(n)) for rep in replicates])
            upper = float(np.mean(draws >= value))
            lower = float(np.mean(draws <= value))
            checks.append((variable.name, label, float(value), float(draws.mean()), min(1.0, 2 * min(upper, lower))))
    threshold = report.alpha / max(1, len(checks))
    predictive = tuple(PredictiveCheck(name, label, value, mean, p, p < threshold)
                       for name, label, value, mean, p in checks)
    if plot:
        _plot(observed, weights, replicates, plot)
    notes = report.notes + (f"posterior predictive checks: {len(replicates)} replicate data sets from the "
                            f"{posterior.method} posterior; a check fails below p = {threshold:.2g} "
                            f"(alpha / {len(checks)} checks)",)
    return replace(report, predictive=predictive, notes=notes)


def _statistics(variable):
    if variable.domain.is_finite:
        return [(f"P({label})", _frequency(level)) for level, label in enumerate(variable.domain.labels)]
    return [("mean", _mean), ("sd", _sd)]


def _frequency(level: int):
    return lambda values, weights: float(np.sum(weights * (np.asarray(values) == level)) / np.sum(weights))


def _mean(values, weights) -> float:
    return float(np.sum(weights * values) / np.sum(weights))


def _sd(values, weights) -> float:
    mean = _mean(values, weights)
    return float(np.sqrt(np.sum(weights * (np.asarray(values, dtype=float) - mean) ** 2) / np.sum(weights)))


def _plot(observed, weights, replicates, path: str) -> None:
    import arviz as az
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    repeats = np.round(weights).astype(int)
    data = {name: np.repeat(values, repeats) for name, values in observed.items()}
    predictive = {name: np.stack([rep[name] for rep in replicates])[None] for name in observed}
    idata = az.from_dict(posterior_predictive=predictive, observed_data=data)
    axes = az.plot_ppc(idata, num_pp_samples=min(50, len(replicates)))
    figure = np.ravel(axes)[0].figure
    figure.savefig(path, bbox_inches="tight")
    plt.close(figure)


__all__ = ["PredictiveCheck", "posterior_predictive_checks"]
