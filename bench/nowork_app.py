"""A FastAPI app that does no work: the same request model as POST /v1/recommendations, a fixed answer.

It is the ceiling of the HTTP stack on this machine, for reading bench/http_wrk.sh figures side by side:
    BENCH_APP=nowork bash bench/http_wrk.sh 10 32 1
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from advisor.recommendations.models import RecommendationRequest

app = FastAPI()


@app.post("/v1/recommendations")
async def recommend(request: RecommendationRequest) -> dict[str, Any]:
    """Validate the body like advisor does and answer without ranking or storing anything."""
    return {
        "request_id": "nowork",
        "interaction_id": request.interaction_id,
        "recommendations": [],
        "escalate": True,
        "reason": "no work",
        "ranker_version": "none",
        "latency_ms": 0.0,
    }


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    """Ready at once."""
    return {"status": "ok"}
