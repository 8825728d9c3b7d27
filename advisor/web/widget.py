"""The widget's iframe host (/widget): only the configured embed origins may frame it or message it."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from advisor.api.deps import SettingsDep
from advisor.web.jinja import page_csp, render_page

router = APIRouter(tags=["widget"])


@router.get("/widget", response_class=HTMLResponse, include_in_schema=False)
def widget_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    """Host the widget for an iframe; only the configured embed origins may frame it or message it."""
    origins = [o.rstrip("/") for o in settings.embed_origins if o.strip() and o.strip() != "*"]
    ancestors = " ".join(["'self'", *origins])
    context = {"allowed_origins": json.dumps(origins)}
    return render_page(request, "widget.html", context, page_csp(ancestors, inline_styles=True))
