"""The audit log over HTTP: filters, JSON-lines export, admins only, no way to change it."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.builders import Keys, auth, make_pattern_body

URL = "/v1/audit"


def some_history(client: TestClient, keys: Keys) -> None:
    client.post("/v1/patterns", json=make_pattern_body(), headers=auth(keys.acme_lead))
    client.post("/v1/patterns/lost_package/suspend", json={"reason": "strike"}, headers=auth(keys.acme_lead))
    client.put("/v1/policy", json={"allowed_risks": ["low"]}, headers=auth(keys.acme_admin))
    backup = {"role": "admin", "owner": "alice", "label": "backup"}
    client.post("/v1/keys", json=backup, headers=auth(keys.acme_admin))


class TestAudit:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL).status_code == 401
        assert client.get(f"{URL}/export").status_code == 401

    def test_wrong_role(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL, headers=auth(keys.acme_lead)).status_code == 403
        assert client.get(f"{URL}/export", headers=auth(keys.acme_agent)).status_code == 403

    def test_malformed(self, client: TestClient, keys: Keys) -> None:
        bad = client.get(URL, params={"since": "yesterday"}, headers=auth(keys.acme_admin))
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "since"
        backwards = client.get(
            URL,
            params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            headers=auth(keys.acme_admin),
        )
        assert backwards.status_code == 422

    def test_oversized(self, client: TestClient, keys: Keys) -> None:
        response = client.get(URL, params={"subject": "x" * 500}, headers=auth(keys.acme_admin))
        assert response.status_code == 422
        assert client.get(URL, params={"limit": 100_000}, headers=auth(keys.acme_admin)).status_code == 422

    def test_valid_records_every_change(self, client: TestClient, keys: Keys) -> None:
        some_history(client, keys)
        entries = client.get(URL, headers=auth(keys.acme_admin)).json()
        assert [e["action"] for e in entries] == [
            "pattern.create",
            "pattern.suspend",
            "policy.update",
            "key.create",
        ]
        suspend = entries[1]
        assert (suspend["subject_id"], suspend["note"]) == ("lost_package", "strike")
        assert (suspend["before"]["suspended"], suspend["after"]["suspended"]) == (False, True)
        assert suspend["actor"].startswith("lead:")

    def test_filters(self, client: TestClient, keys: Keys) -> None:
        some_history(client, keys)
        by_action = client.get(URL, params={"action": "policy.update"}, headers=auth(keys.acme_admin)).json()
        assert [e["subject_type"] for e in by_action] == ["policy"]
        by_subject = client.get(URL, params={"subject": "lost_package"}, headers=auth(keys.acme_admin)).json()
        assert [e["action"] for e in by_subject] == ["pattern.suspend"]
        actor = by_subject[0]["actor"]
        assert {
            e["actor"] for e in client.get(URL, params={"actor": actor}, headers=auth(keys.acme_admin)).json()
        } == {actor}
        future = client.get(
            URL, params={"since": "2999-01-01T00:00:00Z"}, headers=auth(keys.acme_admin)
        ).json()
        assert future == []
        first = client.get(URL, params={"limit": 1}, headers=auth(keys.acme_admin)).json()
        rest = client.get(URL, params={"after_id": first[0]["id"]}, headers=auth(keys.acme_admin)).json()
        assert len(rest) == 3

    def test_export_ndjson(self, client: TestClient, keys: Keys) -> None:
        some_history(client, keys)
        exported = client.get(f"{URL}/export", headers=auth(keys.acme_admin))
        assert exported.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in exported.text.splitlines()]
        assert len(lines) == 4
        negotiated = client.get(URL, headers={**auth(keys.acme_admin), "Accept": "application/x-ndjson"})
        assert negotiated.text == exported.text

    def test_other_tenant(self, client: TestClient, keys: Keys) -> None:
        some_history(client, keys)
        assert client.get(URL, headers=auth(keys.globex_admin)).json() == []
        assert client.get(f"{URL}/export", headers=auth(keys.globex_admin)).text == ""

    def test_no_api_changes_it(self, client: TestClient, keys: Keys) -> None:
        some_history(client, keys)
        headers = auth(keys.acme_admin)
        assert client.delete(URL, headers=headers).status_code == 405
        assert client.put(URL, json={}, headers=headers).status_code == 405
        assert client.post(URL, json={}, headers=headers).status_code == 405
        assert len(client.get(URL, headers=headers).json()) == 4
