"""NUTS chains in parallel: worker processes on this machine, or Ray tasks on a cluster, around ``run_nuts``.

:func:`causalppl.inference.bayesian.nuts.run_nuts` runs chains one after
another in this process.  :func:`run_chains` runs each chain as a
:class:`ChainJob` instead: a picklable description (the generated program's
source text, which holds only validated identifiers and numbers, the data
columns, the settings of that one chain) from which a worker process or a
Ray task rebuilds the program and calls ``run_nuts`` for one chain.  Chain
``k`` is seeded with ``seed + k`` exactly as in the serial route, so the same
seed gives the same draws (each worker does its tensor arithmetic on one
thread, as the serial route does under ``OMP_NUM_THREADS=1``).

Processes are used by default when there are several chains, several cores,
and enough iterations in all to pay for starting a worker (importing torch
and Pyro takes seconds); ``workers=1`` forces the serial route,
``workers=N`` asks for N processes.  With ``ray_address`` the chains are Ray
tasks (one CPU each) wherever the cluster has room.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from causalppl.backends.pyro_codegen import GeneratedProgram, generate
from causalppl.data.tensors import ExperimentRows
from causalppl.inference.bayesian.likelihood import Likelihood
from causalppl.inference.bayesian.nuts import run_nuts
from causalppl.inference.bayesian.runs import SamplerRun
from causalppl.inference.bayesian.settings import FitSettings
from causalppl.inference.devices import running_on
from causalppl.inference.scale.cluster import connect, spawn_context

#: Below this many NUTS iterations in all (chains × (warm-up + draws)) the serial route is faster.
MIN_PARALLEL_ITERATIONS = 2000


@dataclass(frozen=True)
class ChainJob:
    """One chain, ready to travel to another process or machine (everything on the CPU)."""

    source: str
    model_name: str
    columns: dict[str, torch.Tensor]
    n_units: int
    experiments: dict[str, torch.Tensor] | None
    sites: tuple[str, ...]
    settings: FitSettings  # num_chains 1, seed already seed + chain
    data_only: frozenset[str] = frozenset()  # observed variables read from the data without a site
    row_scale: int = 1  # every row stands for this many units
    masked: dict[str, torch.Tensor] = field(default_factory=dict)  # missing cells (see likelihood.py)
    imputed: dict[str, Any] = field(default_factory=dict)


def chain_workers(settings: FitSettings) -> int:
    """Processes for the chains: as asked, else one per chain up to the cores when the run is long enough."""
    if settings.num_chains <= 1:
        return 1
    if settings.workers is not None:
        return min(settings.workers, settings.num_chains)
    iterations = settings.num_chains * (settings.num_warmup + settings.num_samples)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores <= 1 or iterations < MIN_PARALLEL_ITERATIONS or settings.jit_compile:
        return 1
    return min(settings.num_chains, cores)


def run_chains(likelihood: Likelihood, sites: tuple[str, ...], settings: FitSettings) -> SamplerRun:
    """``run_nuts`` for every chain: serially, in worker processes, or as Ray tasks."""
    if settings.ray_address is None and chain_workers(settings) <= 1:
        return run_nuts(likelihood, sites, settings)
    jobs = chain_jobs(likelihood, sites, settings)
    if settings.ray_address is not None:
        runs = _on_ray(jobs, settings.ray_address, settings.device)
    else:
        with ProcessPoolExecutor(chain_workers(settings), mp_context=spawn_context()) as pool:
            runs = list(pool.map(run_chain_job, jobs))
    return merge_chains(runs, sites)


def chain_jobs(likelihood: Likelihood, sites: tuple[str, ...], settings: FitSettings) -> list[ChainJob]:
    source = generate(likelihood.model, data_only=likelihood.data_only).source
    columns = {name: value.detach().to("cpu") for name, value in likelihood.columns.items()}
    experiments = None
    if likelihood.experiments is not None:
        experiments = {name: mask.to("cpu") for name, mask in likelihood.experiments.generated.items()}
    return [ChainJob(source, likelihood.model.name, columns, likelihood.n_units, experiments, sites,
                     replace(settings, num_chains=1, quiet=True, workers=1, ray_address=None,
                             seed=None if settings.seed is None else settings.seed + chain),
                     likelihood.data_only, likelihood.row_scale,
                     {name: mask.to("cpu") for name, mask in likelihood.masked.items()},
                     {name: replace(cells, rows=cells.rows.to("cpu")) for name, cells in likelihood.imputed.items()})
            for chain in range(settings.num_chains)]


def run_chain_job(job: ChainJob) -> SamplerRun:
    """In a worker: rebuild the program from its source text and run one chain (one math thread)."""
    torch.set_num_threads(1)
    device = torch.device(job.settings.device)
    with running_on(device):
        program = GeneratedProgram(job.source, job.model_name).load()
    columns = {name: value.to(device) for name, value in job.columns.items()}
    experiments = None
    if job.experiments is not None:
        experiments = ExperimentRows({name: mask.to(device) for name, mask in job.experiments.items()})
    likelihood = Likelihood(None, program, columns, job.n_units, experiments,  # type: ignore[arg-type]
                            data_only=job.data_only, row_scale=job.row_scale,
                            masked={name: mask.to(device) for name, mask in job.masked.items()},
                            imputed={name: replace(cells, rows=cells.rows.to(device))
                                     for name, cells in job.imputed.items()})
    with running_on(device):
        return run_nuts(likelihood, job.sites, job.settings)


def merge_chains(runs: list[SamplerRun], sites: tuple[str, ...]) -> SamplerRun:
    """One run from one-chain runs, chains in order."""
    draws = {name: torch.cat([run.draws[name] for run in runs]) for name in sites}
    divergences = np.concatenate([run.divergences for run in runs]) if all(
        run.divergences is not None for run in runs) else None
    return SamplerRun(draws, divergences)


def _on_ray(jobs: list[ChainJob], address: str, device: str) -> list[SamplerRun]:
    ray: Any = connect(address)
    gpus = 1 if device.startswith("cuda") else 0
    task = ray.remote(num_cpus=1, num_gpus=gpus)(run_chain_job)
    return ray.get([task.remote(job) for job in jobs])
