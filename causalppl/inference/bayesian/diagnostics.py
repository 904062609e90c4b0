"""Convergence diagnostics of a fit: arviz InferenceData, R-hat, bulk/tail ESS, divergences.

The summary dictionary has the same keys for every method; a statistic
that does not apply (R-hat of a single chain, divergences outside MCMC) is
None.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from causalppl.inference.bayesian.runs import SamplerRun


def inference_data(run: SamplerRun, method: str) -> Any:
    """The draws as ``arviz.InferenceData`` (posterior, and sample_stats for MCMC)."""
    data = draws_inference_data(run.draws, method, run.divergences)
    if "loss" in run.statistics:
        data.posterior.attrs["final_elbo"] = final_elbo(run.statistics["loss"])
    return data


def draws_inference_data(draws: dict, method: str, divergences: np.ndarray | None = None) -> Any:
    az = _arviz()
    posterior = {name: values.to("cpu").double().numpy() for name, values in draws.items()}
    sample_stats = {"diverging": divergences} if divergences is not None else None
    data = az.from_dict(posterior=posterior, sample_stats=sample_stats)
    data.posterior.attrs["inference_method"] = method
    return data


def independent_summary(run: SamplerRun) -> dict[str, Any]:
    """The summary of exact, independent draws (conjugate or prior): every draw is effective."""
    total = run.num_chains * run.draws_per_chain
    return {"max_rhat": None, "min_ess_bulk": float(total), "min_ess_tail": float(total), "divergences": None,
            "num_chains": run.num_chains, "num_samples": total}


def summarize(run: SamplerRun, data: Any) -> dict[str, Any]:
    """``max_rhat``, ``min_ess_bulk``, ``min_ess_tail``, ``divergences``, ``num_chains``, ``num_samples``."""
    az = _arviz()
    multiple_chains = run.num_chains > 1
    summary: dict[str, Any] = {
        "max_rhat": _extreme(az.rhat(data), max) if multiple_chains and run.draws else None,
        "min_ess_bulk": _extreme(az.ess(data, method="bulk"), min) if run.draws else None,
        "min_ess_tail": _extreme(az.ess(data, method="tail"), min) if run.draws else None,
        "divergences": int(run.divergences.sum()) if run.divergences is not None else None,
        "num_chains": run.num_chains,
        "num_samples": run.num_chains * run.draws_per_chain,
    }
    if "loss" in run.statistics:
        summary["final_elbo"] = final_elbo(run.statistics["loss"])
        summary["num_steps"] = int(run.statistics["num_steps"])
        summary["batch_size"] = run.statistics.get("batch_size")
    return summary


def final_elbo(losses: np.ndarray) -> float:
    """The ELBO averaged over the last tenth of the steps (single steps are noisy)."""
    tail = losses[-max(1, len(losses) // 10):]
    return -float(np.mean(tail))


def save_trace(data: Any, path: str) -> Path:
    """Write the InferenceData as NetCDF."""
    target = Path(path)  # checked when the option was given: the folder exists (it is never created)
    data.to_netcdf(str(target))
    return target


def _extreme(dataset: Any, pick) -> float | None:
    values = [float(v) for name in dataset.data_vars for v in np.ravel(dataset[name].values)]
    values = [v for v in values if math.isfinite(v)]
    return pick(values) if values else None


def _arviz():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz

    return arviz
