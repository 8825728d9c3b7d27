"""Typed errors built from advisor's problem+json bodies.

AdvisorAPIError               any non-2xx answer (``status``, ``type``, ``title``, ``detail``, ``errors``)
├── BadRequestError           400  e.g. malformed JSON
├── AuthenticationError       401  missing, unknown or revoked key
├── PermissionDeniedError     403  the key's role may not do this
├── NotFoundError             404  unknown id, or another tenant's
├── ConflictError             409  stale lock, illegal transition, reused client_event_id
├── PayloadTooLargeError      413
├── InvalidInputError         422  ``errors`` lists each field and its message
├── RateLimitedError          429  (after the retries)
└── ServerError               5xx  (503 after the retries)
AdvisorConnectionError        no answer at all (after the retries)
"""

from __future__ import annotations

from typing import Any

import httpx


class AdvisorConnectionError(Exception):
    """advisor could not be reached."""


class AdvisorAPIError(Exception):
    """advisor answered with an error (an RFC 9457 problem)."""

    def __init__(self, response: httpx.Response, problem: dict[str, Any]) -> None:
        self.response = response
        self.problem = problem
        self.status: int = response.status_code
        self.type: str = str(problem.get("type", "about:blank"))
        self.title: str = str(problem.get("title", response.reason_phrase))
        self.detail: str = str(problem.get("detail", response.text[:500]))
        raw = problem.get("errors")
        self.errors: list[dict[str, Any]] = list(raw) if isinstance(raw, list) else []
        super().__init__(f"{self.status} {self.title}: {self.detail}")

    @property
    def field(self) -> str | None:
        """Return the first field the problem names, if any."""
        if self.errors:
            return str(self.errors[0].get("field"))
        value = self.problem.get("field")
        return str(value) if value is not None else None


class BadRequestError(AdvisorAPIError):
    """400."""


class AuthenticationError(AdvisorAPIError):
    """401."""


class PermissionDeniedError(AdvisorAPIError):
    """403."""


class NotFoundError(AdvisorAPIError):
    """404."""


class ConflictError(AdvisorAPIError):
    """409."""


class PayloadTooLargeError(AdvisorAPIError):
    """413."""


class InvalidInputError(AdvisorAPIError):
    """422."""


class RateLimitedError(AdvisorAPIError):
    """429."""


class ServerError(AdvisorAPIError):
    """5xx."""


BY_STATUS: dict[int, type[AdvisorAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: InvalidInputError,
    429: RateLimitedError,
}


def error_for(response: httpx.Response) -> AdvisorAPIError:
    """Return the typed error for a non-2xx response."""
    try:
        body = response.json()
    except ValueError:
        body = None
    problem: dict[str, Any] = body if isinstance(body, dict) else {}
    cls = BY_STATUS.get(response.status_code)
    if cls is None:
        cls = ServerError if response.status_code >= 500 else AdvisorAPIError
    return cls(response, problem)
