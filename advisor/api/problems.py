"""RFC 9457 problem+json for every error: advisor's own, validation, routing, and oversized bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor.errors import AdvisorError

PROBLEM_TYPE_BASE = "https://advisor.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers or None)


def _field(loc: tuple[Any, ...], ctx: dict[str, Any] | None = None) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    if ctx and ctx.get("at"):  # where inside the value (advisor.schemas.check_text)
        parts.append(str(ctx["at"]))
    return ".".join(parts) or "body"


async def _advisor_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AdvisorError)  # noqa: S101  (registered for AdvisorError only)
    return problem(
        exc.status, exc.type_slug, exc.title, exc.detail, request.url.path, exc.headers(), **exc.extra
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        return problem(
            400,
            "malformed-json",
            "Malformed JSON",
            f"the request body is not valid JSON: {first.get('msg', '')}".strip(),
            request.url.path,
        )
    items = [
        {"field": _field(tuple(e["loc"]), e.get("ctx")), "message": e["msg"], "type": e["type"]}
        for e in errors
    ]
    first = items[0]
    detail = f"field '{first['field']}': {first['message']}"
    if len(items) > 1:
        detail += f" (and {len(items) - 1} more)"
    return problem(422, "invalid-input", "Invalid input", detail, request.url.path, errors=items)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}
    title = titles.get(exc.status_code, "HTTP error")
    slug = title.lower().replace(" ", "-")
    # Keep the router's headers: a 405 names the allowed methods in ``Allow``.
    return problem(exc.status_code, slug, title, str(exc.detail), request.url.path, headers=exc.headers)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem; extensions (e.g. `field`, `errors`) name what was wrong.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
DOCUMENTED = {
    400: "Malformed JSON",
    401: "No or unknown API key",
    403: "The key's role or identity may not do this",
    404: "Not found (also another tenant's resource)",
    409: "Conflict with the current state",
    413: "Request body too large",
    422: "Invalid input; the problem names the field",
}


def document_problems(app: FastAPI) -> None:
    """Declare the problem+json answers (400/401/403/404/409/413/422) on every /v1 operation."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith("/v1/"):
                continue
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, title in DOCUMENTED.items():
                    described = responses.get(str(status), {}).get("description", title)
                    responses[str(status)] = {"description": described, "content": content}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json, and declare them in the OpenAPI."""
    app.add_exception_handler(AdvisorError, _advisor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    document_problems(app)


class BodyLimitMiddleware:
    """Reject request bodies over ``max_bytes`` with a 413 problem, before anything is parsed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, send)
            return
        received = 0
        too_large = rejected = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # A chunked body has no Content-Length: the overflow surfaces while the app reads it, and
            # FastAPI turns any read error into a 400. Whatever the app answers then, the answer is 413.
            nonlocal rejected
            if not too_large:
                await send(message)
            elif not rejected:
                rejected = True
                await self._reject(scope, send)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if not rejected:
                await self._reject(scope, send)

    async def _reject(self, scope: Scope, send: Send) -> None:
        body = json.dumps(
            {
                "type": PROBLEM_TYPE_BASE + "payload-too-large",
                "title": "Payload too large",
                "status": 413,
                "detail": f"the request body exceeds {self.max_bytes} bytes",
                "instance": scope.get("path"),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
