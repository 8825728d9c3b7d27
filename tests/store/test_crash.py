"""SIGKILL mid-stream: nothing is stored without its audit row or its webhook outbox row, on both engines;
after a restart, every event sent again is stored exactly once (issue 12's durability test).

A real ``advisor serve`` process takes feedback and new patterns over HTTP from several threads and is
killed with SIGKILL while they run. Afterwards every stored feedback event has its ``feedback.recorded``
outbox row, every new pattern its ``pattern.create`` audit row, and every acknowledged event is stored.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.tables.audit import AuditEntryRow
from advisor.store.tables.decisions import FeedbackEventRow, RecommendationRequestRow, RecommendationRow
from advisor.store.tables.patterns import PatternVersionRow
from advisor.store.tables.webhooks import WebhookDeliveryRow, WebhookSubscriptionRow
from tests.builders import TEST_PACK, Keys, auth, make_context, make_pattern_body, seed_tenants
from tests.conftest import Database

ENOUGH = 20  # acknowledged events before the kill


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _subscribe(url: str) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():
        session.add(
            WebhookSubscriptionRow(
                id=str(uuid.uuid4()),
                tenant_id="acme",
                url="https://hooks.example.com/advisor",
                events=["feedback.recorded", "pattern.changed"],
                secret="whsec_test",
                created_by="admin:test",
            )
        )
    engine.dispose()


def _serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ADVISOR_DATABASE_URL": url,
        "ADVISOR_SEED_DEMO": "false",
        "ADVISOR_PATTERNS_DIR": str(TEST_PACK),
        "ADVISOR_WEBHOOKS__ENABLED": "false",  # keep the outbox as written
        "ADVISOR_METRICS__REFRESH_INTERVAL_S": "0",
    }
    command = [sys.executable, "-m", "advisor", "serve", "--port", str(port), "--workers", "1"]
    return subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)  # noqa: S603


def _wait_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert server.poll() is None, "advisor serve exited"
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("advisor serve did not come up")


def _send_feedback(
    client: httpx.Client, body: dict[str, str], key: str, acknowledged: list[str], unexpected: list[str]
) -> bool:
    """Post one feedback event and note whether it was acknowledged; False once the server is gone."""
    try:
        response = client.post("/v1/feedback", json=body, headers=auth(key))
    except httpx.TransportError:
        return False
    if response.status_code == 201:
        acknowledged.append(body["client_event_id"])
    else:
        unexpected.append(response.text)
    return True


def _kill_mid_stream(
    server: subprocess.Popen[bytes],
    threads: list[threading.Thread],
    stop: threading.Event,
    acknowledged: list[str],
    unexpected: list[str],
) -> None:
    """Run the client threads until ``ENOUGH`` events are acknowledged, SIGKILL the server, stop them."""
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 240
    while len(acknowledged) < ENOUGH and not unexpected and time.monotonic() < deadline:
        time.sleep(0.05)
    server.send_signal(signal.SIGKILL)  # mid-stream: requests are in flight
    server.wait(timeout=30)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)


def _shut_down(server: subprocess.Popen[bytes], stop: threading.Event) -> None:
    """Stop the client threads and the server, whatever happened."""
    stop.set()
    if server.poll() is None:
        server.kill()
        server.wait(timeout=30)


@pytest.mark.timeout(600)
def test_sigkill_leaves_no_row_without_its_audit_or_outbox_row(database: Database, tmp_path: Path) -> None:
    engine = make_engine(database.url)
    upgrade(engine)
    engine.dispose()
    keys: Keys = seed_tenants(database.url)
    _subscribe(database.url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(database.url, port, tmp_path / "serve.log")
    acknowledged: list[str] = []
    unexpected: list[str] = []
    stop = threading.Event()
    try:
        _wait_up(base, server)
        with httpx.Client(base_url=base, timeout=30) as client:
            served = client.post("/v1/recommendations", json=make_context(k=5), headers=auth(keys.acme_agent))
            recs = [r["recommendation_id"] for r in served.json()["recommendations"]]

        def feedback(worker: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    event_id = f"w{worker}-{n}"
                    body = {
                        "recommendation_id": recs[n % len(recs)],
                        "client_event_id": event_id,
                        "action": "shown",
                    }
                    if not _send_feedback(client, body, keys.acme_agent, acknowledged, unexpected):
                        return

        def patterns(worker: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    body = make_pattern_body(f"crash_w{worker}_{n}", owner="team-a")
                    try:
                        client.post("/v1/patterns", json=body, headers=auth(keys.acme_admin))
                    except httpx.TransportError:
                        return

        threads = [threading.Thread(target=feedback, args=(w,)) for w in range(3)]
        threads += [threading.Thread(target=patterns, args=(w,)) for w in range(2)]
        _kill_mid_stream(server, threads, stop, acknowledged, unexpected)
    finally:
        _shut_down(server, stop)

    engine = make_engine(database.url)
    with make_sessionmaker(engine)() as session:
        stored = set(session.scalars(select(FeedbackEventRow.client_event_id)))
        outbox = [
            d.payload["data"]
            for d in session.scalars(select(WebhookDeliveryRow))
            if d.event_type == "feedback.recorded"
        ]
        created = {p for p in session.scalars(select(PatternVersionRow.pattern_id)) if p.startswith("crash_")}
        audited = set(
            session.scalars(select(AuditEntryRow.subject_id).where(AuditEntryRow.action == "pattern.create"))
        )
    engine.dispose()
    assert unexpected == []
    assert stored, "no feedback was stored before the kill"
    assert set(acknowledged) <= stored  # acknowledged means durable
    assert stored == {d["client_event_id"] for d in outbox}  # each with its outbox row, none without
    assert created <= audited


@pytest.mark.timeout(600)
def test_sigkill_then_resend_stores_every_acknowledged_event_exactly_once(
    database: Database, tmp_path: Path
) -> None:
    """Recommendations and feedback flow when the server is killed; a restarted server takes every event
    again with its client event id: each acknowledged one is stored once, and nothing is half-written."""
    engine = make_engine(database.url)
    upgrade(engine)
    engine.dispose()
    keys: Keys = seed_tenants(database.url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(database.url, port, tmp_path / "serve.log")
    recs: list[str] = []
    sent: dict[str, dict[str, str]] = {}
    acknowledged: list[str] = []
    unexpected: list[str] = []
    stop = threading.Event()
    try:
        _wait_up(base, server)

        def recommend(worker: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    body = make_context(k=5, interaction_id=f"crash-{worker}-{n}")
                    try:
                        response = client.post(
                            "/v1/recommendations", json=body, headers=auth(keys.acme_agent)
                        )
                    except httpx.TransportError:
                        return
                    recs.extend(r["recommendation_id"] for r in response.json()["recommendations"])

        def feedback(worker: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                n = 0
                while not stop.is_set():
                    if not recs:
                        time.sleep(0.01)
                        continue
                    n += 1
                    event_id = f"w{worker}-{n}"
                    # The newest suggestion: most likely still in the decision writer's batch.
                    body = {"recommendation_id": recs[-1], "client_event_id": event_id, "action": "shown"}
                    sent[event_id] = body
                    if not _send_feedback(client, body, keys.acme_agent, acknowledged, unexpected):
                        return

        threads = [threading.Thread(target=recommend, args=(w,)) for w in range(2)]
        threads += [threading.Thread(target=feedback, args=(w,)) for w in range(3)]
        _kill_mid_stream(server, threads, stop, acknowledged, unexpected)  # a batch is queued too

        server = _serve(database.url, port, tmp_path / "serve-again.log")
        _wait_up(base, server)
        answers: dict[str, int] = {}
        with httpx.Client(base_url=base, timeout=30) as client:
            for event_id, body in list(sent.items()):
                response = client.post("/v1/feedback", json=body, headers=auth(keys.acme_agent))
                answers[event_id] = response.status_code
    finally:
        _shut_down(server, stop)

    engine = make_engine(database.url)
    with make_sessionmaker(engine)() as session:
        events = list(
            session.execute(select(FeedbackEventRow.client_event_id, FeedbackEventRow.recommendation_id))
        )
        suggestions = list(session.execute(select(RecommendationRow.id, RecommendationRow.request_id)))
        requests = list(
            session.execute(select(RecommendationRequestRow.id, RecommendationRequestRow.escalate))
        )
    engine.dispose()
    assert unexpected == []
    assert len(acknowledged) >= ENOUGH
    stored = [event_id for event_id, _ in events]
    assert len(stored) == len(set(stored))  # exactly once, resends included
    assert set(acknowledged) <= set(stored)  # acknowledged before the kill means durable
    # A resend is a duplicate (200) or, never acknowledged before, stored now (201); only an event whose
    # suggestion was lost with the last batch window may be refused (404), and it was never acknowledged.
    assert all(answers[e] == 200 for e in acknowledged)
    lost = {e for e, status in answers.items() if status == 404}
    assert set(answers.values()) <= {200, 201, 404}
    assert not lost & set(acknowledged)
    # Nothing half-written: no feedback without its suggestion, no suggestion without its request, and a
    # request that suggested something has its suggestions.
    suggestion_ids = {s for s, _ in suggestions}
    assert {r for _, r in events} <= suggestion_ids
    assert {q for _, q in suggestions} <= {q for q, _ in requests}
    with_suggestions = {q for _, q in suggestions}
    assert all(q in with_suggestions for q, escalate in requests if not escalate)
