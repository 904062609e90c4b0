"""The knobs of Bayesian fitting and posterior answering, read from :class:`QueryOptions`.

``QueryOptions.extra`` carries the method-specific ones (``num_chains``,
``num_warmup``, ``num_samples``, ``jit_compile``, ``num_steps``, ``lr``,
``guide``, ``batch_size``, ``query_draws``, ``save_trace``, ``plot``...);
everything else keeps its default, written here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_CHAINS = 4
DEFAULT_WARMUP = 500
DEFAULT_SAMPLES = 500  # per chain for NUTS; draws from the guide or the conjugate posterior otherwise
DEFAULT_SVI_STEPS = 2000
DEFAULT_LEARNING_RATE = 0.02
DEFAULT_QUERY_DRAWS = 1000
LARGE_DATA_ROWS = 100_000  # above this many rows SVI subsamples by default
DEFAULT_BATCH_SIZE = 10_000
GUIDES = ("normal", "mvn")


@dataclass(frozen=True)
class FitSettings:
    """How to fit a posterior; part of the fit cache key (seed and device included)."""

    method: str
    seed: int | None
    device: str
    num_chains: int = DEFAULT_CHAINS
    num_warmup: int = DEFAULT_WARMUP
    num_samples: int = DEFAULT_SAMPLES
    jit_compile: bool = False
    target_accept: float = 0.8
    max_tree_depth: int = 10
    num_steps: int = DEFAULT_SVI_STEPS
    lr: float = DEFAULT_LEARNING_RATE
    guide: str = "normal"
    batch_size: int | None = None
    conjugate: bool | None = None  # None: use conjugate updates when the method is auto
    quiet: bool = True


@dataclass(frozen=True)
class AnswerSettings:
    """How to push posterior draws through a query."""

    query_draws: int = DEFAULT_QUERY_DRAWS
    units_per_draw: int = 10_000
    seed: int | None = None
    save_trace: str | None = None
    plot: str | None = None


def fit_settings(options: Any, method: str) -> FitSettings:
    """Settings for ``method`` ("nuts" or "svi") from a :class:`QueryOptions`."""
    extra = dict(options.extra or {})
    conjugate = extra.get("conjugate")
    if conjugate is None and options.method == "auto":
        conjugate = True
    return FitSettings(
        method=method,
        seed=options.seed,
        device=str(options.device or "cpu"),
        num_chains=_positive(extra, "num_chains", DEFAULT_CHAINS),
        num_warmup=_positive(extra, "num_warmup", DEFAULT_WARMUP, allow_zero=True),
        num_samples=_positive(extra, "num_samples", DEFAULT_SAMPLES),
        jit_compile=bool(extra.get("jit_compile", False)),
        target_accept=float(extra.get("target_accept", 0.8)),
        max_tree_depth=_positive(extra, "max_tree_depth", 10),
        num_steps=_positive(extra, "num_steps", DEFAULT_SVI_STEPS),
        lr=float(extra.get("lr", DEFAULT_LEARNING_RATE)),
        guide=_guide(extra.get("guide", "normal")),
        batch_size=_optional_positive(extra, "batch_size"),
        conjugate=None if conjugate is None else bool(conjugate),
        quiet=bool(options.quiet),
    )


def answer_settings(options: Any) -> AnswerSettings:
    extra = dict(options.extra or {})
    return AnswerSettings(
        query_draws=_positive(extra, "query_draws", DEFAULT_QUERY_DRAWS),
        units_per_draw=_positive(extra, "units_per_draw", min(int(options.samples), 10_000)),
        seed=options.seed,
        save_trace=_optional_text(extra.get("save_trace")),
        plot=_optional_text(extra.get("plot")),
    )


def _positive(extra: dict, key: str, default: int, allow_zero: bool = False) -> int:
    value = int(extra.get(key, default))
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"option {key} must be a positive integer, got {value}")
    return value


def _optional_positive(extra: dict, key: str) -> int | None:
    return None if extra.get(key) is None else _positive(extra, key, 1)


def _optional_text(value: Any) -> str | None:
    return None if value in (None, "", False) else str(value)


def _guide(name: Any) -> str:
    text = str(name).lower()
    aliases = {"autonormal": "normal", "automultivariatenormal": "mvn", "multivariate": "mvn"}
    text = aliases.get(text, text)
    if text not in GUIDES:
        raise ValueError(f"unknown guide {name!r}; choose one of {', '.join(GUIDES)}")
    return text
