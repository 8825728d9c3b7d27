"""Choose how many worker processes to run, and run them on one listening socket that keeps TCP_NODELAY.

uvicorn binds the shared socket with ``proto`` 0, so asyncio never sets TCP_NODELAY on the accepted
connections and every keep-alive response after the first waits ~40 ms for the client's delayed ACK
(uvicorn issue #3149, open in 0.54): measured here, ``/healthz`` under wrk went from 1 ms to 44 ms at two
workers. Re-wrapping the bound socket as IPPROTO_TCP restores TCP_NODELAY.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import tempfile

import uvicorn
from uvicorn.supervisors import Multiprocess

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
        Multiprocess(config, sockets=[tcp_listener(config)]).run()
