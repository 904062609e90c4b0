"""Helpers of ``bench/gpu.sh``: the device under test and a timer that waits for the GPU.

``GPU_DEVICE`` (default ``cuda``) names the device compared with the CPU;
``GPU_SMALL=1`` shrinks every size, so that ``GPU_DEVICE=cpu GPU_SMALL=1
bench/gpu.sh`` runs the whole script on a machine without a GPU.
"""

from __future__ import annotations

import os
import time
from typing import Callable, TypeVar

import torch

DEVICE = os.environ.get("GPU_DEVICE", "cuda")
SMALL = bool(os.environ.get("GPU_SMALL"))
T = TypeVar("T")


def sync() -> None:
    """Wait for queued GPU work, so that a timer stops when the work is done."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def timed(f: Callable[[], T], warm: bool = True) -> tuple[T, float]:
    """The value and seconds of a call; with ``warm``, of the second of two (the first warms caches and kernels)."""
    if warm:
        f()
        sync()
    start = time.perf_counter()
    value = f()
    sync()
    return value, time.perf_counter() - start
