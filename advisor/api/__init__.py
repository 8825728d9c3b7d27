"""HTTP edge: the v1 routers."""

from fastapi import APIRouter, Depends

from advisor.api import audit as audit_api
from advisor.api import feedback, health, metrics, prometheus, recommendations, webhooks
from advisor.api import keys as keys_api
from advisor.api import learned_examples as learned_api
from advisor.api import patterns as patterns_api
from advisor.api import policy as policy_api
from advisor.api import privacy as privacy_api
from advisor.api import teams as teams_api
from advisor.api.deps import storable_params

api_router = APIRouter(dependencies=[Depends(storable_params)])  # one input policy (advisor.schemas)
api_router.include_router(health.router)
api_router.include_router(prometheus.router)
api_router.include_router(recommendations.router)
api_router.include_router(feedback.router)
api_router.include_router(metrics.router)
api_router.include_router(webhooks.router)
api_router.include_router(patterns_api.router)
api_router.include_router(keys_api.router)
api_router.include_router(policy_api.router)
api_router.include_router(audit_api.router)
api_router.include_router(teams_api.router)
api_router.include_router(learned_api.router)
api_router.include_router(privacy_api.router)

__all__ = ["api_router"]
