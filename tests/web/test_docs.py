"""The API docs work offline: Swagger UI from the package, the bearer key through Authorize."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.settings import Settings
from tests.builders import add_key, seed_tenants


class TestDocsPage:
    def test_assets_are_served_by_advisor(self, client: TestClient) -> None:
        page = client.get("/docs").text
        assert "cdn" not in page.lower()
        assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
        assert client.get("/static-offline-docs/swagger-ui.css").status_code == 200
        assert "cdn" not in client.get("/redoc").text.lower()

    def test_bearer_key_is_declared(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        schemes = spec["components"]["securitySchemes"]
        assert (schemes["apiKey"]["type"], schemes["apiKey"]["scheme"]) == ("http", "bearer")
        assert spec["paths"]["/v1/recommendations"]["post"]["security"] == [{"apiKey": []}]
        assert "security" not in spec["paths"]["/healthz"]["get"]


class TestFavicon:
    def test_valid(self, client: TestClient) -> None:
        response = client.get("/favicon.ico")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")


@pytest.mark.browser
def test_try_it_out_with_a_key(settings: Settings, live_server: str, browser_page: Any) -> None:
    seed_tenants(settings.database_url)
    # the example request is the demo desk's agent, as the demo tenant's agent key is
    key = add_key(settings.database_url, "acme", "agent", team_id="team-care", agent_id="agent-demo")
    page = browser_page
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None)
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "advisor" in page.locator(".swagger-ui .info .title").inner_text()

    page.click("button.authorize")
    page.fill(".modal-ux input[type=text], .modal-ux input[type=password]", key)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")

    operation = page.locator("#operations-recommendations-create_recommendations_v1_recommendations_post")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    status.first.wait_for()
    assert status.first.inner_text().strip() == "200"
    assert "recommendations" in operation.locator(".live-responses-table .highlight-code").first.inner_text()
    assert outside == []
