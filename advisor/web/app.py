"""Browser-facing routes (dashboard, demo desk) and static assets; no business logic here."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")


def web_routers() -> list[APIRouter]:
    """Return the routers of the browser pages (each page module contributes one)."""
    from advisor.web import dashboard, demo

    routers: list[APIRouter] = [demo.router, dashboard.router]
    return routers


def mount_web(app: FastAPI) -> None:
    """Mount static assets under /static and include the page routers."""
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.add_api_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)
    for router in web_routers():
        app.include_router(router)


async def favicon() -> FileResponse:
    """Serve the icon browsers ask for on every page (a PNG; browsers read it at /favicon.ico)."""
    return FileResponse(WEB_DIR / "static" / "favicon.png", media_type="image/png")
