"""GET /metrics: Prometheus exposition of the server's own metrics (no tenant data, no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from advisor.api.deps import TelemetryDep

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def prometheus_metrics(telemetry: TelemetryDep) -> Response:
    """Return request latency per route, ranking time, suggested/escalated counts, feedback counts by
    action and library reloads, in Prometheus text format (summed over workers)."""
    return Response(telemetry.render(), media_type=telemetry.content_type)
