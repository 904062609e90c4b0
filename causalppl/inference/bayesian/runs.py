"""What a sampler hands back: draws of the global sites grouped by chain, and its own statistics."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass(frozen=True)
class SamplerRun:
    """``draws[name]`` has shape (chains, draws, *site shape), on the CPU."""

    draws: dict[str, torch.Tensor]
    divergences: np.ndarray | None = None  # (chains, draws) booleans, MCMC only
    statistics: dict = field(default_factory=dict)  # e.g. the SVI loss history

    @property
    def num_chains(self) -> int:
        return next(iter(self.draws.values())).shape[0] if self.draws else 1

    @property
    def draws_per_chain(self) -> int:
        return next(iter(self.draws.values())).shape[1] if self.draws else 0


def stack_chains(chains: list[dict[str, torch.Tensor]], sites: tuple[str, ...]) -> dict[str, torch.Tensor]:
    """Per-chain draws (draws, ...) → one tensor per site (chains, draws, ...), detached on the CPU."""
    return {name: torch.stack([chain[name].detach().to("cpu") for chain in chains]) for name in sites}
