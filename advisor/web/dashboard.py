"""The team lead dashboard (/dashboard): a static page that calls the metrics API with the lead's key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from advisor.web.jinja import render_page

router = APIRouter(tags=["dashboard"])

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'"
)


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request) -> HTMLResponse:
    """Serve the dashboard shell; the numbers are fetched by the page with the key the lead pastes."""
    response = render_page(request, "dashboard.html", {}, PAGE_CSP)
    response.headers["Cache-Control"] = "no-store"
    return response
