"""Data-parallel SVI on a Ray cluster: torch.distributed (DDP) workers launched through Ray Train.

Each Ray Train worker rebuilds the likelihood from a
:class:`~causalppl.inference.bayesian.jobs.LikelihoodJob` (the same one
parallel NUTS chains travel as: program keys, repeated-row scale, masks of
missing cells) and holds one shard of the rows.  Its model runs the ``units`` plate over
*all* rows with the shard's rows as the subsample (a mini-batch of them when
``batch_size`` is set), so Pyro scales the shard's log-likelihood by
``rows / rows in the batch``: each worker's ELBO is an unbiased estimate of
the full-data ELBO, and DDP's average of their gradients is one too.  The
guide (AutoNormal or AutoMultivariateNormal) is wrapped in
``DistributedDataParallel``: parameters start equal on every worker
(broadcast from rank 0) and stay equal, since every step applies the same
averaged gradient (Adam with the learning rate decayed to a tenth and the
gradient norm clipped at 10, as ``ClippedAdam`` does on one machine).
Rank 0 then draws from the fitted guide and reports the draws.

The answer agrees with single-machine SVI within the optimiser's noise,
not bit for bit: the mini-batches and the ELBO's draws differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pyro
import torch
from pyro import poutine
from pyro.infer import Trace_ELBO, TraceEnum_ELBO, config_enumerate
from pyro.infer.autoguide import AutoMultivariateNormal, AutoNormal

from causalppl.inference.bayesian.jobs import LikelihoodJob
from causalppl.inference.bayesian.likelihood import Likelihood
from causalppl.inference.bayesian.runs import SamplerRun, stack_chains
from causalppl.inference.bayesian.settings import FitSettings, default_batch_size
from causalppl.inference.bayesian.svi import FINAL_DECAY, MAX_PLATE_NESTING
from causalppl.inference.scale.cluster import cluster_cpus, connect

CLIP_NORM = 10.0  # ClippedAdam's default


@dataclass(frozen=True)
class SviJob:
    """Everything a worker needs, on the CPU: the likelihood (its model and rows), the sites, the settings."""

    likelihood: LikelihoodJob
    sites: tuple[str, ...]
    settings: FitSettings
    workers: int


def run_svi_on_ray(likelihood: Likelihood, sites: tuple[str, ...], settings: FitSettings) -> SamplerRun:
    """SVI over all rows, the rows sharded over Ray Train workers (DDP); draws from the fitted guide.

    The caller refuses likelihoods with latent values for missing cells
    (:func:`causalppl.inference.messages.rows_not_shardable`).
    """
    ray = connect(settings.ray_address)
    from ray.train import ScalingConfig
    from ray.train.torch import TorchTrainer

    workers = max(1, min(settings.workers or cluster_cpus(ray), likelihood.n_units))
    job = SviJob(LikelihoodJob.of(likelihood), sites, settings, workers)
    mailbox = ray.remote(num_cpus=0)(Mailbox).remote()
    trainer = TorchTrainer(train_worker, train_loop_config={"job": ray.put(job), "mailbox": mailbox},
                           scaling_config=ScalingConfig(num_workers=workers,
                                                        use_gpu=settings.device.startswith("cuda")))
    trainer.fit()
    metrics = ray.get(mailbox.take.remote())
    ray.kill(mailbox)
    draws = {name: torch.as_tensor(np.array(metrics["draws"][name])) for name in sites}
    statistics = {"loss": np.asarray(metrics["loss"]), "num_steps": settings.num_steps,
                  "batch_size": metrics["batch_size"], "workers": workers}
    return SamplerRun(stack_chains([draws], sites), None, statistics)


def shard_likelihood(job: SviJob, rank: int, world: int, device: torch.device) -> Likelihood:
    """Worker ``rank``'s likelihood: its shard of the rows, mini-batches of its share of the batch size.

    The plate runs over every row and the batch is drawn from the shard, so
    Pyro scales the shard's log-likelihood by rows / rows in the batch: each
    worker's ELBO is an unbiased estimate of the full-data ELBO.
    """
    shard = torch.as_tensor(np.array_split(np.arange(job.likelihood.n_units), world)[rank])
    requested = default_batch_size(job.likelihood.n_units, job.settings.batch_size, job.settings.device)
    batch = None if requested is None else max(1, requested // job.workers)
    return job.likelihood.rebuild(device, rows=shard, subsample_size=batch)


def train_worker(config: dict[str, Any]) -> None:
    """One Ray Train worker: its shard of rows, a DDP-wrapped guide, the optimisation; rank 0 reports draws."""
    import ray
    import ray.train
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    job: SviJob = ray.get(config["job"])
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    torch.set_num_threads(1)
    settings = job.settings
    shard_model = shard_likelihood(job, rank, world, torch.device(settings.device))
    model = config_enumerate(shard_model)
    if settings.seed is not None:
        pyro.set_rng_seed(settings.seed)
    pyro.clear_param_store()
    enumerated = _has_enumerated_sites(model)
    hidden = poutine.block(model, hide_fn=lambda msg: msg["infer"].get("enumerate") == "parallel")
    guide = AutoMultivariateNormal(hidden) if settings.guide == "mvn" else AutoNormal(hidden)
    guide()  # create the parameters (the same on every worker; DDP broadcasts rank 0's anyway)
    wrapped = DistributedDataParallel(guide)
    if settings.seed is not None:
        pyro.set_rng_seed(settings.seed + 1 + rank)  # each worker's own ELBO draws and mini-batches
    elbo = TraceEnum_ELBO(max_plate_nesting=MAX_PLATE_NESTING) if enumerated else Trace_ELBO()
    optimizer = torch.optim.Adam(wrapped.parameters(), lr=settings.lr)
    decay = FINAL_DECAY ** (1.0 / max(settings.num_steps, 1))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: decay**step)
    losses = np.empty(settings.num_steps)
    for step in range(settings.num_steps):
        optimizer.zero_grad()
        loss = elbo.differentiable_loss(model, wrapped)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(wrapped.parameters(), CLIP_NORM)
        optimizer.step()
        schedule.step()
        mean_loss = loss.detach().clone()
        dist.all_reduce(mean_loss)
        losses[step] = float(mean_loss) / world
    metrics: dict[str, Any] = {"loss": losses.tolist(), "batch_size": shard_model.subsample_size}
    if rank == 0:
        with torch.no_grad():
            samples = [guide() for _ in range(settings.num_samples)]
        metrics["draws"] = {name: torch.stack([s[name] for s in samples]).cpu().numpy() for name in job.sites}
        ray.get(config["mailbox"].put.remote(metrics))
    ray.train.report({"loss": float(losses[-1]) if len(losses) else 0.0})


class Mailbox:
    """A Ray actor holding what rank 0 sends back (no shared storage needed on a cluster)."""

    def __init__(self) -> None:
        self.value: Any = None

    def put(self, value: Any) -> None:
        self.value = value

    def take(self) -> Any:
        return self.value


def _has_enumerated_sites(model: Callable) -> bool:
    with torch.no_grad():
        trace = poutine.trace(model).get_trace()
    return any(site["type"] == "sample" and not site["is_observed"] and site["infer"].get("enumerate") == "parallel"
               for site in trace.nodes.values())
