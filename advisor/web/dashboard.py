"""The team lead dashboard (/dashboard): a static page that calls the metrics API with the lead's key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from advisor.web.jinja import page_csp, render_page

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request) -> HTMLResponse:
    """Serve the dashboard shell; the numbers are fetched by the page with the key the lead pastes."""
    response = render_page(request, "dashboard.html", {}, page_csp("'none'"))
    response.headers["Cache-Control"] = "no-store"
    return response
