"""The 95% central interval of draws, on whatever device the draws live.

Every answer with an interval from draws (posterior draws, per-draw
counterfactuals, rows over draws) takes its quantiles here, so that the
quantile levels are made on the draws' own device: a fit on ``--device cuda``
leaves draws on the GPU, and ``torch.quantile`` refuses levels on another
device.

>>> import torch
>>> central_interval(torch.arange(101, dtype=torch.float64))
(2.5, 97.5)
>>> low, high = central_interval(torch.tensor([[0.0, 10.0], [1.0, 20.0]]), dim=0)
>>> low.tolist(), high.tolist()
([0.02500000037252903, 10.25], [0.9750000238418579, 19.75])
"""

from __future__ import annotations

import torch

INTERVAL = (0.025, 0.975)


def central_interval(values: torch.Tensor, dim: int | None = None):
    """Lower and upper 95% quantiles: floats over all values, or tensors along ``dim``."""
    levels = torch.tensor(INTERVAL, dtype=values.dtype, device=values.device)
    if dim is None:
        low, high = torch.quantile(values.reshape(-1), levels).tolist()
        return low, high
    low, high = torch.quantile(values, levels, dim=dim)
    return low, high


__all__ = ["INTERVAL", "central_interval"]
