"""The knobs of Bayesian fitting and posterior answering, taken from validated :class:`Options`.

Defaults and ranges live in :mod:`causalppl.inference.options`; here they
become the settings a fit is cached under and the settings of answering.
"""

from __future__ import annotations

from dataclasses import dataclass

from causalppl.inference.options import Options, units_per_draw

LARGE_DATA_ROWS = 100_000  # above this many rows SVI subsamples by default
DEFAULT_BATCH_SIZE = 10_000
# On a GPU a step's cost hardly grows with its rows up to millions (an H200 took 50 SVI steps/s on 10^4 rows and
# 81 on 10^6, bench/RESULTS.md), so there the default mini-batch is large: fewer, exact-er steps for the same time.
GPU_BATCH_SIZE = 1_000_000


def default_batch_size(n_units: int, requested: int | None, device: str = "cpu") -> int | None:
    """Rows per SVI step: as requested, else all rows, else a mini-batch for large data (larger on a GPU).

    >>> default_batch_size(50_000, None), default_batch_size(2_000_000, None), default_batch_size(2_000_000, 500)
    (None, 10000, 500)
    >>> default_batch_size(500_000, None, "cuda"), default_batch_size(3_000_000, None, "cuda:1")
    (None, 1000000)
    """
    if requested is not None:
        return min(requested, n_units)
    if device.startswith("cuda"):
        return GPU_BATCH_SIZE if n_units > GPU_BATCH_SIZE else None
    return DEFAULT_BATCH_SIZE if n_units > LARGE_DATA_ROWS else None


@dataclass(frozen=True)
class FitSettings:
    """How to fit a posterior; part of the fit cache key (seed and device included)."""

    sampler: str  # nuts or svi
    seed: int | None
    device: str
    num_chains: int
    num_warmup: int
    num_samples: int
    jit_compile: bool
    target_accept: float
    max_tree_depth: int
    num_steps: int
    lr: float
    guide: str
    batch_size: int | None
    conjugate: bool
    quiet: bool
    workers: int | None = None  # processes for NUTS chains (None: chosen by causalppl.inference.bayesian.chains)
    ray_address: str | None = None  # run chains (NUTS) or data-parallel SVI on this Ray cluster
    separate_tables: bool = True  # draw separable tables exactly beside the sampler (see conjugate.py)
    backend: str = "pyro"  # pyro or numpyro


@dataclass(frozen=True)
class AnswerSettings:
    """How to push posterior draws through a query."""

    query_draws: int
    units_per_draw: int
    seed: int | None
    save_trace: str | None
    plot: str | None


def fit_settings(options: Options, sampler: str, conjugate: bool = False) -> FitSettings:
    """Settings for ``sampler`` ("nuts" or "svi") from validated :class:`Options`.

    ``conjugate`` is the planner's default (exact conjugate updates where they
    exist); the ``conjugate`` option, when given, overrides it.
    """
    chosen = options.posterior.conjugate
    return FitSettings(
        sampler=sampler,
        seed=options.seed,
        device=options.device,
        num_chains=options.nuts.chains,
        num_warmup=options.nuts.warmup,
        num_samples=options.nuts.draws,
        jit_compile=options.nuts.jit,
        target_accept=options.nuts.target_accept,
        max_tree_depth=options.nuts.max_tree_depth,
        num_steps=options.svi.steps,
        lr=options.svi.lr,
        guide=options.svi.guide,
        batch_size=options.svi.batch_size,
        conjugate=conjugate if chosen is None else chosen,
        quiet=options.quiet,
        workers=options.scale.workers,
        ray_address=options.scale.ray_address,
        separate_tables=chosen is not False,
        backend=options.backend,
    )


def answer_settings(options: Options) -> AnswerSettings:
    return AnswerSettings(
        query_draws=options.posterior.query_draws,
        units_per_draw=units_per_draw(options),
        seed=options.seed,
        save_trace=options.posterior.save_trace,
        plot=options.posterior.plot,
    )
