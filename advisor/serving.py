"""Choose how many worker processes to run, and run them with a listening socket each on one port.

uvicorn's supervisor binds one socket and hands it to every worker. Two things went wrong with it:
- asyncio accepts every pending connection when its socket is readable, so the first worker to wake took
  a whole burst of keep-alive connections: 32 connections opened together went 32/0 or 8/24 over two
  workers in two of five runs, and the idle worker stayed idle for the connections' lifetime (868
  requests/s instead of 1,576). On Linux each worker therefore gets a socket of its own, bound to the
  same port with SO_REUSEPORT, and the kernel spreads new connections over them by a hash of their
  addresses. A worker's socket listens only once its start-up is done (libraries built, see
  ``app.warm_libraries``), so no connection waits behind a worker that is still starting, and a dead
  worker's socket closes with it.
- uvicorn binds with ``proto`` 0, so asyncio never set TCP_NODELAY on the accepted connections, and
  every keep-alive response after the first waited ~40 ms for the client's delayed ACK (uvicorn issue
  #3149, open in 0.54): ``/healthz`` under wrk went from 1 ms to 44 ms at two workers. Our sockets are
  IPPROTO_TCP, so asyncio sets TCP_NODELAY per connection.
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


def worker_listener(config: uvicorn.Config) -> socket.socket:
    """Bind a socket of one worker's own to the config's port (SO_REUSEPORT), not listening yet: uvicorn
    listens on it once the worker's start-up is done."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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
        )
        if balanced():
            try:
                worker_listener(config).close()  # the port is free (or ours): say so now, not in a worker
            except OSError as exc:
                raise SystemExit(f"advisor: cannot listen on {host}:{port}: {exc}") from exc
            # uvicorn's supervisor builds its workers from this module name; each then binds its own socket.
            multiprocess.Process = _WorkerWithOwnSocket  # type: ignore[misc]
            Multiprocess(config, sockets=[]).run()
        else:
            Multiprocess(config, sockets=[tcp_listener(config)]).run()
