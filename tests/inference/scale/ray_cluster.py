"""A real two-node Ray cluster on 127.0.0.1, started and stopped by the tests (and benchmarks) themselves.

Both nodes are ``ray start --block`` processes in a session of their own,
with their own temporary directory and free ports, so they disturb no other
Ray on the machine; stopping ends exactly the processes of those sessions.
Ray replaces 127.0.0.1 (and "localhost") by the machine's network address
in a multi-node cluster, but leaves the rest of the loopback range alone:
the head node listens on 127.0.0.2 and the second node on 127.0.0.3, and
drivers connect with ``_node_ip_address`` set to the head's address
(:func:`causalppl.inference.scale.cluster.connect` does so for any loopback
address).  No address outside 127.0.0.0/8 is used.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

HOST = "127.0.0.2"
SECOND_HOST = "127.0.0.3"
# newer Ray (2.5x) turns token authentication on for `ray start`: a loopback test cluster needs none
QUIET = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_DEDUP_LOGS": "0", "RAY_AUTH_MODE": "disabled"}


def _free_ports(count: int) -> list[int]:
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind((HOST, 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def _node_args(ports: list[int], host: str = HOST) -> list[str]:
    manager, objects, agent, agent_grpc, runtime_env, metrics, low = ports
    return [f"--node-ip-address={host}", "--num-cpus=1", "--num-gpus=0",
            f"--node-manager-port={manager}", f"--object-manager-port={objects}",
            f"--dashboard-agent-listen-port={agent}", f"--dashboard-agent-grpc-port={agent_grpc}",
            f"--runtime-env-agent-port={runtime_env}", f"--metrics-export-port={metrics}",
            f"--min-worker-port={low}", f"--max-worker-port={low + 40}", "--disable-usage-stats", "--block"]


@contextmanager
def two_node_cluster(cpus_per_node: int = 1, timeout: float = 120.0) -> Iterator[str]:
    """Start a head and a worker node on this machine; yield the head's address; stop both."""
    beside = Path(sys.executable).with_name("ray")  # the environment's own, else the one on PATH
    ray_bin = str(beside) if beside.exists() else (shutil.which("ray") or str(beside))
    temp = tempfile.mkdtemp(prefix="cppl-ray-", dir="/tmp")
    env = dict(os.environ, **QUIET)
    processes: list[subprocess.Popen] = []
    (gcs_port,) = _free_ports(1)
    address = f"{HOST}:{gcs_port}"
    log = open(Path(temp) / "start.log", "w")
    try:
        head = [ray_bin, "start", "--head", f"--port={gcs_port}", "--include-dashboard=false", f"--temp-dir={temp}"] + _node_args(_free_ports(7))
        processes.append(subprocess.Popen(_with_cpus(head, cpus_per_node), env=env, stdout=log, stderr=log,
                                          start_new_session=True))
        _wait_for(address, 1, timeout, processes, log.name)
        worker = [ray_bin, "start", f"--address={address}"] + _node_args(_free_ports(7), SECOND_HOST)
        processes.append(subprocess.Popen(_with_cpus(worker, cpus_per_node), env=env, stdout=log, stderr=log,
                                          start_new_session=True))
        _wait_for(address, 2, timeout, processes, log.name)
        yield address
    finally:
        _stop(processes)
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


def _with_cpus(args: list[str], cpus: int) -> list[str]:
    return [f"--num-cpus={cpus}" if a == "--num-cpus=1" else a for a in args]


def _wait_for(address: str, nodes: int, timeout: float, processes: list[subprocess.Popen], log: str) -> None:
    """Until the cluster at ``address`` has ``nodes`` live nodes (asked from a short-lived subprocess)."""
    probe = ("import ray,sys; ray.init(address=sys.argv[1], _node_ip_address=sys.argv[1].split(':')[0], log_to_driver=False, "
             "configure_logging=False); print(sum(1 for n in ray.nodes() if n['Alive']))")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("a Ray node exited while starting:\n" + Path(log).read_text()[-3000:])
        try:
            done = subprocess.run([sys.executable, "-c", probe, address], capture_output=True, text=True, timeout=30,
                                  env=dict(os.environ, **QUIET))
        except subprocess.TimeoutExpired:
            continue
        if done.returncode == 0 and done.stdout.strip().isdigit() and int(done.stdout.strip()) >= nodes:
            return
        time.sleep(1.0)
    raise RuntimeError(f"the Ray cluster at {address} did not reach {nodes} nodes in {timeout:.0f} s")


def _stop(processes: list[subprocess.Popen]) -> None:
    """End the sessions we started (the ``ray start`` processes and everything they launched)."""
    sessions = {process.pid for process in processes}
    for process in reversed(processes):
        _signal_session(process, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    time.sleep(1.0)
    for process in processes:
        _signal_session(process, signal.SIGKILL)
    for pid in _members(sessions):  # Ray's workers change process group but stay in the session
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _members(sessions: set[int]) -> list[int]:
    """Processes still alive in the given sessions (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if os.getsid(int(entry.name)) in sessions:
                    found.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return found


def _signal_session(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)  # the session (and process group) this process leads
    except (ProcessLookupError, PermissionError):
        pass
