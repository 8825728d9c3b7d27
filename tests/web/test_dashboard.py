"""The team lead dashboard in real headless Chromium: right numbers, working filters, a screenshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from advisor.settings import MetricsSettings, Settings
from tests.builders import Keys, auth, make_context, seed_tenants
from tests.conftest import make_settings
from tests.learned.steps import TAUGHT, TEACH
from tests.metrics.factory import EventFactory
from tests.metrics.scenario import seed_scenario


class TestDashboardPage:
    def test_valid(self, client: TestClient) -> None:
        response = client.get("/dashboard")
        assert response.status_code == 200
        assert "Sign in with your lead key" in response.text
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert client.get("/static/vendor/chart.umd.min.js").status_code == 200

    def test_anonymous(self, client: TestClient) -> None:
        # The shell holds no data; every number comes from the metrics API, which needs the key.
        assert "adv_" not in client.get("/dashboard").text.replace("<code>adv_</code>", "")


def _tile(page: Any, name: str) -> str:
    return str(page.locator(f"#kpi-{name} .big").inner_text())


def _sign_in(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/dashboard")
    page.fill("#key-input", key)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-state=ready]")


@pytest.mark.browser
def test_lead_sees_team_numbers_and_filters_change_them(
    settings: Settings, live_server: str, browser_page: Any, artifacts: Path
) -> None:
    keys: Keys = seed_tenants(settings.database_url)
    seed_scenario(settings.database_url)
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1700})
    _sign_in(page, live_server, keys.acme_lead)
    page.select_option("#f-period", "all")
    page.wait_for_selector("body[data-state=ready]")
    # team-a, all time: 37 shown, 10 accepted (agent-1 9, agent-2 1) → 27 %.
    assert page.locator("#scope").inner_text() == "Team team-a"
    assert _tile(page, "acceptance") == "27%"
    assert "of 37 suggestions shown" in page.locator("#kpi-acceptance .small").inner_text()
    assert page.locator("#agents-table tbody tr").count() == 2  # team-b's agent-3 is not visible
    weak = page.locator("#patterns-table tbody tr[data-status=weak]")
    assert weak.count() == 1
    assert "lost_package" in weak.inner_text()
    assert "v1 → v2" in page.locator("#versions-list").inner_text()
    # agent-2 named refund_status twice as the reply sent instead of lost_package (23 rejections in all)
    [pair] = page.locator("#corrections-list li").all_inner_texts()
    assert pair == (  # titles of the patterns' latest versions
        "Package not arrived — open a carrier trace v2 → Refund on its way: "
        "2 of its 23 rejections (9%), 1 agent"
    )
    # every conversation of the scenario was shown one suggestion: no claim about 2nd and 3rd ones
    assert page.locator("#kpi-ignore .small").inner_text() == "of 37 suggestions shown"
    # all three rows fit: no scroll hint
    assert page.locator("#patterns-table-count").inner_text() == "3 pattern versions"
    page.screenshot(path=str(artifacts / "dashboard-lead.png"), full_page=True)

    page.select_option("#f-channel", "email")
    page.wait_for_selector("body[data-state=ready]")
    assert _tile(page, "acceptance") == "20%"  # agent-2's e-mails: 1 of 5
    assert _tile(page, "rejection") == "60%"

    page.click("#patterns-table th[data-key=decided]")
    assert page.locator("#patterns-table th[data-key=decided]").get_attribute("aria-sort") == "descending"


@pytest.mark.browser
def test_agent_key_is_turned_away(settings: Settings, live_server: str, browser_page: Any) -> None:
    keys = seed_tenants(settings.database_url)
    page = browser_page
    page.goto(f"{live_server}/dashboard")
    page.fill("#key-input", keys.acme_agent)
    page.click("button[type=submit]")
    page.wait_for_selector("#key-error:not([hidden])")
    assert "agent keys can't" in page.locator("#key-error").inner_text()
    assert page.evaluate("sessionStorage.getItem('advisor.leadKey')") is None


@pytest.mark.browser
def test_lead_approves_a_learned_example_and_it_leaves_the_pending_list(
    settings: Settings, live_server: str, browser_page: Any, artifacts: Path
) -> None:
    keys = seed_tenants(settings.database_url)
    with httpx.Client(base_url=live_server, headers=auth(keys.acme_agent), timeout=30) as http:
        for n, text in enumerate([TEACH, "my parcel never showed up at my door"]):
            served = http.post("/v1/recommendations", json=make_context(text, interaction_id=f"chat-{n}"))
            rec = served.json()["recommendations"][0]["recommendation_id"]
            body = {"recommendation_id": rec, "client_event_id": f"desk-{n}", "action": "accepted"}
            if n == 1:  # the agent sent another reply instead: a correction
                body.update(action="rejected", reason="wrong_intent", used_pattern_id="password_reset")
            assert http.post("/v1/feedback", json=body).status_code == 201
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1700})
    _sign_in(page, live_server, keys.acme_lead)
    page.wait_for_selector("#learned[data-state=ready]")
    rows = page.locator("#learned-table tbody tr")
    assert rows.count() == 2
    row = page.locator("#learned-table tbody tr", has_text="the driver left my package")
    assert TAUGHT in row.inner_text()
    assert "Package not arrived" in row.inner_text()
    corrected = page.locator("#learned-table tbody tr", has_text="never showed up")
    assert "password_reset" in corrected.inner_text()
    assert "1 (1 correction)" in corrected.inner_text()
    assert "correction" not in row.inner_text()
    assert page.locator("#learned-approve").is_disabled()
    row.locator("input[type=checkbox]").check()
    page.fill("#learned-note", "clear lost-parcel wording")
    page.locator("#learned").screenshot(path=str(artifacts / "dashboard-learned.png"))
    page.click("#learned-approve")
    page.locator("#learned-status", has_text="Approved").wait_for()  # CSP forbids wait_for_function
    page.wait_for_selector("#learned[data-state=ready]")
    assert page.locator("#learned-status").inner_text() == "Approved 1 example."
    assert rows.count() == 1
    assert TAUGHT not in page.locator("#learned-table").inner_text()
    with httpx.Client(base_url=live_server, headers=auth(keys.acme_admin), timeout=30) as http:
        [approved] = http.get("/v1/learned-examples", params={"status": "approved"}).json()
        entries = http.get("/v1/audit", params={"action": "learned_example.approve"}).json()
    assert (approved["text"], approved["review_note"]) == (TAUGHT, "clear lost-parcel wording")
    assert [e["subject_id"] for e in entries] == [str(approved["id"])]


@pytest.mark.browser
def test_lead_makes_drafts_from_agents_common_edit_and_alike_replies(
    settings: Settings, live_server: str, browser_page: Any, artifacts: Path
) -> None:
    keys = seed_tenants(settings.database_url)
    agents = [(keys.acme_agent, "agent-1"), (keys.acme_agent2, "agent-2"), (keys.acme_agent, "agent-1")]
    gift = ["do you sell gift cards", "can I buy a gift card in store", "gift cards available?"]
    for n, (key, agent_id) in enumerate(agents):
        with httpx.Client(base_url=live_server, headers=auth(key), timeout=30) as http:
            context = make_context("my package never arrived", interaction_id=f"e-{n}", agent_id=agent_id)
            top = http.post("/v1/recommendations", json=context).json()["recommendations"][0]
            edited = {
                "recommendation_id": top["recommendation_id"],
                "client_event_id": f"e-{n}",
                "action": "edited",
            }
            edited["final_text"] = f"{top['text']} You can follow the trace in our app."
            assert http.post("/v1/feedback", json=edited).status_code == 201
            asked = http.post(
                "/v1/recommendations", json=make_context(gift[n], interaction_id=f"g-{n}", agent_id=agent_id)
            )
            assert asked.json()["escalate"] is True
            reply = {"request_id": asked.json()["request_id"], "client_event_id": f"g-{n}"}
            reply["text"] = "Yes, we sell gift cards from 10 to 200 pounds in every store and online."
            assert http.post("/v1/replies", json=reply).status_code == 201
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1700})
    _sign_in(page, live_server, keys.acme_lead)
    page.wait_for_selector("#proposals[data-state=ready]")
    items = page.locator("#proposal-list li")
    assert items.count() == 2
    edit = page.locator("#proposal-list li", has_text="lost_package v1")
    assert "You can follow the trace in our app." in edit.inner_text()
    assert "3 edits by 2 agents" in edit.inner_text()
    new = page.locator("#proposal-list li", has_text="New pattern")
    assert "3 replies by 2 agents" in new.inner_text()
    page.locator("#proposals").screenshot(path=str(artifacts / "dashboard-proposals.png"))
    edit.locator("button").click()
    page.locator("#proposals-status", has_text="Draft v2 of lost_package").wait_for()
    page.wait_for_selector("#proposals[data-state=ready]")
    assert items.count() == 1  # taken up: the edit's draft is on its way to review
    new = page.locator("#proposal-list li", has_text="New pattern")
    new.locator("input").fill("gift_cards")
    new.locator("button").click()
    page.locator("#proposals-status", has_text="Draft v1 of gift_cards").wait_for()
    page.wait_for_selector("#proposals[data-state=ready]")
    assert items.count() == 0
    with httpx.Client(base_url=live_server, headers=auth(keys.acme_admin), timeout=30) as http:
        versions = http.get("/v1/patterns/lost_package/versions").json()
        created = http.get("/v1/patterns/gift_cards/versions").json()
    assert [v["status"] for v in versions] == ["approved", "draft"]
    assert versions[-1]["body"].endswith("You can follow the trace in our app.")
    assert created[0]["status"] == "draft"
    assert created[0]["author"].startswith("lead:")  # the lead who made the draft: another person approves


class TestToday:
    @pytest.fixture
    def settings(self, sqlite_url: str) -> Settings:
        """Roll-ups fold events up to now (no lag), so that today's events count at once."""
        return make_settings(sqlite_url, metrics=MetricsSettings(refresh_lag_s=0))

    @pytest.mark.browser
    def test_today_is_marked_partial_and_the_ignore_note_needs_several_suggestions(
        self, settings: Settings, live_server: str, browser_page: Any
    ) -> None:
        keys = seed_tenants(settings.database_url)
        now = datetime.now(UTC) - timedelta(seconds=1)
        f = EventFactory(settings.database_url, "acme")
        f.decided("accepted", at=now - timedelta(days=2))
        request = f.request(at=now)  # one list of two suggestions: the first used, the second left
        first = f.suggestion(at=now, request_id=request)
        second = f.suggestion(at=now, request_id=request, pattern="refund_status", rank=2)
        f.event(first, "shown", at=now)
        f.event(second, "shown", at=now)
        f.event(first, "accepted", at=now, ttd_ms=1500)
        f.close()
        page = browser_page
        _sign_in(page, live_server, keys.acme_lead)
        assert page.locator("#kpi-ignore .small").inner_text() == "usually the 2nd and 3rd suggestions"
        assert page.locator("#trend-partial").is_visible()
        labels = page.evaluate("Chart.getChart('trend-chart').data.labels")
        assert labels[-1] == f"{now.date().isoformat()} (today, so far)"
        assert "(today" not in labels[0]
