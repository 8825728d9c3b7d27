"""One ASGI middleware for what an operator sees of each HTTP request: its id, access line and metrics."""

from __future__ import annotations

import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor.telemetry.logs import INCOMING_ID, REQUEST_ID, REQUEST_ID_HEADER, access_logger, route_of
from advisor.telemetry.prometheus import Telemetry


class TelemetryMiddleware:
    """Give each HTTP request an id (the caller's ``X-Request-ID`` when well-formed) and return it in the
    response header; count it in flight, observe its latency under its route template and status class,
    and log one access line (method, route template, status, duration) when it is done."""

    def __init__(self, app: ASGIApp, *, telemetry: Telemetry, access_log: bool = True) -> None:
        self.app = app
        self.telemetry = telemetry
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id in the logging context."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k == REQUEST_ID_HEADER.encode()),
            "",
        )
        request_id = incoming if INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        self.telemetry.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.telemetry.in_flight.dec()
            seconds = time.perf_counter() - started
            method, route = scope.get("method", ""), route_of(scope)
            self.telemetry.http_duration.labels(method, route, f"{status // 100}xx").observe(seconds)
            if self.access_log:
                access_logger.info(
                    "request",
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                    },
                )
            REQUEST_ID.reset(token)
