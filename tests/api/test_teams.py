"""Teams over HTTP: admins register and rename; once registered, owners and lead keys must name one."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.builders import Keys, auth, make_pattern_body

URL = "/v1/teams"


def register(client: TestClient, admin: str, team_id: str, name: str = "A team") -> None:
    response = client.post(URL, json={"id": team_id, "name": name}, headers=auth(admin))
    assert response.status_code == 201, response.text


class TestTeams:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL).status_code == 401
        assert client.post(URL, json={"id": "t", "name": "T"}).status_code == 401

    def test_wrong_role(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL, headers=auth(keys.acme_agent)).status_code == 403
        assert (
            client.post(URL, json={"id": "t", "name": "T"}, headers=auth(keys.acme_lead)).status_code == 403
        )
        assert client.put(f"{URL}/t", json={"name": "T"}, headers=auth(keys.acme_lead)).status_code == 403

    def test_malformed(self, client: TestClient, keys: Keys) -> None:
        bad_id = client.post(URL, json={"id": "has space", "name": "T"}, headers=auth(keys.acme_admin))
        assert bad_id.status_code == 422
        assert bad_id.json()["errors"][0]["field"] == "id"
        headers = {**auth(keys.acme_admin), "Content-Type": "application/json"}
        assert client.post(URL, content=b"{", headers=headers).status_code == 400

    def test_oversized(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json={"id": "t", "name": "n" * 300_000}, headers=auth(keys.acme_admin))
        assert response.status_code == 413

    def test_valid_and_duplicate(self, client: TestClient, keys: Keys) -> None:
        register(client, keys.acme_admin, "team-a", "Orders")
        assert (
            client.post(URL, json={"id": "team-a", "name": "x"}, headers=auth(keys.acme_admin)).status_code
            == 409
        )
        renamed = client.put(f"{URL}/team-a", json={"name": "Orders EMEA"}, headers=auth(keys.acme_admin))
        assert renamed.json()["audit"][0]["before"]["name"] == "Orders"
        listed = client.get(URL, headers=auth(keys.acme_lead)).json()
        assert [(t["id"], t["name"]) for t in listed] == [("team-a", "Orders EMEA")]

    def test_other_tenant(self, client: TestClient, keys: Keys) -> None:
        register(client, keys.acme_admin, "team-a")
        assert client.get(URL, headers=auth(keys.globex_admin)).json() == []
        response = client.put(f"{URL}/team-a", json={"name": "mine"}, headers=auth(keys.globex_admin))
        assert response.status_code == 404

    def test_registered_teams_are_enforced(self, client: TestClient, keys: Keys) -> None:
        body = make_pattern_body(owner="team-z")
        assert client.post("/v1/patterns", json=body, headers=auth(keys.acme_admin)).status_code == 201
        register(client, keys.acme_admin, "team-a")
        unknown = client.post(
            "/v1/patterns", json=make_pattern_body("p2", owner="team-y"), headers=auth(keys.acme_admin)
        )
        assert unknown.status_code == 422
        assert unknown.json()["field"] == "owner"
        key = client.post(
            "/v1/keys", json={"role": "lead", "team_id": "team-y"}, headers=auth(keys.acme_admin)
        )
        assert (key.status_code, key.json()["field"]) == (422, "team_id")
        known = client.post(
            "/v1/patterns", json=make_pattern_body("p3", owner="team-a"), headers=auth(keys.acme_admin)
        )
        assert known.status_code == 201
        assert (
            client.post(
                "/v1/patterns", json=make_pattern_body("p4", owner="team-y"), headers=auth(keys.globex_admin)
            ).status_code
            == 201
        )
