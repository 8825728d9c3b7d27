"""GET /v1/metrics/…: tenant- and team-scoped reports with intervals, filters, grouping and CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.settings import Settings
from tests.builders import Keys, add_key, auth
from tests.metrics.scenario import seed_scenario

WEEK1 = {"from": "2026-11-02T00:00:00Z", "to": "2026-11-09T00:00:00Z"}


@pytest.fixture
def seeded(keys: Keys, settings: Settings) -> Keys:
    seed_scenario(settings.database_url)
    return keys


def rows(client: TestClient, secret: str, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"/v1/metrics/{path}", params=params, headers=auth(secret))
    assert response.status_code == 200, response.text
    return list(response.json()["rows"])


def by(items: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in items}


class TestRates:
    def test_anonymous(self, client: TestClient, seeded: Keys) -> None:
        response = client.get("/v1/metrics/rates")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")

    def test_agent_forbidden(self, client: TestClient, seeded: Keys) -> None:
        assert client.get("/v1/metrics/rates", headers=auth(seeded.acme_agent)).status_code == 403

    def test_malformed(self, client: TestClient, seeded: Keys) -> None:
        bad_group = client.get("/v1/metrics/rates?group_by=colour", headers=auth(seeded.acme_admin))
        assert bad_group.status_code == 422
        assert bad_group.json()["field"] == "group_by"
        bad_date = client.get("/v1/metrics/rates?from=yesterday", headers=auth(seeded.acme_admin))
        assert bad_date.status_code == 422
        assert bad_date.json()["errors"][0]["field"] == "from"
        backwards = client.get(
            "/v1/metrics/rates",
            params={"from": WEEK1["to"], "to": WEEK1["from"]},
            headers=auth(seeded.acme_admin),
        )
        assert (backwards.status_code, backwards.json()["field"]) == (422, "from")

    def test_oversized(self, client: TestClient, seeded: Keys) -> None:
        response = client.get(
            "/v1/metrics/rates", params={"agent": "a" * 500}, headers=auth(seeded.acme_admin)
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "agent"

    def test_other_tenant(self, client: TestClient, seeded: Keys) -> None:
        globex = rows(client, seeded.globex_admin, "rates", group_by="agent")
        assert [(r["agent"], r["shown"], r["rejected"]) for r in globex] == [("agent-g", 3, 3)]
        assert (
            rows(client, seeded.globex_admin, "rates", agent="agent-1")[0]["shown"] == 0 if globex else True
        )

    def test_valid(self, client: TestClient, seeded: Keys) -> None:
        agents = by(
            rows(client, seeded.acme_admin, "rates", group_by="agent", pattern="lost_package", **WEEK1),
            "agent",
        )
        one = agents["agent-1"]
        assert (one["shown"], one["accepted"], one["edited"], one["rejected"], one["ignored"]) == (
            10,
            6,
            2,
            1,
            1,
        )
        assert one["acceptance_rate"] == 0.6  # edited never counts as accepted
        assert one["acceptance_low"] < 0.6 < one["acceptance_high"]
        assert one["decided_acceptance_rate"] == pytest.approx(6 / 9, abs=1e-6)
        assert one["ignore_rate"] == 0.1
        assert 0.9 < one["similarity_mean"] < 1.0
        assert agents["agent-2"]["rejected"] == 3

    def test_lead_sees_own_team_only(self, client: TestClient, seeded: Keys) -> None:
        teams = {r["team"] for r in rows(client, seeded.acme_lead, "rates", group_by="team,agent")}
        assert teams == {"team-a"}
        other = client.get("/v1/metrics/rates?team=team-b", headers=auth(seeded.acme_lead))
        assert (other.status_code, other.json()["field"]) == (403, "team")

    def test_filter_changes_numbers(self, client: TestClient, seeded: Keys) -> None:
        everything = rows(client, seeded.acme_admin, "rates")[0]
        email = rows(client, seeded.acme_admin, "rates", channel="email")[0]
        assert (everything["shown"], email["shown"]) == (45, 5)
        assert email["rejection_rate"] == 0.6

    def test_group_by_week(self, client: TestClient, seeded: Keys) -> None:
        weeks = by(rows(client, seeded.acme_admin, "rates", group_by="week", pattern="lost_package"), "week")
        assert {k: v["shown"] for k, v in weeks.items()} == {"2026-11-02": 15, "2026-11-09": 20}

    def test_csv(self, client: TestClient, seeded: Keys) -> None:
        response = client.get("/v1/metrics/rates?group_by=agent&format=csv", headers=auth(seeded.acme_admin))
        assert response.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(response.text)))
        assert {r["agent"]: r["shown"] for r in table} == {"agent-1": "32", "agent-2": "5", "agent-3": "8"}
        accept = client.get("/v1/metrics/rates", headers={**auth(seeded.acme_admin), "Accept": "text/csv"})
        assert accept.text.startswith("shown,")


class TestReports:
    def test_anonymous(self, client: TestClient, seeded: Keys) -> None:
        reports = [path for path in client.app.openapi()["paths"] if path.startswith("/v1/metrics/")]  # type: ignore[attr-defined]
        assert "/v1/metrics/corrections" in reports
        for path in reports:  # every report needs a key
            response = client.get(path)
            assert response.status_code == 401, path
            assert response.headers["content-type"].startswith("application/problem+json")

    def test_malformed(self, client: TestClient, seeded: Keys) -> None:
        response = client.get("/v1/metrics/coverage?group_by=agent", headers=auth(seeded.acme_admin))
        assert (response.status_code, response.json()["field"]) == (422, "group_by")
        response = client.get("/v1/metrics/readiness?min_acceptance_low=2", headers=auth(seeded.acme_admin))
        assert response.json()["errors"][0]["field"] == "min_acceptance_low"

    def test_oversized(self, client: TestClient, seeded: Keys) -> None:
        response = client.get("/v1/metrics/edits?per_version=100000", headers=auth(seeded.acme_admin))
        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "per_version")

    def test_other_tenant(self, client: TestClient, seeded: Keys) -> None:
        reasons = rows(client, seeded.globex_admin, "rejections")
        assert [(r["reason"], r["n"]) for r in reasons] == [("other", 3)]
        assert rows(client, seeded.globex_admin, "edits") == []

    def test_agent_forbidden(self, client: TestClient, seeded: Keys) -> None:
        assert client.get("/v1/metrics/readiness", headers=auth(seeded.acme_agent)).status_code == 403

    def test_delay(self, client: TestClient, seeded: Keys) -> None:
        [row] = rows(client, seeded.acme_admin, "delay", agent="agent-1", pattern="lost_package", **WEEK1)
        # decided: 1000..6000 (accepted), 9000, 10000 (edited), 2000 (rejected) → 9 values
        assert row["n"] == 9
        assert row["p50_ms"] == pytest.approx(4000, rel=0.13)
        assert row["p90_ms"] == pytest.approx(10000, rel=0.13)

    def test_rejections(self, client: TestClient, seeded: Keys) -> None:
        reasons = by(rows(client, seeded.acme_admin, "rejections", agent="agent-2"), "reason")
        assert {k: v["n"] for k, v in reasons.items()} == {"wrong_intent": 2, "policy": 1}
        assert reasons["wrong_intent"]["share"] == pytest.approx(2 / 3, abs=1e-6)

    def test_corrections(self, client: TestClient, seeded: Keys, settings: Settings) -> None:
        # agent-2 rejected lost_package twice naming refund_status as the reply sent instead; lost_package
        # has 23 rejections in all (4 in week 1).
        [pair] = rows(client, seeded.acme_admin, "corrections")
        assert (pair["pattern"], pair["used_pattern"], pair["n"], pair["agents"]) == (
            "lost_package",
            "refund_status",
            2,
            1,
        )
        assert (pair["rejections"], pair["share"]) == (23, pytest.approx(2 / 23, abs=1e-6))
        assert pair["last_at"].endswith("Z")
        [week1] = rows(client, seeded.acme_admin, "corrections", **WEEK1)
        assert (week1["rejections"], week1["share"]) == (4, pytest.approx(0.5, abs=1e-6))
        assert rows(client, seeded.acme_lead, "corrections") == [pair]  # team-a's lead: agent-2's team
        team_b = add_key(settings.database_url, "acme", "lead", team_id="team-b", agent_id="lead-b")
        assert rows(client, team_b, "corrections") == []
        assert rows(client, seeded.acme_admin, "corrections", agent="agent-1") == []
        table = client.get(
            "/v1/metrics/corrections", params={"format": "csv"}, headers=auth(seeded.acme_admin)
        )
        assert table.text.splitlines()[0].startswith(
            "pattern,used_pattern,title,used_title,n,agents,rejections"
        )

    def test_corrections_rights_and_input(self, client: TestClient, seeded: Keys) -> None:
        url = "/v1/metrics/corrections"
        assert client.get(url, headers=auth(seeded.acme_agent)).status_code == 403
        bad = client.get(url, params={"from": "last week"}, headers=auth(seeded.acme_admin))
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "from")
        long = client.get(url, params={"pattern": "p" * 500}, headers=auth(seeded.acme_admin))
        assert (long.status_code, long.json()["errors"][0]["field"]) == (422, "pattern")
        other = client.get(url, params={"team": "team-b"}, headers=auth(seeded.acme_lead))
        assert (other.status_code, other.json()["field"]) == (403, "team")
        # globex sees its own correction only, never acme's
        globex = rows(client, seeded.globex_admin, "corrections")
        assert [(r["pattern"], r["used_pattern"], r["n"], r["rejections"]) for r in globex] == [
            ("lost_package", "refund_status", 1, 3)
        ]

    def test_edits(self, client: TestClient, seeded: Keys) -> None:
        top = rows(client, seeded.acme_admin, "edits", pattern="lost_package", pattern_version=1)[0]
        assert top["change"] == "~ 48 → 24"
        assert (top["edits_with_change"], top["edits_sampled"]) == (2, 3)
        assert "[-48-]" in top["example_diff"] or "[-I'm" in top["example_diff"]

    def test_coverage(self, client: TestClient, seeded: Keys) -> None:
        intents = by(rows(client, seeded.acme_admin, "coverage", group_by="intent"), "intent")
        assert intents["refund_status"]["escalated"] == 1
        assert intents["refund_status"]["covered"] == 8
        assert intents["unknown"]["coverage_rate"] == 0.0
        voice = rows(client, seeded.acme_admin, "coverage", channel="voice")[0]
        assert (voice["interactions"], voice["escalated"]) == (1, 1)

    def test_readiness(self, client: TestClient, seeded: Keys) -> None:
        params = {
            "min_decisions": 5,
            "min_acceptance_low": 0.5,
            "min_similarity": 0.8,
            "weak_min_decisions": 5,
        }
        table = {
            (r["pattern"], r["pattern_version"]): r
            for r in rows(client, seeded.acme_admin, "readiness", **params)
        }
        refund = table[("refund_status", 1)]
        assert (refund["status"], refund["decided"]) == ("ready", 8)
        assert "8 decisions" in refund["why"]
        v1 = table[("lost_package", 1)]
        assert v1["policy_rejections"] == 1
        assert v1["ready"] is False
        v2 = table[("lost_package", 2)]
        assert (v2["status"], v2["weak"]) == ("weak", True)
        assert "rejected in 95%" in v2["why"]

    def test_drift(self, client: TestClient, seeded: Keys) -> None:
        drift = by(
            rows(
                client,
                seeded.acme_admin,
                "drift",
                **{"from": "2026-11-09T00:00:00Z", "to": "2026-11-16T00:00:00Z"},
            ),
            "pattern",
        )
        lost = drift["lost_package"]
        assert (lost["baseline_decided"], lost["current_decided"]) == (14, 20)
        assert lost["significant"] is True
        assert lost["direction"] == "down"
        assert lost["p_value"] < 0.01

    def test_versions(self, client: TestClient, seeded: Keys) -> None:
        versions = {
            r["pattern_version"]: r
            for r in rows(client, seeded.acme_admin, "versions", pattern="lost_package")
        }
        assert versions[2]["previous_version"] == 1
        assert versions[2]["vs_previous_direction"] == "down"
        assert versions[2]["vs_previous_significant"] is True

    def test_consistency(self, client: TestClient, seeded: Keys) -> None:
        choices = rows(client, seeded.acme_admin, "consistency/choices", agent="agent-1", **WEEK1)
        [lost] = [r for r in choices if r["intent"] == "lost_package"]
        assert (lost["choices"], lost["patterns_used"], lost["modal_pattern"]) == (10, 2, "lost_package")
        assert lost["modal_share"] == 0.8
        outliers = by(rows(client, seeded.acme_admin, "consistency/outliers", **WEEK1), "agent")
        assert outliers["agent-2"]["z_p_value"] is not None
        text = by(rows(client, seeded.acme_admin, "consistency/text", group_by="agent", **WEEK1), "agent")
        assert text["agent-3"]["similarity_mean"] == 1.0
        assert text["agent-1"]["edited"] == 2
