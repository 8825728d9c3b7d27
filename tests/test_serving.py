"""Worker count chosen by store, and the listening sockets of workers, whose connections send without
Nagle delays."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import uvicorn

from advisor.serving import balanced, choose_workers, http_stack, tcp_listener, worker_listener
from tests.servers import free_port, served_env


def test_one_worker_on_sqlite_and_one_per_core_on_postgresql() -> None:
    assert choose_workers("sqlite:///advisor.db", None)[0] == 1
    assert choose_workers("postgresql://db/advisor", None)[0] == len(os.sched_getaffinity(0))
    assert choose_workers("sqlite:///advisor.db", 3) == (3, "as asked")


def test_the_banner_names_the_chosen_loop_and_the_httptools_parser() -> None:
    assert http_stack("asyncio") == "asyncio + httptools"  # uvicorn[standard] installs httptools


PER_WORKER = pytest.param(
    worker_listener,
    id="per-worker",
    marks=pytest.mark.skipif(not balanced(), reason="SO_REUSEPORT spreads connections only on Linux"),
)


@pytest.mark.parametrize("bind", [pytest.param(tcp_listener, id="shared"), PER_WORKER])
def test_connections_accepted_on_a_workers_socket_have_tcp_nodelay(
    bind: Callable[[uvicorn.Config], socket.socket],
) -> None:
    config = uvicorn.Config("advisor.app:create_app", factory=True, host="127.0.0.1", port=0, workers=2)
    listener = bind(config)
    seen: list[int] = []

    async def main() -> None:
        done = asyncio.Event()

        def accepted(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()
            done.set()

        server = await asyncio.start_server(accepted, sock=listener)  # as each uvicorn worker does
        host, port = listener.getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        await asyncio.wait_for(done.wait(), timeout=60)
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())
    assert seen == [1]  # without it each keep-alive response waits ~40 ms for a delayed ACK


def test_several_workers_refuse_a_port_another_server_listens_on(tmp_path: Path) -> None:
    port = free_port()
    with socket.create_server(("127.0.0.1", port)):  # SO_REUSEPORT alone would let the workers share it
        env = served_env(f"sqlite:///{tmp_path / 'advisor.db'}", port)
        done = subprocess.run(
            [sys.executable, "-m", "advisor", "serve", "--workers", "2"],
            env=env,
            capture_output=True,
            timeout=120,
        )
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr.decode()
