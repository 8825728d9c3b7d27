"""/demo, /demo/config (loopback only) and /widget (embeddable, framed only by allowed origins)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from advisor.app import create_app
from advisor.settings import DEMO_PACK_DIR, Settings
from tests.builders import auth, make_context
from tests.conftest import make_settings

LIVE_TIMEOUT_S = 60.0  # a live server on a busy machine: these tests are about answers, not speed


def live_get(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(url, timeout=LIVE_TIMEOUT_S, **kwargs)


def live_post(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(url, timeout=LIVE_TIMEOUT_S, **kwargs)


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    """A store seeded with the demo tenant; embedding allowed from one CRM origin."""
    return make_settings(
        sqlite_url, seed_demo=True, patterns_dir=DEMO_PACK_DIR, embed_origins=["https://crm.example.com"]
    )


@pytest.fixture
def bare_client(sqlite_url: str) -> Iterator[TestClient]:
    """The app on a store without the demo tenant (seed disabled)."""
    with TestClient(create_app(make_settings(sqlite_url))) as test_client:
        yield test_client


class TestDemoPage:
    def test_valid(self, live_server: str) -> None:
        response = live_get(f"{live_server}/demo")
        assert response.status_code == 200
        assert "<advisor-suggestions" in response.text
        assert "/static/advisor-widget.js" in response.text
        assert "frame-ancestors 'self'" in response.headers["content-security-policy"]

    def test_remote_browser_is_told_to_use_the_server_machine(self, client: TestClient) -> None:
        response = client.get("/demo")
        assert response.status_code == 200
        assert "works only on the machine that runs advisor" in response.text
        assert "<advisor-suggestions" not in response.text

    def test_without_demo_tenant_explains_setup(self, bare_client: TestClient) -> None:
        response = bare_client.get("/demo")
        assert response.status_code == 200
        assert "No demo tenant in this store" in response.text
        assert "ADVISOR_SEED_DEMO=true" in response.text
        assert "<advisor-suggestions" not in response.text


class TestDemoConfig:
    def test_remote_client_gets_404(self, client: TestClient) -> None:
        response = client.get("/demo/config")  # TestClient's peer is "testclient", not loopback
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "api_key" not in response.text

    def test_loopback_gets_a_working_agent_key(self, live_server: str) -> None:
        response = live_get(f"{live_server}/demo/config")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        config = response.json()
        assert (config["tenant_id"], config["agent_id"]) == ("demo", "agent-demo")
        body = make_context("where's my order?", agent_id="agent-demo", team_id="team-care")
        recs = live_post(f"{live_server}/v1/recommendations", json=body, headers=auth(config["api_key"]))
        assert recs.status_code == 200
        assert live_get(f"{live_server}/demo/config").json()["api_key"] == config["api_key"]  # stable

    @pytest.mark.parametrize(
        "headers",
        [
            {"X-Forwarded-For": "203.0.113.7"},
            {"Forwarded": "for=203.0.113.7"},
            {"Host": "rebound.example.com"},
        ],
    )
    def test_proxied_or_rebound_request_gets_404(self, live_server: str, headers: dict[str, str]) -> None:
        assert live_get(f"{live_server}/demo/config", headers=headers).status_code == 404


HEADLINE = "my parcel never arrived"
DESK_INPUT = re.compile(r'<input name="(\w+)\.(\w+)"(?: value="([^"]*)")?(?: data-days="(-?\d+)")?>')


def desk_crm(html: str, today: date) -> dict[str, dict[str, Any]]:
    """Return the CRM the desk sends (demo.js): every filled input, data-days as "Nov 17, 2026"."""
    crm: dict[str, dict[str, Any]] = {"customer": {}, "order": {}, "case": {}}
    for group, field, value, days in DESK_INPUT.findall(html):
        if days:
            day = today + timedelta(days=int(days))
            value = f"{day:%b} {day.day}, {day.year}"
        if value:
            crm[group][field] = value
    return crm


def test_headline_suggestion_is_eligible_and_true(live_server: str) -> None:
    html = live_get(f"{live_server}/demo").text
    assert f"e.g. {HEADLINE}" in html
    key = live_get(f"{live_server}/demo/config").json()["api_key"]
    now = datetime.now(UTC)
    body = make_context(HEADLINE, agent_id="agent-demo", team_id="team-care", crm=desk_crm(html, now.date()))
    body["turns"][0]["at"] = now.isoformat()
    response = live_post(f"{live_server}/v1/recommendations", json=body, headers=auth(key))
    top = response.json()["recommendations"][0]
    assert top["pattern_id"] == "missing_package_reship"
    assert "missing for over a week" in top["text"]
    assert top["unfilled_slots"] == []
    assert "is more than 7 days ago" in top["rationale"]


class TestDemoConfigWithoutDemoTenant:
    @pytest.fixture
    def settings(self, sqlite_url: str) -> Settings:
        """Seed disabled: the store has no demo tenant."""
        return make_settings(sqlite_url)

    def test_loopback_gets_404_with_setup_hint(self, live_server: str) -> None:
        response = live_get(f"{live_server}/demo/config")
        assert response.status_code == 404
        assert "ADVISOR_SEED_DEMO" in response.json()["detail"]


class TestWidgetPage:
    def test_valid(self, client: TestClient) -> None:
        response = client.get("/widget")
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'self' https://crm.example.com" in csp
        assert 'data-allowed-origins="[&#34;https://crm.example.com&#34;]"' in response.text

    def test_default_is_same_origin_only(self, bare_client: TestClient) -> None:
        csp = bare_client.get("/widget").headers["content-security-policy"]
        assert csp.endswith("frame-ancestors 'self'")


def test_widget_script_is_served(client: TestClient) -> None:
    response = client.get("/static/advisor-widget.js")
    assert response.status_code == 200
    assert 'customElements.define("advisor-suggestions"' in response.text
    assert "innerHTML" not in response.text  # text is always set with textContent
