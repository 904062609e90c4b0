"""A likelihood ready to travel to another process or machine, and rebuilt there exactly.

The generated program itself cannot be pickled (it is compiled from source
text at run time), so a worker receives a :class:`LikelihoodJob`: the
model's IR (frozen dataclasses: names and numbers, no code) with the keys the
parent's program was generated with -- the variables read from the data
without a site and the variables whose missing cells are summed out -- and
every tensor the likelihood holds, on the CPU: the columns, the rows of
``under do`` blocks, the repeated-row scale, the masks of missing cells and
the rows of the latent values that fill them.  The worker compiles the same
program, site checks included.
:meth:`LikelihoodJob.rebuild` gives the same likelihood on the worker's
device; ``rows`` restricts it to a shard of the rows (data-parallel SVI),
its plate still running over every row so that a shard's log-likelihood is
scaled up to all of them.

Parallel NUTS chains (:mod:`causalppl.inference.bayesian.chains`) and
data-parallel SVI on Ray (:mod:`causalppl.inference.bayesian.ray_svi`) both ship
their likelihood this way, so a worker's likelihood is always the parent's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from causalppl.backends.pyro_codegen import compiled_program
from causalppl.data.tensors import ExperimentRows
from causalppl.inference.bayesian.likelihood import Imputed, Likelihood
from causalppl.inference.devices import running_on
from causalppl.ir.model import CausalModel


@dataclass(frozen=True)
class LikelihoodJob:
    """Everything a worker needs to rebuild a :class:`Likelihood`, every tensor on the CPU."""

    model: CausalModel
    columns: dict[str, torch.Tensor]
    n_units: int
    experiments: dict[str, torch.Tensor] | None
    data_only: frozenset[str] = frozenset()
    enumerated: frozenset[str] = frozenset()
    row_scale: int = 1
    masked: dict[str, torch.Tensor] = field(default_factory=dict)
    imputed: dict[str, Imputed] = field(default_factory=dict)

    @staticmethod
    def of(likelihood: Likelihood) -> "LikelihoodJob":
        """The job of ``likelihood`` (the worker compiles its program again, with the same keys)."""
        experiments = None
        if likelihood.experiments is not None:
            experiments = {name: mask.to("cpu") for name, mask in likelihood.experiments.generated.items()}
        return LikelihoodJob(
            likelihood.model,
            {name: value.detach().to("cpu") for name, value in likelihood.columns.items()},
            likelihood.n_units, experiments, likelihood.data_only, likelihood.enumerated, likelihood.row_scale,
            {name: mask.to("cpu") for name, mask in likelihood.masked.items()},
            {name: replace(cells, rows=cells.rows.to("cpu")) for name, cells in likelihood.imputed.items()})

    def rebuild(self, device: torch.device, rows: torch.Tensor | None = None,
                subsample_size: int | None = None) -> Likelihood:
        """The likelihood on ``device``; with ``rows``, only those rows are held (a shard of all of them).

        A shard's likelihood keeps the plate over all ``n_units`` rows and
        draws its mini-batches (``subsample_size`` rows, or the whole shard
        when that is ``None``) from the rows it holds, so Pyro scales the
        shard's log-likelihood by all rows / rows in the batch.
        """
        with running_on(device):
            program = compiled_program(self.model, self.data_only, self.enumerated)

        def held(value: torch.Tensor) -> torch.Tensor:
            return (value if rows is None else value[rows]).to(device)

        experiments = None
        if self.experiments is not None:
            experiments = ExperimentRows({name: held(mask) for name, mask in self.experiments.items()})
        if rows is not None and self.imputed:  # callers refuse this first, in the user's words
            raise ValueError("a likelihood with latent values for missing cells cannot be split into shards")
        imputed = {name: replace(cells, rows=cells.rows.to(device)) for name, cells in self.imputed.items()}
        held_rows = None
        if rows is not None:
            held_rows = len(rows)
            subsample_size = held_rows if subsample_size is None else min(subsample_size, held_rows)
        return Likelihood(self.model, program, {name: held(value) for name, value in self.columns.items()},
                          self.n_units, experiments, subsample_size, self.data_only, self.row_scale,
                          {name: held(mask) for name, mask in self.masked.items()}, imputed,
                          enumerated=self.enumerated, held_rows=held_rows)

