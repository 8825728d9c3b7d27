"""Shared HTTP plumbing for connectors: JSON GETs on an injected client, retries, error mapping.

Connectors never create an ``httpx.AsyncClient`` themselves (the host app owns its lifecycle);
every call goes through :func:`get_json`, which retries transport errors and retryable statuses
(429/5xx, honouring ``Retry-After``) under :mod:`advisor.retrying`, and turns whatever is left
into a :class:`~advisor.errors.ConnectorError` that names the vendor, the status and its message.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx

from advisor.errors import ConnectorError
from advisor.retrying import RetryableStatus, async_retrying, raise_for_retry
from advisor.settings import RetryPolicy

USER_AGENT = "advisor-connectors/1"
MAX_VENDOR_MESSAGE = 200


def basic_auth(user: str, password: str) -> str:
    """Return an ``Authorization`` header value for HTTP Basic auth."""
    raw = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def bearer_auth(token: str) -> str:
    """Return an ``Authorization`` header value for an OAuth bearer token."""
    return f"Bearer {token}"


def vendor_message(response: httpx.Response) -> str:
    """Return the vendor's own error message from a response body, shortened, or ``""``."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:MAX_VENDOR_MESSAGE]
    parts: list[str] = []
    if isinstance(body, dict):
        for key in ("error", "description", "message", "errorCode"):
            value = body.get(key)
            if isinstance(value, str) and value:
                parts.append(value)
            elif isinstance(value, dict):
                parts.extend(str(v) for k, v in value.items() if k in ("title", "message") and v)
    elif isinstance(body, list):  # Salesforce-style: [{"message": ..., "errorCode": ...}]
        parts.extend(
            str(item.get("message")) for item in body if isinstance(item, dict) and item.get("message")
        )
    return ": ".join(parts)[:MAX_VENDOR_MESSAGE]


def status_error(vendor: str, what: str, response: httpx.Response) -> ConnectorError:
    """Map a vendor's non-success response to a ``ConnectorError`` with a message an operator can act on."""
    code = response.status_code
    said = vendor_message(response)
    said = f" ({said})" if said else ""
    if code == 401:
        detail = f"{vendor} refused the credentials (HTTP 401){said}; check the configured credentials"
    elif code == 403:
        detail = f"{vendor} credentials lack permission for {what} (HTTP 403){said}"
    elif code == 404:
        detail = f"{vendor} has no {what} (HTTP 404){said}"
    elif code == 429:
        detail = f"{vendor} rate limit still exceeded after retries for {what} (HTTP 429){said}"
    else:
        detail = f"{vendor} answered HTTP {code} for {what}{said}"
    return ConnectorError(detail, vendor=vendor.lower(), upstream_status=code)


async def get_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    vendor: str,
    what: str,
    authorization: str,
    policy: RetryPolicy,
    params: dict[str, str | int] | None = None,
) -> dict[str, Any]:
    """GET ``url`` and return its JSON object, retrying transient failures; raise ``ConnectorError``."""
    headers = {"Authorization": authorization, "Accept": "application/json", "User-Agent": USER_AGENT}
    try:
        async for attempt in async_retrying(policy):
            with attempt:
                response = await http.get(url, headers=headers, params=params)
                raise_for_retry(response)
    except RetryableStatus as exc:
        raise status_error(vendor, what, exc.response) from exc
    except httpx.HTTPError as exc:
        raise ConnectorError(
            f"could not reach {vendor} for {what}: {type(exc).__name__}", vendor=vendor.lower()
        ) from exc
    if not response.is_success:
        raise status_error(vendor, what, response)
    try:
        body = response.json()
    except ValueError as exc:
        raise ConnectorError(
            f"{vendor} answered {what} with a body that is not JSON", vendor=vendor.lower()
        ) from exc
    if not isinstance(body, dict):
        raise ConnectorError(
            f"{vendor} answered {what} with JSON that is not an object", vendor=vendor.lower()
        )
    return body
