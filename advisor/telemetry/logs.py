"""Structured JSON logs: one object per line, with the request id of the request being served.

Log records carry no customer text and no keys by construction: the access line names the route
template (``/v1/patterns/{pattern_id}``), never the query string or the body, and an exception is
logged with its type and stack frames but without its message, which may quote stored values.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
from contextvars import ContextVar
from typing import Any

from starlette.types import Scope

REQUEST_ID: ContextVar[str | None] = ContextVar("advisor_request_id", default=None)
REQUEST_ID_HEADER = "x-request-id"
INCOMING_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
EXTRA_FIELDS = ("method", "route", "status", "duration_ms", "event", "tenant_id", "count", "worker")
"""Record attributes copied into the JSON object when a call passes them as ``extra``."""

access_logger = logging.getLogger("advisor.access")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, request id, known extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line."""
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            out["request_id"] = request_id
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                out[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            out["exc_type"] = f"{kind.__module__}.{kind.__qualname__}"
            out["stack"] = "".join(traceback.format_tb(tb))
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(fmt: str = "json", level: str = "info") -> None:
    """Send advisor's and uvicorn's logs to stderr in ``fmt`` ("json" or "text")."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our access line replaces uvicorn's, which prints the raw path with its query string.
    logging.getLogger("uvicorn.access").disabled = True


def route_of(scope: Scope) -> str:
    """Return the matched route's template, or "unmatched" (never the raw path)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
