"""The demo desk (/demo) and its loopback-only key hand-out (/demo/config)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from advisor.api.deps import SessionDep
from advisor.demo.desk import DemoConfig, demo_available, desk_config
from advisor.demo.repository import DemoSecretRepository
from advisor.errors import NotFound
from advisor.store.tenancy import TenancyRepository
from advisor.web.jinja import page_csp, render_page

router = APIRouter(tags=["demo"])

LOOPBACK_PEERS = {"127.0.0.1", "::1"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def demo_repo(session: SessionDep) -> DemoSecretRepository:
    """Return the demo secrets repository on the request's transaction."""
    return DemoSecretRepository(session)


DemoRepoDep = Annotated[DemoSecretRepository, Depends(demo_repo)]


def is_local(request: Request) -> bool:
    """Return whether the request comes straight from this machine (no proxy, a loopback Host)."""
    peer = request.client.host if request.client else None
    proxied = "x-forwarded-for" in request.headers or "forwarded" in request.headers
    # Checking Host as well defeats DNS rebinding (a remote page whose name resolves to 127.0.0.1).
    return peer in LOOPBACK_PEERS and request.url.hostname in LOOPBACK_HOSTS and not proxied


@router.get("/demo", response_class=HTMLResponse, include_in_schema=False)
def demo_page(request: Request, demo: DemoRepoDep) -> HTMLResponse:
    """Serve the simulated agent desk (conversation, reply box and the widget)."""
    context: dict[str, object] = {"available": demo_available(demo), "local": is_local(request)}
    return render_page(request, "demo.html", context, page_csp("'self'", inline_styles=True))


@router.get(
    "/demo/config",
    response_model=DemoConfig,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "tenant_id": "demo",
                        "agent_id": "agent-demo",
                        "team_id": "team-care",
                        "api_key": "adv_0J6y…",
                    }
                }
            }
        },
        404: {"description": "Not on this machine, or no demo tenant in the store."},
    },
)
def demo_config(request: Request, session: SessionDep, demo: DemoRepoDep) -> JSONResponse:
    """Give the demo desk its agent key; answered only to a browser on this machine (loopback), else 404."""
    if not is_local(request):
        raise NotFound("not found")
    config = desk_config(TenancyRepository(session), demo)
    if config is None:
        raise NotFound(
            "the store has no demo tenant: start advisor on an empty store with ADVISOR_SEED_DEMO=true"
        )
    return JSONResponse(config.model_dump(), headers={"Cache-Control": "no-store"})
