"""The Jinja environment of the browser pages, and the headers every page is served with."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=WEB_DIR / "templates")


def page_csp(frame_ancestors: str, *, inline_styles: bool = False) -> str:
    """Return a page's Content-Security-Policy: its own scripts only, framed by ``frame_ancestors``."""
    styles = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    return (
        f"default-src 'self'; script-src 'self'; style-src {styles}; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'; "
        f"frame-ancestors {frame_ancestors}"
    )


def render_page(request: Request, name: str, context: Mapping[str, object], csp: str) -> HTMLResponse:
    """Render a page template with its Content-Security-Policy, no referrer and no MIME sniffing."""
    response = templates.TemplateResponse(request, name, dict(context))
    response.headers["Content-Security-Policy"] = csp
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
