"""Several workers share one listening socket whose connections still send without Nagle delays."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from advisor.serving import tcp_listener


def test_connections_accepted_on_the_shared_socket_have_tcp_nodelay() -> None:
    config = uvicorn.Config("advisor.app:create_app", factory=True, host="127.0.0.1", port=0, workers=2)
    listener = tcp_listener(config)
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
