"""API keys over HTTP: admins list (no secrets), create, rotate and revoke; every change audited."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.builders import Keys, auth

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
        response = client.post(URL, json={"role": "admin"}, headers=auth(keys.acme_lead))
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
