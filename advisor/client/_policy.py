"""What the clients retry, and their auth header."""

from __future__ import annotations

import httpx

# Only answers that say "try later" and connections that never reached advisor are retried:
# a recommendation that timed out mid-way may have been served, so it is not sent twice.
RETRY_STATUSES = frozenset({429, 503})
RETRY_ERRORS: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout)


def auth_headers(api_key: str | None) -> dict[str, str]:
    """Return the Authorization header for a key (none without one)."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}
