"""Browser-facing routes (dashboard, widget host) and static assets; no business logic here."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from advisor.web import dashboard, widget
from advisor.web.jinja import STATIC_DIR


def web_routers() -> list[APIRouter]:
    """Return the routers of the browser pages (each page module contributes one)."""
    routers: list[APIRouter] = [widget.router, dashboard.router]
    return routers


def mount_web(app: FastAPI) -> None:
    """Mount static assets under /static and include the page routers."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)
    for router in web_routers():
        app.include_router(router)


async def favicon() -> FileResponse:
    """Serve the icon browsers ask for on every page (a PNG; browsers read it at /favicon.ico)."""
    return FileResponse(STATIC_DIR / "favicon.png", media_type="image/png")
