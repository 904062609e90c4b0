"""Where models and samplers run: "cpu", or "cuda" when torch can see a GPU."""

from __future__ import annotations

import contextlib
import sys
from typing import Iterator

from causalppl.lazy import torch

from causalppl.backends import runtime as rt
from causalppl.diagnostics import Span
from causalppl.inference.messages import query_error


def resolve_device(name: str | None, span: Span) -> torch.device:
    """The torch device for ``--device``; a clear error when CUDA is asked for but absent."""
    text = (name or "cpu").strip().lower()
    if text.startswith("cuda"):
        if not torch.cuda.is_available():
            raise query_error(span, f"--device {text} was requested but torch sees no CUDA GPU "
                                    f"(torch {torch.__version__}, CUDA build: {torch.version.cuda or 'none'})",
                              "run with --device cpu, or install a CUDA build of torch on a machine with a GPU")
        return torch.device(text)
    if text != "cpu":
        raise query_error(span, f"unknown device '{name}'", "choose cpu or cuda")
    return torch.device("cpu")


@contextlib.contextmanager
def running_on(device: torch.device) -> Iterator[None]:
    """Create every tensor (programs, tables, sampler state) on ``device``.

    On the CPU nothing is changed: torch's default-device mode intercepts
    every tensor operation, which costs a lot in small, Python-bound models.
    """
    if device.type == "cpu":
        yield
        return
    with rt.default_device(device):
        yield


@contextlib.contextmanager
def on_cpu() -> Iterator[None]:
    """Run on the CPU even inside :func:`running_on` (the exact engine works in float64 on the CPU)."""
    if not _device_modes() or torch.get_default_device().type == "cpu":
        yield
        return
    with rt.default_device("cpu"):
        yield


def _device_modes() -> bool:
    """Whether some torch function mode (such as a default device other than the CPU's) may be active.

    Asking torch for its default device builds a tensor each time; with no
    mode on the stack the answer is the CPU, known without asking; and
    before torch is imported (a network of tables needs none) there is no
    stack at all.
    """
    if "torch" not in sys.modules:
        return False
    length = getattr(torch._C, "_len_torch_function_stack", None)
    return length is None or length() > 0
