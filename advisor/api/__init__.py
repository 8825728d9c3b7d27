"""HTTP edge: the v1 routers."""

from fastapi import APIRouter, Depends, FastAPI

from advisor.api import audit as audit_api
from advisor.api import feedback, health, metrics, prometheus, recommendations, webhooks
from advisor.api import keys as keys_api
from advisor.api import learned_examples as learned_api
from advisor.api import patterns as patterns_api
from advisor.api import policy as policy_api
from advisor.api import privacy as privacy_api
from advisor.api import proposals as proposals_api
from advisor.api import replies as replies_api
from advisor.api import teams as teams_api
from advisor.api.deps import storable_params

API_ROUTERS: tuple[APIRouter, ...] = (
    # The hot routes first: a request is matched against the routers in this order.
    recommendations.router,
    feedback.router,
    replies_api.router,
    health.router,
    prometheus.router,
    metrics.router,
    webhooks.router,
    patterns_api.router,
    keys_api.router,
    policy_api.router,
    audit_api.router,
    teams_api.router,
    learned_api.router,
    proposals_api.router,
    privacy_api.router,
)


def include_api(app: FastAPI) -> None:
    """Include every v1 router in ``app`` under one input policy (advisor.schemas).

    Each router is included in the app itself, not in an enclosing router: FastAPI matches an included
    router's routes again at every level of nesting, and on the hot routes that cost more than the work.
    """
    for router in API_ROUTERS:
        app.include_router(router, dependencies=[Depends(storable_params)])


__all__ = ["API_ROUTERS", "include_api"]
