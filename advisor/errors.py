"""advisor's error tree; each error carries its problem type slug, title and HTTP status.

AdvisorError
├── InvalidInput          422  the request is well-formed JSON but breaks a rule
├── PayloadTooLarge       413
├── Unauthorized          401  no or unknown API key
├── Forbidden             403  role lacks the right (inside the caller's own tenant)
├── NotFound              404  unknown id, or another tenant's
├── Conflict              409  stale version, illegal transition, duplicate
├── RateLimited           429  the key is over its rate limit (Retry-After)
├── PatternFileError      invalid pattern file (names file, pattern and field)
├── ConnectorError        502  a connector's upstream system refused or failed the call
└── Overloaded            503  more requests at once than the process admits (with Retry-After)
"""

from __future__ import annotations

from typing import Any


class AdvisorError(Exception):
    """Base of every error advisor raises on purpose."""

    status: int = 400
    type_slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def headers(self) -> dict[str, str]:
        """Return HTTP headers the problem response carries (none by default)."""
        return {}


class InvalidInput(AdvisorError):
    """The request breaks a validation rule."""

    status, type_slug, title = 422, "invalid-input", "Invalid input"


class PayloadTooLarge(AdvisorError):
    """The request body exceeds the configured limit."""

    status, type_slug, title = 413, "payload-too-large", "Payload too large"


class Unauthorized(AdvisorError):
    """No valid API key."""

    status, type_slug, title = 401, "unauthorized", "Unauthorized"


class Forbidden(AdvisorError):
    """The caller's role does not allow this."""

    status, type_slug, title = 403, "forbidden", "Forbidden"


class NotFound(AdvisorError):
    """Unknown id, or one that belongs to another tenant."""

    status, type_slug, title = 404, "not-found", "Not found"


class Conflict(AdvisorError):
    """The request conflicts with the current state."""

    status, type_slug, title = 409, "conflict", "Conflict"


class RateLimited(AdvisorError):
    """The API key made too many requests; ``retry_after`` says how many seconds to wait."""

    status, type_slug, title = 429, "rate-limited", "Too many requests"

    def headers(self) -> dict[str, str]:
        """Return ``Retry-After`` in whole seconds."""
        return {"Retry-After": str(self.extra["retry_after"])}


class PatternFileError(AdvisorError):
    """A pattern file is invalid; ``detail`` names the file, the pattern and the field."""

    status, type_slug, title = 422, "invalid-pattern-file", "Invalid pattern file"


class ConnectorError(AdvisorError):
    """A connector's upstream system (CRM, helpdesk) refused or failed the call; ``detail`` says which."""

    status, type_slug, title = 502, "connector-error", "Connector error"


class Overloaded(AdvisorError):
    """The process is serving as many requests as it admits; the client should retry shortly."""

    status, type_slug, title = 503, "overloaded", "Overloaded"
