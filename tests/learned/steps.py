"""Steps shared by the learned-examples tests: serve a suggestion, decide on it, read the candidates."""

from __future__ import annotations

import itertools
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.tables.decisions import RecommendationRequestRow
from advisor.store.tables.learned import LearnedExampleRow
from tests.builders import auth, make_context

URL = "/v1/learned-examples"
TEACH = "the driver left my package for order A1001 somewhere, I can't find it"
TAUGHT = "the driver left my package for order […] somewhere, I can't find it"
"""TEACH as kept: the order number (a CRM value, and it has digits) is masked."""
PROBE = "the driver left it somewhere, I can't find it"
"""Escalates against the test pack; once TAUGHT is an approved example of lost_package, it is answered."""
_events = itertools.count(1)


def serve(client: TestClient, secret: str, text: str, **overrides: Any) -> dict[str, Any]:
    """Ask for suggestions for one customer turn; return the response body."""
    response = client.post("/v1/recommendations", json=make_context(text, **overrides), headers=auth(secret))
    assert response.status_code == 200, response.text
    return dict(response.json())


def decide(
    client: TestClient,
    secret: str,
    rec_id: str,
    action: str = "accepted",
    event_id: str | None = None,
    **body: Any,
) -> dict[str, Any]:
    """Send one feedback event; return the acknowledgement."""
    payload = {
        "recommendation_id": rec_id,
        "client_event_id": event_id or f"evt-{next(_events)}",
        "action": action,
        **body,
    }
    response = client.post("/v1/feedback", json=payload, headers=auth(secret))
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def accept(
    client: TestClient, secret: str, text: str, pattern_id: str = "lost_package", **overrides: Any
) -> str:
    """Serve ``text``, check ``pattern_id`` came first and accept it; return the recommendation id."""
    top = serve(client, secret, text, **overrides)["recommendations"][0]
    assert top["pattern_id"] == pattern_id, top
    decide(client, secret, top["recommendation_id"])
    return str(top["recommendation_id"])


def listed(client: TestClient, secret: str, **params: Any) -> list[dict[str, Any]]:
    """Return the candidates the key sees."""
    response = client.get(URL, params=params, headers=auth(secret))
    assert response.status_code == 200, response.text
    return list(response.json())


def taught(client: TestClient, agent: str, admin: str) -> dict[str, Any]:
    """Make TEACH a pending candidate of lost_package and return it."""
    accept(client, agent, TEACH)
    [candidate] = listed(client, admin, status="pending")
    return candidate


def stored_examples(url: str) -> list[LearnedExampleRow]:
    """Return every learned-example row, by id."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = list(session.scalars(select(LearnedExampleRow).order_by(LearnedExampleRow.id)))
    engine.dispose()
    return rows


def stored_request(url: str, request_id: str) -> RecommendationRequestRow:
    """Return one served request as stored (the decision writer stores it within its batch window)."""
    engine = make_engine(url)
    deadline = time.monotonic() + 10
    while True:
        with make_sessionmaker(engine)() as session:
            row = session.get(RecommendationRequestRow, request_id)
        if row is not None or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    engine.dispose()
    assert row is not None
    return row
