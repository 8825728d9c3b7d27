"""Store health check."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def ping(session: Session) -> None:
    """Run a trivial query; raises if the store is unreachable."""
    session.execute(text("SELECT 1"))
