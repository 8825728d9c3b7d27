"""Store health: a trivial query, and a background check whose last result /readyz reports."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger("advisor.store")


def ping(session: Session) -> None:
    """Run a trivial query; raises if the store is unreachable."""
    session.execute(text("SELECT 1"))


@dataclass
class StoreCheck:
    """Pings the store every ``interval_s`` off the request path; requests read only the last result."""

    factory: sessionmaker[Session]
    interval_s: float
    ok: bool = False
    error: str | None = None
    checked_at: float = float("-inf")

    def check(self) -> None:
        """Ping the store once (blocking) and record the outcome."""
        try:
            with self.factory() as session:
                ping(session)
        except Exception as exc:  # any failure means "not ready"; the type names it without secrets
            self.ok, self.error = False, type(exc).__name__
            logger.warning("store check failed: %s", self.error)
        else:
            self.ok, self.error = True, None
        self.checked_at = time.monotonic()

    def ready(self) -> bool:
        """Return whether the last check passed and is recent (a hung check counts as a failure)."""
        return self.ok and time.monotonic() - self.checked_at < 3 * self.interval_s + 2

    async def run(self) -> None:
        """Check forever, each check in its own thread so the event loop never waits on the store."""
        while True:
            await asyncio.sleep(self.interval_s)
            await asyncio.to_thread(self.check)
