"""Data-parallel SVI on a Ray cluster: torch.distributed (DDP) workers launched through Ray Train.

Each Ray Train worker rebuilds the generated program from its source text
and holds one shard of the rows.  Its model runs the ``units`` plate over
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
from pyro.poutine.messenger import Messenger
from pyro.poutine.subsample_messenger import _Subsample

from causalppl.backends.pyro_codegen import UNITS_PLATE, GeneratedProgram, generate
from causalppl.data.tensors import ExperimentRows
from causalppl.inference.bayesian.likelihood import Likelihood, RecordedSettings
from causalppl.inference.bayesian.runs import SamplerRun, stack_chains
from causalppl.inference.bayesian.settings import FitSettings
from causalppl.inference.bayesian.svi import FINAL_DECAY, MAX_PLATE_NESTING, default_batch_size
from causalppl.inference.scale.cluster import cluster_cpus, connect

CLIP_NORM = 10.0  # ClippedAdam's default


@dataclass(frozen=True)
class SviJob:
    """Everything a worker needs, on the CPU: the program's source, the rows, the settings."""

    source: str
    model_name: str
    columns: dict[str, torch.Tensor]
    n_units: int
    experiments: dict[str, torch.Tensor] | None
    sites: tuple[str, ...]
    settings: FitSettings
    workers: int


def run_svi_on_ray(likelihood: Likelihood, sites: tuple[str, ...], settings: FitSettings) -> SamplerRun:
    """SVI over all rows, the rows sharded over Ray Train workers (DDP); draws from the fitted guide."""
    ray = connect(settings.ray_address)
    from ray.train import ScalingConfig
    from ray.train.torch import TorchTrainer

    workers = max(1, min(settings.workers or cluster_cpus(ray), likelihood.n_units))
    job = SviJob(generate(likelihood.model).source, likelihood.model.name,
                 {k: v.detach().to("cpu") for k, v in likelihood.columns.items()}, likelihood.n_units,
                 None if likelihood.experiments is None else
                 {k: v.to("cpu") for k, v in likelihood.experiments.generated.items()}, sites, settings, workers)
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
    shard = np.array_split(np.arange(job.n_units), world)[rank]
    shard_model = ShardModel.build(job, torch.as_tensor(shard))
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
    metrics: dict[str, Any] = {"loss": losses.tolist(), "batch_size": shard_model.batch_size}
    if rank == 0:
        with torch.no_grad():
            samples = [guide() for _ in range(settings.num_samples)]
        metrics["draws"] = {name: torch.stack([s[name] for s in samples]).numpy() for name in job.sites}
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


@dataclass
class ShardModel:
    """The likelihood of all rows estimated from one shard: the plate runs over every row, the shard is its
    subsample (or a random mini-batch of the shard), so Pyro scales by rows / rows in the batch."""

    program: Callable
    columns: dict[str, torch.Tensor]
    n_units: int
    shard_rows: int
    batch_size: int
    experiments: ExperimentRows | None

    @staticmethod
    def build(job: SviJob, shard: torch.Tensor) -> "ShardModel":
        program = GeneratedProgram(job.source, job.model_name).load()
        columns = {name: value[shard] for name, value in job.columns.items()}
        experiments = None if job.experiments is None else ExperimentRows(
            {name: mask[shard] for name, mask in job.experiments.items()})
        requested = default_batch_size(job.n_units, job.settings.batch_size)
        batch = len(shard) if requested is None else max(1, min(len(shard), requested // job.workers))
        return ShardModel(program, columns, job.n_units, len(shard), batch, experiments)

    def __call__(self) -> Any:
        run = self.program
        if self.experiments is not None and self.experiments.generated:
            run = RecordedSettings(self.experiments, self.columns)(run)
        run = ShardRows(self.shard_rows)(run)
        return run(n_units=self.n_units, data=self.columns, subsample_size=self.batch_size)


class ShardRows(Messenger):
    """The ``units`` plate's subsample: the shard's rows (all of them, or a mini-batch drawn with replacement)."""

    def __init__(self, shard_rows: int) -> None:
        super().__init__()
        self.shard_rows = shard_rows

    def _pyro_sample(self, msg) -> None:
        if msg["name"] != UNITS_PLATE or not isinstance(msg["fn"], _Subsample) or msg["value"] is not None:
            return
        batch = msg["fn"].subsample_size
        if batch >= self.shard_rows:
            msg["value"] = torch.arange(self.shard_rows)
        else:
            msg["value"] = torch.randint(0, self.shard_rows, (batch,))
        msg["done"] = True


def _has_enumerated_sites(model: Callable) -> bool:
    with torch.no_grad():
        trace = poutine.trace(model).get_trace()
    return any(site["type"] == "sample" and not site["is_observed"] and site["infer"].get("enumerate") == "parallel"
               for site in trace.nodes.values())
