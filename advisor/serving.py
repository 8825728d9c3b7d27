"""Choose how many worker processes to run, and run them with a listening socket each on one port.

On Linux each worker gets a socket of its own, bound to the port with SO_REUSEPORT and listening once the
worker's start-up is done, so that the kernel spreads connections over the workers; sockets are marked
IPPROTO_TCP so that asyncio sets TCP_NODELAY. Why both: docs/decisions.md, "Serving".
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
import tempfile

import uvicorn
from uvicorn.supervisors import Multiprocess, multiprocess

from advisor.telemetry.prometheus import MULTIPROC_ENV


def choose_workers(database_url: str, requested: int | None) -> tuple[int, str]:
    """Return the worker count and why: as asked, else one per core on PostgreSQL and one on SQLite."""
    if requested is not None:
        return requested, "as asked"
    if database_url.startswith("sqlite"):
        return 1, "SQLite admits one writer at a time; use PostgreSQL for one worker per core"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores, f"one per core ({cores}) on PostgreSQL"


def http_stack(loop: str) -> str:
    """Name the event loop and the HTTP parser uvicorn picks here (httptools when installed)."""
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} + {parser}"


def tcp_listener(config: uvicorn.Config) -> socket.socket:
    """Bind the config's socket and mark it IPPROTO_TCP, so that asyncio sets TCP_NODELAY per connection."""
    bound = config.bind_socket()
    return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())


WORKER_START_S = 300
"""How long a worker replacing another (a reload) may take to start, library builds included
(``app.WARM_BUDGET_S`` bounds those), before uvicorn gives the replacement up."""


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def unclaimed_port(host: str, port: int) -> int:
    """Return ``port`` (any free one for 0) once a plain bind shows that nothing listens on it: SO_REUSEPORT
    would let the workers join another server's port; exit with a message otherwise."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(f"advisor: cannot listen on {host}:{port}: {exc}") from exc
        return int(probe.getsockname()[1])


def worker_listener(config: uvicorn.Config) -> socket.socket:
    """Bind a socket of one worker's own to the config's port (SO_REUSEPORT), not listening yet: uvicorn
    listens on it once the worker's start-up is done."""
    sock = socket.socket(_family(config.host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((config.host, config.port))
    sock.set_inheritable(True)
    return sock


class _WorkerWithOwnSocket(multiprocess.Process):
    """A uvicorn worker process that serves on a socket of its own rather than the shared one."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:  # noqa: ARG002 (the shared ones: none)
        self._own = worker_listener(config)
        super().__init__(config, [self._own])

    def start(self) -> None:
        super().start()
        self._own.close()  # the worker holds it now; when it dies, its socket leaves the port


def balanced() -> bool:
    """Return whether the kernel spreads connections over sockets sharing a port (Linux SO_REUSEPORT)."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def run_workers(host: str, port: int, workers: int, grace_s: int, loop: str) -> None:
    """Serve ``advisor.app:create_served_app`` from ``workers`` processes until interrupted.

    The workers share one directory of Prometheus samples (``/metrics`` sums them), fresh per run.
    """
    with tempfile.TemporaryDirectory(prefix="advisor-metrics-") as samples:
        os.environ[MULTIPROC_ENV] = samples  # noqa: TID251 (prometheus_client reads it in each worker)
        config = uvicorn.Config(
            "advisor.app:create_served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop=loop,
            log_config=None,
            timeout_graceful_shutdown=grace_s,
            timeout_worker_healthcheck=WORKER_START_S,
        )
        if balanced():
            config.port = unclaimed_port(host, port)
            # uvicorn's supervisor builds its workers from this module name; each then binds its own socket.
            multiprocess.Process = _WorkerWithOwnSocket  # type: ignore[misc]
            Multiprocess(config, sockets=[]).run()
        else:
            Multiprocess(config, sockets=[tcp_listener(config)]).run()
