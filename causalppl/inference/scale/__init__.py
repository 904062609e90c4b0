"""Beyond one process: chunks of rows, worker processes, and Ray for more than one machine.

* :mod:`.cluster` — connecting to Ray (``auto``: a running cluster; ``local``: start one here;
  or an address), imported lazily: Ray is the optional extra ``causalppl[ray]``;
* :mod:`.score` — ``causalppl score``: per-row queries over a DataFrame or a file streamed in
  chunks, with a progress bar; on Ray, :mod:`.ray_score` (the same chunks, scored in order by a pool
  of actors that hold the compiled model);
* :mod:`.blocks` — posterior draws of bounds solved in blocks (Ray tasks on a cluster).

NUTS chains in processes or Ray tasks are in :mod:`causalppl.inference.bayesian.chains`;
data-parallel SVI (torch.distributed workers launched by Ray Train, each seeing a shard of the
rows with the ELBO scaled to the whole data) in :mod:`causalppl.inference.bayesian.ray_svi`.
Both live beside the samplers they run: a Ray worker that unpickles one of their functions
imports the Bayesian package first, as the driver does.
See ``docs/scale.md``.
"""
