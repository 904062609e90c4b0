"""A PNG (or PDF, SVG) of each query's posterior: histogram of the per-draw values, mean and 95% interval marked."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

from causalppl.inference.intervals import central_interval


def plot_query_posteriors(answered: Sequence[tuple[str, torch.Tensor]], path: str) -> Path:
    """One panel per answered query, stacked vertically, written to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(answered), 1, figsize=(6.0, 2.4 * max(1, len(answered))), squeeze=False)
    for axis, (label, values) in zip(axes[:, 0], answered):
        _panel(axis, label, values.detach().to("cpu", torch.float64))
    figure.tight_layout()
    target = Path(path)  # checked when the option was given: an existing folder, a known extension
    figure.savefig(target, dpi=110)
    plt.close(figure)
    return target


def _panel(axis, label: str, values: torch.Tensor) -> None:
    numbers = values.numpy()
    axis.hist(numbers, bins=min(50, max(10, len(numbers) // 20)), density=True, color="#7a9cc6", alpha=0.85)
    mean = float(values.mean())
    lower, upper = central_interval(values)
    axis.axvline(mean, color="black", linewidth=1.5, label=f"mean {mean:.4g}")
    axis.axvspan(lower, upper, color="#f0b429", alpha=0.25, label=f"95% [{lower:.4g}, {upper:.4g}]")
    axis.set_title(label, fontsize=9, loc="left")
    axis.set_yticks([])
    axis.legend(fontsize=7, loc="upper right")
