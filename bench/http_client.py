"""A second load client for bench/http_wrk.sh: N keep-alive connections with one request outstanding each.

    BENCH_CLIENT=asyncio bash bench/http_wrk.sh 8 32 1

It sends wrk's request (the same rotating customer messages) and times each request from its write to the
last byte of its answer. At 32 connections wrk's p99 against advisor came out 3-4x this client's for the
same server at the same throughput (docs/benchmarks.md), so the tail is read with both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

TEXTS = [
    "my parcel never arrived and tracking is stuck",
    "I want to return these jeans, wrong size",
    "my card was declined at checkout",
    "how do I reset my password",
    "the promo code says expired",
    "I was charged twice for one order",
    "can you change my delivery address",
]


def request_bytes(n: int, key: str) -> bytes:
    """Return the n-th request, as wrk's script (bench/http_wrk.sh) builds it."""
    body = json.dumps(
        {
            "interaction_id": f"w{n}",
            "channel": "chat",
            "agent_id": "agent-demo",
            "turns": [{"role": "customer", "text": TEXTS[n % len(TEXTS)]}],
            "crm": {
                "customer": {"first_name": "Dana", "segment": "gold"},
                "order": {"id": "A1001", "status": "shipped", "carrier": "UPS"},
            },
        }
    ).encode()
    head = (
        "POST /v1/recommendations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def connection(
    port: int, key: str, until: float, counter: list[int], out: list[tuple[int, float]]
) -> None:
    """Send requests one after another on one connection until ``until``; note (status, seconds) each."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            counter[0] += 1
            started = time.perf_counter()
            writer.write(request_bytes(counter[0], key))
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length = next(int(v.split(b":")[1]) for v in lines if v.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            out.append((int(lines[0].split()[1]), time.perf_counter() - started))
    finally:
        writer.close()


async def run(port: int, key: str, connections: int, duration: float) -> None:
    """Load the server and print requests/s and latency percentiles like wrk's summary."""
    counter, out = [0], []
    until = time.perf_counter() + duration
    await asyncio.gather(*(connection(port, key, until, counter, out) for _ in range(connections)))
    seconds = sorted(s for _, s in out)

    def pct(p: float) -> str:
        return f"{seconds[min(len(seconds) - 1, int(p * len(seconds)))] * 1000:.2f}ms"

    other = sum(1 for status, _ in out if not 200 <= status < 300)
    print(f"asyncio client: {len(out)} requests in {duration:.0f}s, {connections} connections")
    print(f"     50%   {pct(0.5)}\n     90%   {pct(0.9)}\n     99%   {pct(0.99)}\n    max   {pct(1.0)}")
    if other:
        print(f"  Non-2xx or 3xx responses: {other}")
    print(f"Requests/sec: {len(out) / duration:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", default="")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=8.0)
    args = parser.parse_args()
    asyncio.run(run(args.port, args.key, args.connections, args.duration))


if __name__ == "__main__":
    main()
