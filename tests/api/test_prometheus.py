"""GET /metrics: Prometheus text with request timings by route template and what advisor served, without
customer text or keys."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.builders import Keys, auth, make_context


def value(text: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    assert match is not None, f"{sample} not in /metrics"
    return float(match.group(1))


class TestPrometheus:
    def test_anonymous_scrape_counts_what_was_served(self, client: TestClient, keys: Keys) -> None:
        context = make_context("my parcel never arrived, I am Dana Whitfield")
        served = client.post("/v1/recommendations", json=context, headers=auth(keys.acme_agent)).json()
        rec_id = served["recommendations"][0]["recommendation_id"]
        body = {"recommendation_id": rec_id, "client_event_id": "e-1", "action": "accepted"}
        assert client.post("/v1/feedback", json=body, headers=auth(keys.acme_agent)).status_code == 201
        assert client.post("/v1/feedback", json=body, headers=auth(keys.acme_agent)).status_code == 200
        client.get(f"/v1/patterns/{'x' * 20}", headers=auth(keys.acme_lead))

        response = client.get("/metrics")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        timed = "advisor_http_request_duration_seconds_count"
        assert value(text, timed + '{method="POST",route="/v1/recommendations",status="200"}') == 1
        assert timed + '{method="GET",route="/v1/patterns/{pattern_id}"' in text  # the template, not the path
        assert value(text, 'advisor_recommendations_total{escalated="false"}') == 1
        assert value(text, 'advisor_feedback_total{action="accepted"}') == 1  # the resend is not counted
        assert value(text, "advisor_library_builds_total") == 1
        assert value(text, "advisor_requests_in_flight") == 0
        assert value(text, "advisor_requests_shed_total") == 0
        for secret in ("Whitfield", "parcel", keys.acme_agent, rec_id):
            assert secret not in text
