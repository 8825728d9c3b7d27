"""HTTP edge: the v1 routers."""

from fastapi import APIRouter

from advisor.api import feedback, health, recommendations

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(recommendations.router)
api_router.include_router(feedback.router)

__all__ = ["api_router"]
