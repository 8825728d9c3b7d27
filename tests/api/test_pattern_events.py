"""Pattern changes reach webhook subscribers through the outbox, in the transaction of the change."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from advisor.settings import Settings
from advisor.store.tables.webhooks import WebhookDeliveryRow
from tests.builders import Keys, auth, subscribe_in_store
from tests.conftest import make_settings


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    """Settings with the background webhook drain off, so that the outbox can be read as written."""
    return make_settings(sqlite_url, webhooks={"enabled": False})


def outbox(settings: Settings) -> list[dict[str, object]]:
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        rows = [
            dict(r.payload["data"])
            for r in session.scalars(select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id))
        ]
    engine.dispose()
    return rows


def test_a_change_is_published_and_a_refused_one_is_not(
    client: TestClient, keys: Keys, settings: Settings
) -> None:
    hook = {"url": "https://crm.example.com/hooks", "events": ["pattern.changed"]}
    assert client.post("/v1/webhooks", json=hook, headers=auth(keys.acme_admin)).status_code == 201
    client.post("/v1/patterns/lost_package/suspend", json={"reason": "strike"}, headers=auth(keys.acme_lead))
    bad = client.post(
        "/v1/patterns/lost_package/rollback", json={"version": 1, "note": "x"}, headers=auth(keys.acme_lead)
    )
    assert bad.status_code == 409
    assert outbox(settings) == [
        {
            "pattern_id": "lost_package",
            "version": None,
            "change": "suspended",
            "actor": outbox(settings)[0]["actor"],
        }
    ]
    assert str(outbox(settings)[0]["actor"]).startswith("lead:")


def test_cli_import_with_approval_is_published_like_the_api(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from advisor.cli import app
    from advisor.store.engine import make_engine
    from advisor.store.migrate import upgrade
    from tests.builders import TEST_PACK

    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    subscribe_in_store(settings.database_url, "acme", ["pattern.changed"])
    monkeypatch.setenv("ADVISOR_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(app, ["patterns", "import", str(TEST_PACK), "--tenant", "acme", "--approve"])
    assert result.exit_code == 0, result.output
    changes = outbox(settings)
    assert {c["change"] for c in changes} == {"imported"}
    assert {c["pattern_id"] for c in changes} == set(json.loads(result.stdout)["patterns"])
    assert {c["actor"] for c in changes} == {"admin:cli"}
