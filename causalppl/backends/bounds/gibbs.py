"""Exact Gibbs sampling of the response-type distribution (Chickering & Pearl, 1996).

Data augmentation: given ``q``, the units of each observed cell split among
the columns compatible with the cell as a multinomial draw with
probabilities proportional to ``q`` on that set (one draw per cell, never
per unit); given those type counts, ``q ~ Dirichlet(alpha + counts)``.

With many units that chain alone crawls along the directions the data do not
identify (each sweep moves ``q`` by about ``1/sqrt(units)``). So every sweep
ends with a few hit-and-run moves inside the *fiber*: the affine set of
``q`` with the same observed-cell probabilities, where the likelihood is
constant and the posterior is the prior restricted to the fiber. A move
picks a random direction in the fiber and slice-samples the Dirichlet density
along the chord (uniformly when every concentration is 1). Directions are
isotropic after scaling each column by its average weight, re-estimated
during warm-up and then frozen: the fiber is a thin polytope when some types
are nearly excluded by the data (the Vitamin A trial's always-takers), and
unscaled directions would be stopped within ``1/units`` by those coordinates.
Both kernels leave the posterior invariant for any fixed direction
distribution. All chains advance together.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import null_space

from causalppl.backends.bounds.response_posterior import ResponsePosterior

MAX_FIBER_COLUMNS = 2_000
"""Above this many columns there are no fiber moves (the direction basis grows quadratically)."""

ADAPTATION_POINTS = (0.1, 0.25, 0.5)
"""Fractions of the warm-up after which the direction scaling is re-estimated."""

TINY = 1e-300
"""Weights are floored here inside logarithms (the chord's ends, where the density is 0 or infinite)."""

MAX_SHRINKS = 200
"""Shrinkage steps of one slice-sampling move before it stays put (the chord halves at each)."""


def gibbs_functionals(
    posterior: ResponsePosterior,
    *,
    chains: int,
    draws: int,
    warmup: int,
    fiber_moves: int | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """``posterior.functionals @ q`` for ``draws`` kept sweeps of each chain: shape (chains, draws, F).

    Each sweep makes ``fiber_moves`` fiber moves (by default, as many as the fiber has dimensions).
    """
    if not posterior.whole_counts:
        raise ValueError("the Gibbs sampler needs whole-number counts; use method='nuts' for weighted data")
    alpha = posterior.alpha
    counts = np.round(posterior.counts).astype(np.int64)
    q = _dirichlet(np.broadcast_to(alpha, (chains, alpha.size)), rng)
    recorded = np.empty((chains, draws, len(posterior.functionals)))
    moves = fiber_move_count(posterior, fiber_moves)
    basis = fiber_basis(posterior, q.mean(axis=0)) if moves else None
    exponents = None if np.all(alpha == 1.0) else alpha - 1.0
    adapt_at = {int(fraction * warmup) for fraction in ADAPTATION_POINTS} - {0}
    window = np.zeros(alpha.size)
    for sweep in range(warmup + draws):
        q = _dirichlet(alpha + _type_counts(q, posterior.masks, counts, rng), rng)
        for _ in range(moves):
            q = fiber_move(q, basis, exponents, rng)
        window += q.mean(axis=0)
        if moves and sweep + 1 in adapt_at:
            basis, window = fiber_basis(posterior, window), np.zeros(alpha.size)
        if sweep >= warmup:
            recorded[:, sweep - warmup] = q @ posterior.functionals.T
    return recorded


def fiber_move_count(posterior: ResponsePosterior, requested: int | None) -> int:
    """Fiber moves per sweep: ``requested``, or the fiber's dimension; 0 without a fiber or when too large."""
    if posterior.n_columns > MAX_FIBER_COLUMNS:
        return 0
    dimension = posterior.n_columns - int(np.linalg.matrix_rank(posterior.constraints))
    if dimension == 0:
        return 0
    return dimension if requested is None else requested


def fiber_basis(posterior: ResponsePosterior, scale: np.ndarray) -> np.ndarray:
    """Fiber directions (columns) that are orthonormal once each column of ``q`` is divided by ``scale``."""
    scale = np.maximum(scale / scale.max(), 1e-12)
    return scale[:, None] * null_space(posterior.constraints * scale[None, :])


def _type_counts(q: np.ndarray, masks: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Units per column, for each chain: each cell's units split among its compatible columns."""
    if counts.size == 0:
        return np.zeros_like(q)
    weights = masks[None, :, :] * q[:, None, :]
    totals = weights.sum(axis=-1, keepdims=True)
    uniform = masks[None] / masks.sum(axis=-1, keepdims=True)[None]
    probabilities = np.where(totals > 0, weights / np.where(totals > 0, totals, 1.0), uniform)
    return rng.multinomial(counts, probabilities).sum(axis=1).astype(float)


def _dirichlet(concentration: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One Dirichlet draw per row of ``concentration``."""
    gammas = rng.standard_gamma(concentration)
    totals = gammas.sum(axis=-1, keepdims=True)
    if np.any(totals <= 0):  # every gamma underflowed: tiny concentrations; fall back to the mean
        mean = concentration / concentration.sum(axis=-1, keepdims=True)
        gammas = np.where(totals > 0, gammas, mean)
        totals = gammas.sum(axis=-1, keepdims=True)
    return gammas / totals


def fiber_move(
    q: np.ndarray, basis: np.ndarray, exponents: np.ndarray | None, rng: np.random.Generator
) -> np.ndarray:
    """One hit-and-run move per chain along the fiber, targeting the density ``prod(q ** exponents)``.

    ``exponents`` are the Dirichlet concentrations minus one; None when all are zero (a uniform density).
    """
    direction = rng.standard_normal((len(q), basis.shape[1])) @ basis.T
    low, high = _chord(q, direction)
    if exponents is None:
        step = rng.uniform(low, high)
    else:
        step = _slice_step(q, direction, exponents, low, high, rng)
    moved = np.maximum(q + step[:, None] * direction, 0.0)
    return moved / moved.sum(axis=-1, keepdims=True)


def _chord(q: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The range of ``t`` that keeps ``q + t * direction`` nonnegative, per chain."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = -q / direction
    high = np.min(ratio, axis=-1, where=direction < 0, initial=np.inf)
    low = np.max(ratio, axis=-1, where=direction > 0, initial=-np.inf)
    bounded = np.isfinite(low) & np.isfinite(high)  # else a zero direction: stay put
    return np.where(bounded, np.minimum(low, 0.0), 0.0), np.where(bounded, np.maximum(high, 0.0), 0.0)


def _slice_step(
    q: np.ndarray,
    direction: np.ndarray,
    exponents: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Slice sampling with shrinkage of ``t`` on the chord, density ``prod((q + t d) ** exponents)``."""
    active = exponents != 0.0
    q, direction, exponents = q[:, active], direction[:, active], exponents[active]

    def log_density(t: np.ndarray) -> np.ndarray:
        return np.log(np.maximum(q + t[:, None] * direction, TINY)) @ exponents

    level = log_density(np.zeros(len(q))) - rng.exponential(size=len(q))
    step = np.zeros(len(q))
    pending = np.ones(len(q), dtype=bool)
    for _ in range(MAX_SHRINKS):
        candidate = rng.uniform(low, high)
        accepted = pending & (log_density(candidate) > level)
        step = np.where(accepted, candidate, step)
        rejected = pending & ~accepted
        high = np.where(rejected & (candidate > 0), candidate, high)
        low = np.where(rejected & (candidate < 0), candidate, low)
        pending = rejected
        if not pending.any():
            break
    return step
