"""Beyond one process: chunks of rows, worker processes, and Ray for more than one machine.

* :mod:`.cluster` — connecting to Ray (``auto``: a running cluster; ``local``: start one here;
  or an address), imported lazily: Ray is the optional extra ``causalppl[ray]``;
* :mod:`.score` — ``causalppl score``: per-row queries over a DataFrame or a file streamed in
  chunks, with a progress bar; on Ray, :mod:`.ray_score` (Ray Data ``map_batches`` with an actor
  that holds the compiled model);
* :mod:`.blocks` — posterior draws of bounds solved in blocks (Ray tasks on a cluster);
* :mod:`.svi` — data-parallel SVI: torch.distributed (DDP) workers launched by Ray Train, each
  seeing a shard of the rows with the ELBO scaled to the whole data.

NUTS chains in processes or Ray tasks are in :mod:`causalppl.inference.bayesian.chains`.
See ``docs/scale.md``.
"""
