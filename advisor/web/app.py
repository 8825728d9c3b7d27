"""Browser-facing routes (dashboard, demo desk) and static assets; no business logic here."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
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
    for router in web_routers():
        app.include_router(router)
