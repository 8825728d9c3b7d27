"""API keys over HTTP: admins list (no secrets), create, rotate and revoke; every change audited."""

from __future__ import annotations

from fastapi.testclient import TestClient

from advisor.settings import Settings
from tests.builders import Keys, add_key, auth, make_pattern_body

URL = "/v1/keys"


def my_key_id(client: TestClient, admin: str, role: str, team: str | None = None) -> str:
    rows = client.get(URL, headers=auth(admin)).json()
    return str(next(r["id"] for r in rows if r["role"] == role and r["team_id"] == team and r["active"]))


class TestListKeys:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL).status_code == 401

    def test_wrong_role(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL, headers=auth(keys.acme_lead)).status_code == 403
        assert client.get(URL, headers=auth(keys.acme_agent)).status_code == 403

    def test_valid_never_shows_secrets(self, client: TestClient, keys: Keys) -> None:
        response = client.get(URL, headers=auth(keys.acme_admin))
        assert response.status_code == 200
        assert {r["role"] for r in response.json()} == {"agent", "lead", "admin"}
        assert keys.acme_admin not in response.text
        assert all("secret" not in r and "key_hash" not in r for r in response.json())

    def test_other_tenant(self, client: TestClient, keys: Keys) -> None:
        acme_ids = {r["id"] for r in client.get(URL, headers=auth(keys.acme_admin)).json()}
        globex_ids = {r["id"] for r in client.get(URL, headers=auth(keys.globex_admin)).json()}
        assert acme_ids.isdisjoint(globex_ids)


class TestCreateKey:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.post(URL, json={"role": "admin"}).status_code == 401

    def test_wrong_role(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json={"role": "admin", "owner": "lee"}, headers=auth(keys.acme_lead))
        assert response.status_code == 403

    def test_malformed(self, client: TestClient, keys: Keys) -> None:
        headers = {**auth(keys.acme_admin), "Content-Type": "application/json"}
        assert client.post(URL, content=b"[", headers=headers).status_code == 400
        unknown_role = client.post(URL, json={"role": "owner"}, headers=auth(keys.acme_admin))
        assert unknown_role.status_code == 422
        assert unknown_role.json()["errors"][0]["field"] == "role"
        lead_without_team = client.post(URL, json={"role": "lead"}, headers=auth(keys.acme_admin))
        assert lead_without_team.status_code == 422

    def test_oversized(self, client: TestClient, keys: Keys) -> None:
        response = client.post(
            URL, json={"role": "admin", "label": "x" * 300_000}, headers=auth(keys.acme_admin)
        )
        assert response.status_code == 413

    def test_valid_secret_works_once_shown(self, client: TestClient, keys: Keys) -> None:
        body = {"role": "lead", "team_id": "team-b", "agent_id": "sam", "label": "Sam"}
        response = client.post(URL, json=body, headers=auth(keys.acme_admin))
        assert response.status_code == 201
        created = response.json()
        assert created["secret"].startswith("adv_")
        assert created["audit"][0]["action"] == "key.create"
        assert created["secret"] not in str(created["audit"])
        assert client.get("/v1/patterns", headers=auth(created["secret"])).status_code == 200
        assert created["secret"] not in client.get(URL, headers=auth(keys.acme_admin)).text


class TestRotateAndRevoke:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.post(f"{URL}/x/rotate").status_code == 401
        assert client.post(f"{URL}/x/revoke").status_code == 401

    def test_wrong_role(self, client: TestClient, keys: Keys) -> None:
        key_id = my_key_id(client, keys.acme_admin, "lead", "team-a")
        assert client.post(f"{URL}/{key_id}/revoke", headers=auth(keys.acme_lead)).status_code == 403

    def test_rotate(self, client: TestClient, keys: Keys) -> None:
        key_id = my_key_id(client, keys.acme_admin, "lead", "team-a")
        response = client.post(f"{URL}/{key_id}/rotate", headers=auth(keys.acme_admin))
        assert response.status_code == 200
        new = response.json()
        assert (new["role"], new["team_id"]) == ("lead", "team-a")
        assert client.get("/v1/patterns", headers=auth(keys.acme_lead)).status_code == 401
        assert client.get("/v1/patterns", headers=auth(new["secret"])).status_code == 200

    def test_revoke(self, client: TestClient, keys: Keys) -> None:
        key_id = my_key_id(client, keys.acme_admin, "lead", "team-a")
        response = client.post(f"{URL}/{key_id}/revoke", headers=auth(keys.acme_admin))
        assert response.status_code == 200
        assert response.json()["active"] is False
        assert client.get("/v1/patterns", headers=auth(keys.acme_lead)).status_code == 401
        again = client.post(f"{URL}/{key_id}/revoke", headers=auth(keys.acme_admin))
        assert again.status_code == 409

    def test_last_admin_key_stays(self, client: TestClient, keys: Keys) -> None:
        key_id = my_key_id(client, keys.acme_admin, "admin")
        response = client.post(f"{URL}/{key_id}/revoke", headers=auth(keys.acme_admin))
        assert response.status_code == 409
        assert client.get(URL, headers=auth(keys.acme_admin)).status_code == 200

    def test_unknown_and_other_tenant(self, client: TestClient, keys: Keys) -> None:
        assert client.post(f"{URL}/nope/revoke", headers=auth(keys.acme_admin)).status_code == 404
        key_id = my_key_id(client, keys.acme_admin, "lead", "team-a")
        assert client.post(f"{URL}/{key_id}/revoke", headers=auth(keys.globex_admin)).status_code == 404
        assert client.post(f"{URL}/{key_id}/rotate", headers=auth(keys.globex_admin)).status_code == 404
        assert client.get("/v1/patterns", headers=auth(keys.acme_lead)).status_code == 200


class TestOwner:
    """Four eyes is bound to the person who owns a key, and key creation records who created it."""

    def _admin(self, client: TestClient, creator: str, owner: str) -> str:
        response = client.post(URL, json={"role": "admin", "owner": owner}, headers=auth(creator))
        assert response.status_code == 201, response.text
        return str(response.json()["secret"])

    def _draft_in_review(self, client: TestClient, author: str) -> None:
        created = client.post("/v1/patterns", json=make_pattern_body(owner="team-a"), headers=auth(author))
        assert created.status_code == 201, created.text
        submitted = client.post(
            "/v1/patterns/late_parcel/versions/1/submit", json={"note": "ready"}, headers=auth(author)
        )
        assert submitted.status_code == 200, submitted.text

    def _approve(self, client: TestClient, reviewer: str) -> int:
        return client.post(
            "/v1/patterns/late_parcel/versions/1/approve", json={"note": "fine"}, headers=auth(reviewer)
        ).status_code

    def test_admin_key_needs_an_owner(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json={"role": "admin"}, headers=auth(keys.acme_admin))
        assert response.status_code == 422
        assert "owner" in response.json()["detail"]

    def test_a_second_key_of_the_author_cannot_approve(self, client: TestClient, keys: Keys) -> None:
        alice = self._admin(client, keys.acme_admin, "alice")
        self._draft_in_review(client, alice)
        alice_again = self._admin(client, alice, "alice")
        assert self._approve(client, alice_again) == 403
        assert self._approve(client, self._admin(client, alice, "bob")) == 200

    def test_the_same_person_in_another_role_cannot_approve(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        sam_lead = add_key(settings.database_url, "acme", "lead", team_id="team-a", agent_id="sam")
        self._draft_in_review(client, sam_lead)
        assert self._approve(client, self._admin(client, keys.acme_admin, "sam")) == 403

    def test_key_creation_names_its_creator(self, client: TestClient, keys: Keys) -> None:
        alice = self._admin(client, keys.acme_admin, "alice")
        response = client.post(URL, json={"role": "agent", "agent_id": "a-9"}, headers=auth(alice))
        assert response.json()["audit"][0]["actor"] == "admin:alice"
        listed = {r["agent_id"]: r for r in client.get(URL, headers=auth(alice)).json()}
        assert (listed["a-9"]["owner"], listed["a-9"]["created_by"]) == ("a-9", "admin:alice")
        audit = client.get("/v1/audit?action=key.create&actor=admin:alice", headers=auth(alice)).json()
        assert [e["subject_id"] for e in audit] == [response.json()["id"]]
