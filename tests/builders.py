"""Plain functions that build real objects for tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select

from advisor.patterns.files import load_patterns
from advisor.patterns.service import add_patterns
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.patterns import PatternRepository
from advisor.store.tenancy import TenancyRepository

TEST_PACK = Path(__file__).resolve().parent / "data" / "pack"


def stored_rows(url: str, statement: Select[Any]) -> list[Any]:
    """Return what ``statement`` selects from the store at ``url``, read with an engine of its own."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = list(session.scalars(statement))
    engine.dispose()
    return rows


@dataclass(frozen=True)
class Keys:
    """Secrets per tenant and role."""

    acme_agent: str
    acme_agent2: str
    acme_lead: str
    acme_admin: str
    globex_agent: str
    globex_admin: str


def seed_tenants(url: str, pack: Path = TEST_PACK) -> Keys:
    """Create tenants acme and globex with keys, and approve the pack in both."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as session, session.begin():
        tenancy = TenancyRepository(session)
        patterns = PatternRepository(session)
        specs = load_patterns(pack)
        secrets: dict[str, str] = {}
        for tenant in ("acme", "globex"):
            tenancy.ensure_tenant(tenant)
            add_patterns(patterns, tenant, specs)
            _, secrets[f"{tenant}_agent"] = tenancy.create_key(
                tenant, "agent", team_id="team-a", agent_id="agent-1"
            )
            _, secrets[f"{tenant}_admin"] = tenancy.create_key(tenant, "admin")
        _, secrets["acme_agent2"] = tenancy.create_key("acme", "agent", team_id="team-a", agent_id="agent-2")
        _, secrets["acme_lead"] = tenancy.create_key("acme", "lead", team_id="team-a")
    engine.dispose()
    return Keys(**secrets)


def auth(secret: str) -> dict[str, str]:
    """Return the Authorization header for a key."""
    return {"Authorization": f"Bearer {secret}"}


def make_context(
    text: str = "my parcel never arrived and tracking has not moved for a week", **overrides: Any
) -> dict[str, Any]:
    """Return a recommendation request body for one customer turn."""
    body: dict[str, Any] = {
        "interaction_id": "int-1",
        "channel": "chat",
        "locale": "en-US",
        "agent_id": "agent-1",
        "team_id": "team-a",
        "turns": [{"role": "customer", "text": text, "at": "2026-11-25T10:00:00Z"}],
        "crm": {
            "customer": {"first_name": "Dana", "segment": "silver"},
            "order": {"id": "A1001", "status": "shipped", "carrier": "UPS"},
        },
    }
    body.update(overrides)
    return body


def add_key(
    url: str,
    tenant: str,
    role: str,
    team_id: str | None = None,
    agent_id: str | None = None,
    owner: str | None = None,
) -> str:
    """Create one more API key in an existing tenant and return its secret."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():
        _, secret = TenancyRepository(session).create_key(
            tenant, role, team_id=team_id, agent_id=agent_id, owner=owner
        )
    engine.dispose()
    return secret


def make_pattern_body(pattern_id: str = "late_parcel", **overrides: Any) -> dict[str, Any]:
    """Return a POST /v1/patterns body that lints clean."""
    body: dict[str, Any] = {
        "id": pattern_id,
        "title": "Parcel late: carrier trace",
        "body": "Sorry {customer.first_name}, I asked {order.carrier} to trace order {order.id} today.",
        "intents": ["late_parcel"],
        "examples": ["my parcel is late", "the courier has not come", "delivery is overdue by days"],
        "risk": "low",
        "change_note": "first draft",
    }
    body.update(overrides)
    return body


def run_together(task: Callable[[], object], threads: int) -> list[BaseException]:
    """Run ``task`` in ``threads`` threads released at the same moment; return what they raised."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            task()
        except BaseException as exc:  # collected for the test thread to assert on
            errors.append(exc)

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=120)
    return errors


def subscribe_in_store(url: str, tenant: str, events: list[str]) -> None:
    """Subscribe a URL of the tenant (created when new) to ``events``, straight in the store."""
    from advisor.store.engine import make_engine, make_sessionmaker
    from advisor.store.tenancy import TenancyRepository
    from advisor.store.webhooks import WebhookRepository
    from advisor.tenancy.models import ApiRole, Principal
    from advisor.webhooks.models import WebhookCreate
    from advisor.webhooks.service import create_subscription
    from advisor.webhooks.targets import TargetPolicy

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():
        TenancyRepository(session).ensure_tenant(tenant)
        body = WebhookCreate.model_validate({"url": "https://crm.example.com/hooks", "events": events})
        admin = Principal(tenant, ApiRole.admin, key_id="k")
        create_subscription(body, admin, WebhookRepository(session), TargetPolicy())
    engine.dispose()
