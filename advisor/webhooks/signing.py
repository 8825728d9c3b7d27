"""HMAC-SHA256 signatures of webhook deliveries (``Advisor-Signature: t=<unix>,v1=<hex>``).

The signed message is ``f"{t}.".encode() + body``: the timestamp binds the signature to one moment,
so a receiver that checks the tolerance also refuses replays of old deliveries.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Advisor-Signature"
EVENT_ID_HEADER = "Advisor-Event-Id"
EVENT_TYPE_HEADER = "Advisor-Event-Type"
DEFAULT_TOLERANCE_S = 300


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """Return the ``Advisor-Signature`` header value for ``body``."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_digest(secret, t, body)}"


def verify_signature(
    secret: str,
    body: bytes,
    header: str,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """Return True when ``header`` is a valid signature of the raw ``body`` made within the tolerance.

    Pass the raw request bytes, not re-serialised JSON. Several ``v1=`` values may be present
    (e.g. during secret rotation); any one matching is enough.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, c) for c in candidates)
