"""NUTS chains in parallel: worker processes on this machine, or Ray tasks on a cluster, around ``run_nuts``.

:func:`causalppl.inference.bayesian.nuts.run_nuts` runs chains one after
another in this process.  :func:`run_chains` runs each chain as a
:class:`ChainJob` instead: a picklable description (the likelihood as a
:class:`~causalppl.inference.bayesian.jobs.LikelihoodJob` -- the generated
program's source text and every tensor of the rows -- and the settings of
that one chain) from which a worker process or a Ray task rebuilds the
likelihood and calls ``run_nuts`` for one chain.  Chain
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
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from causalppl.backends.invalid_site import InvalidSite
from causalppl.inference.bayesian.jobs import LikelihoodJob
from causalppl.inference.bayesian.likelihood import Likelihood
from causalppl.inference.bayesian.nuts import run_nuts
from causalppl.inference.bayesian.runs import SamplerRun
from causalppl.inference.bayesian.settings import FitSettings
from causalppl.inference.devices import running_on
from causalppl.inference.scale.cluster import connect
from causalppl.processes import process_map

#: Below this many NUTS iterations in all (chains × (warm-up + draws)) the serial route is faster.
MIN_PARALLEL_ITERATIONS = 2000


@dataclass(frozen=True)
class ChainJob:
    """One chain, ready to travel to another process or machine (everything on the CPU)."""

    likelihood: LikelihoodJob
    sites: tuple[str, ...]
    settings: FitSettings  # num_chains 1, seed already seed + chain


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
        try:
            runs = process_map(run_chain_job, jobs, chain_workers(settings))
        except InvalidSite as problem:  # (a worker's: it comes without the model, which locates it)
            problem.model = likelihood.model
            raise
    return merge_chains(runs, sites)


def chain_jobs(likelihood: Likelihood, sites: tuple[str, ...], settings: FitSettings) -> list[ChainJob]:
    shipped = LikelihoodJob.of(likelihood)
    return [ChainJob(shipped, sites,
                     replace(settings, num_chains=1, quiet=True, workers=1, ray_address=None,
                             seed=None if settings.seed is None else settings.seed + chain))
            for chain in range(settings.num_chains)]


def run_chain_job(job: ChainJob) -> SamplerRun:
    """In a worker: rebuild the likelihood from its source text and rows and run one chain (one math thread)."""
    torch.set_num_threads(1)
    device = torch.device(job.settings.device)
    likelihood = job.likelihood.rebuild(device)
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
