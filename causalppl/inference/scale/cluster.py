"""Connecting to Ray, the engine that spreads work over machines (optional extra ``causalppl[ray]``).

``auto`` joins the cluster this machine belongs to (``ray start`` was run
here), ``local`` starts a single-machine Ray inside this process, anything
else is a cluster address (``10.0.0.5:6379``, or ``ray://head:10001`` for
Ray Client).  Ray is imported only here, and only when an address is given.
"""

from __future__ import annotations

from typing import Any

from causalppl.diagnostics import CausalPPLError, Span, spell_option

RAY_SPAN = Span.unknown("<ray>")


def import_ray() -> Any:
    """The ``ray`` module, or a user error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise CausalPPLError.at(RAY_SPAN, f"{spell_option('ray_address')} needs Ray, which is not installed",
                                "pip install 'causalppl[ray]'") from None
    return ray


def connect(address: str) -> Any:
    """``ray`` connected to the cluster at ``address`` (``auto``, ``local`` or an address); reused once connected."""
    ray = import_ray()
    if ray.is_initialized():
        return ray
    try:
        if address == "local":
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
        else:
            host = _loopback_host(address)
            extra = {"_node_ip_address": host} if host else {}
            ray.init(address=address, log_to_driver=False, configure_logging=False, **extra)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise CausalPPLError.at(RAY_SPAN, f"cannot connect to the Ray cluster at '{address}': {error}",
                                "start one with 'ray start --head' (then use auto), or use local") from None
    return ray


def _loopback_host(address: str) -> str | None:
    """The head's host when it is a loopback address (a cluster on this machine): the driver joins it there."""
    host = address.split("://")[-1].rsplit(":", 1)[0]
    return host if host.startswith("127.") else None


def cluster_cpus(ray: Any) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
