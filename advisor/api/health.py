"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from advisor.api.deps import SessionDep
from advisor.store.health import ping

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Return 200 while the process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(session: SessionDep) -> dict[str, str]:
    """Return 200 when the store answers."""
    ping(session)
    return {"status": "ready", "store": "ok"}
