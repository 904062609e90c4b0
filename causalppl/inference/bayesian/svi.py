"""Stochastic variational inference over the data likelihood, with a progress bar of the ELBO.

The guide is AutoNormal (default) or AutoMultivariateNormal over the
continuous sites; discrete latent variables are enumerated in the model
(TraceEnum_ELBO) and hidden from the guide.  On large data the ``units``
plate is subsampled (``batch_size`` rows per step; by default 10,000 rows
once the data has more than 100,000).  Posterior draws are then taken from
the fitted guide.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Callable, Iterator

import numpy as np
import pyro
import torch
from pyro import poutine
from pyro.infer import (
    SVI,
    JitTrace_ELBO,
    JitTraceEnum_ELBO,
    Trace_ELBO,
    TraceEnum_ELBO,
    config_enumerate,
)
from pyro.infer.autoguide import AutoMultivariateNormal, AutoNormal
from pyro.optim import ClippedAdam
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from causalppl.inference.bayesian.likelihood import Likelihood
from causalppl.inference.bayesian.runs import SamplerRun, stack_chains
from causalppl.inference.bayesian.settings import FitSettings, default_batch_size

MAX_PLATE_NESTING = 1
FINAL_DECAY = 0.1  # the learning rate ends at this fraction of its start
PROGRESS_UPDATES = 200


def run_svi(likelihood: Likelihood, sites: tuple[str, ...], settings: FitSettings) -> SamplerRun:
    batch_size = default_batch_size(likelihood.n_units, settings.batch_size, settings.device)
    model = config_enumerate(likelihood.subsampled(batch_size))
    guide = _guide(model, settings.guide)
    if settings.seed is not None:
        pyro.set_rng_seed(settings.seed)
    pyro.clear_param_store()
    svi = SVI(model, guide, _optimizer(settings), _elbo(model, settings.jit_compile))
    losses = _optimize(svi, settings)
    with torch.no_grad():
        draws = [guide() for _ in range(settings.num_samples)]
    chain = {name: torch.stack([draw[name] for draw in draws]) for name in sites}
    statistics = {"loss": losses, "num_steps": settings.num_steps, "batch_size": batch_size}
    return SamplerRun(stack_chains([chain], sites), None, statistics)


def _guide(model: Callable, kind: str):
    visible = poutine.block(model, hide_fn=lambda msg: msg["infer"].get("enumerate") == "parallel")
    return AutoMultivariateNormal(visible) if kind == "mvn" else AutoNormal(visible)


def _optimizer(settings: FitSettings) -> ClippedAdam:
    decay = FINAL_DECAY ** (1.0 / max(settings.num_steps, 1))
    return ClippedAdam({"lr": settings.lr, "lrd": decay})


def _elbo(model: Callable, jit: bool):
    if _has_enumerated_sites(model):
        kind = JitTraceEnum_ELBO if jit else TraceEnum_ELBO
        return kind(max_plate_nesting=MAX_PLATE_NESTING, ignore_jit_warnings=True)
    kind = JitTrace_ELBO if jit else Trace_ELBO
    return kind(ignore_jit_warnings=True) if jit else kind()


def _has_enumerated_sites(model: Callable) -> bool:
    with torch.no_grad():
        trace = poutine.trace(model).get_trace()
    return any(site["type"] == "sample" and not site["is_observed"] and site["infer"].get("enumerate") == "parallel"
               for site in trace.nodes.values())


def _optimize(svi: SVI, settings: FitSettings) -> np.ndarray:
    losses = np.empty(settings.num_steps)
    every = max(1, settings.num_steps // PROGRESS_UPDATES)
    with _progress(settings.quiet, settings.num_steps) as advance, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*torch.jit.trace.*deprecated", category=DeprecationWarning)
        for step in range(settings.num_steps):
            losses[step] = svi.step()
            if (step + 1) % every == 0 or step + 1 == settings.num_steps:
                advance(step + 1, -float(np.mean(losses[max(0, step + 1 - every):step + 1])))
    return losses


@contextlib.contextmanager
def _progress(quiet: bool, total: int) -> Iterator[Callable[[int, float], None]]:
    """A rich progress bar on stderr showing the ELBO; a no-op when quiet."""
    if quiet:
        yield lambda completed, elbo: None
        return
    columns = (TextColumn("SVI"), BarColumn(), MofNCompleteColumn(), TextColumn("ELBO {task.fields[elbo]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task("svi", total=total, elbo="…")
        yield lambda completed, elbo: progress.update(task, completed=completed, elbo=f"{elbo:.6g}")
