"""Liveness and readiness; neither takes a pool thread or a database connection, nor waits for admission."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from advisor.api.problems import problem
from advisor.store.health import StoreCheck

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Return 200 while the process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=None,
    responses={503: {"description": "The store did not answer the last background check (problem+json)."}},
)
async def readyz(request: Request) -> JSONResponse | dict[str, str]:
    """Return 200 when the store answered the last background check (made every second or so)."""
    store: StoreCheck = request.state.store_check
    if not store.ready():
        return problem(503, "store-unavailable", "Store unavailable", "the store did not answer", "/readyz")
    return {"status": "ready", "store": "ok"}
