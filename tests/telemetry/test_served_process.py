"""`advisor serve` as operators run it: JSON logs without customer text or keys, graceful shutdown."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from advisor.app import create_app
from tests.builders import Keys, auth, make_context, seed_tenants
from tests.conftest import make_settings
from tests.servers import Served, advisor_process

MARKER = "zanzibarquokka"
"""A word that appears only in customer text and agents' final texts: it must never reach a log."""


@dataclass
class Store:
    url: str
    keys: Keys


@pytest.fixture
def store(tmp_path: Path) -> Store:
    url = f"sqlite:///{tmp_path / 'advisor.db'}"
    with TestClient(create_app(make_settings(url))):
        pass  # migrate the store
    return Store(url, seed_tenants(url))


@pytest.fixture
def served(store: Store, tmp_path: Path) -> Iterator[Served]:
    with advisor_process(store.url, tmp_path / "stderr.log") as running:
        yield running


def test_logs_are_json_with_request_ids_and_no_customer_text_or_keys(served: Served, store: Store) -> None:
    with httpx.Client(base_url=served.base, timeout=30) as http:
        context = make_context(f"my parcel never arrived, my nickname is {MARKER}")
        answer = http.post(
            "/v1/recommendations",
            json=context,
            headers={**auth(store.keys.acme_agent), "X-Request-ID": "desk-42"},
        )
        assert answer.status_code == 200
        assert answer.headers["x-request-id"] == "desk-42"
        rec = answer.json()["recommendations"][0]["recommendation_id"]
        feedback = {
            "recommendation_id": rec,
            "client_event_id": "e-1",
            "action": "edited",
            "final_text": f"Sorry {MARKER}, I am on it",
        }
        assert (
            http.post("/v1/feedback", json=feedback, headers=auth(store.keys.acme_agent)).status_code == 201
        )
        bad = http.post("/v1/recommendations", json={"turns": MARKER}, headers=auth(store.keys.acme_agent))
        assert bad.status_code == 422
        assert (
            http.get(f"/v1/patterns/{MARKER}?q={MARKER}", headers=auth(store.keys.acme_admin)).status_code
            == 404
        )
        assert http.get("/v1/patterns", headers=auth(f"adv_{MARKER}")).status_code == 401
        generated = http.get("/healthz").headers["x-request-id"]
    served.process.send_signal(signal.SIGTERM)
    served.process.wait(timeout=30)

    lines = served.log_lines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [r for r in records if r["logger"] == "advisor.access"]
    assert {r["request_id"] for r in access} >= {"desk-42", generated}
    assert {"method": "GET", "route": "/v1/patterns/{pattern_id}", "status": 404} in [
        {k: r[k] for k in ("method", "route", "status")} for r in access
    ]
    captured = "\n".join(lines)
    assert MARKER not in captured
    for secret in (store.keys.acme_agent, store.keys.acme_admin):
        assert secret not in captured


def test_sigterm_lets_requests_in_flight_finish(served: Served, store: Store) -> None:
    # Slow clients: each request's body arrives in two parts, SIGTERM comes between them.
    body = json.dumps(make_context()).encode()
    release = threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield body[:20]
        release.wait(30)
        yield body[20:]

    def ask() -> int:
        with httpx.Client(base_url=served.base, timeout=60) as http:
            headers = {**auth(store.keys.acme_agent), "Content-Type": "application/json"}
            return http.post("/v1/recommendations", content=slow_body(), headers=headers).status_code

    def in_flight() -> float:
        text = httpx.get(f"{served.base}/metrics", timeout=10).text
        line = next(x for x in text.splitlines() if x.startswith("advisor_http_requests_in_flight "))
        return float(line.split()[1]) - 1  # not this request

    with ThreadPoolExecutor(8) as pool:
        answers = [pool.submit(ask) for _ in range(8)]
        deadline = time.monotonic() + 30
        while in_flight() < 8:  # every request has reached the app and waits for the rest of its body
            assert time.monotonic() < deadline
            time.sleep(0.05)
        served.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        release.set()
        codes = [a.result() for a in answers]
    assert codes == [200] * 8
    # uvicorn re-raises the signal once it has shut down cleanly.
    assert served.process.wait(timeout=60) in (0, -signal.SIGTERM)


def test_metrics_sum_over_worker_processes(store: Store, tmp_path: Path) -> None:
    with advisor_process(store.url, tmp_path / "workers.log", "--workers", "2") as running:
        for n in range(6):  # a new connection each: the kernel spreads them over the workers
            answer = httpx.post(
                f"{running.base}/v1/recommendations",
                json={**make_context(), "interaction_id": f"w-{n}"},
                headers=auth(store.keys.acme_agent),
                timeout=30,
            )
            assert answer.status_code == 200
        counts = set()
        for _ in range(12):  # whichever worker answers the scrape
            text = httpx.get(f"{running.base}/metrics", timeout=10).text
            line = next(
                x
                for x in text.splitlines()
                if x.startswith('advisor_recommendations_total{outcome="suggested"}')
            )
            counts.add(float(line.split()[-1]))
        assert counts == {6.0}


def sockets_held(pids: list[int], port: int, state: str) -> dict[int, int]:
    """Return how many TCP sockets on local ``port`` in ``state`` (01 established, 0A listening) each
    process holds (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(f"socket:[{fields[9]}]")
    held = dict.fromkeys(pids, 0)
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                held[pid] += os.readlink(fd) in inodes
    return held


def worker_pids(supervisor: int) -> list[int]:
    """Return the worker processes uvicorn's supervisor spawned (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_connections_opened_together_are_spread_over_the_workers(store: Store, tmp_path: Path) -> None:
    with advisor_process(store.url, tmp_path / "workers.log", "--workers", "2") as running:
        port = int(running.base.rsplit(":", 1)[1])
        deadline = time.monotonic() + 120
        workers = worker_pids(running.process.pid)
        while len(workers) < 2 or not all(sockets_held(workers, port, "0A").values()):
            assert time.monotonic() < deadline, "both workers never listened"  # (built their libraries)
            time.sleep(0.2)
            workers = worker_pids(running.process.pid)
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]  # a desk's pool opening
        try:
            held = sockets_held(workers, port, "01")
            while sum(held.values()) < 32:
                assert time.monotonic() < deadline, f"only {held} of 32 connections were accepted"
                time.sleep(0.1)
                held = sockets_held(workers, port, "01")
            supervisor = sockets_held([running.process.pid], port, "0A") | sockets_held(
                [running.process.pid], port, "01"
            )
        finally:
            for client in clients:
                client.close()
    # With one listening socket shared by both workers, the first to wake took the whole burst (32/0 in
    # each of four runs of this test) and the other stayed idle for as long as the connections lived.
    assert min(held.values()) >= 5, held
    assert supervisor == {running.process.pid: 0}  # no socket where nobody accepts
