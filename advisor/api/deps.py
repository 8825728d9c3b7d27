"""Annotated dependencies: settings, a per-request transaction, repositories, principal, ranker.

Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool,
and each such hop costs more than the work (the request path had eight). Those that touch the store stay
``def``: the session's queries and commit block.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from advisor.errors import Forbidden
from advisor.recommendations.library import LibraryCache
from advisor.settings import Settings
from advisor.store import Session
from advisor.store.decisions import DecisionLog
from advisor.store.learned import LearnedExampleRepository
from advisor.store.patterns import PatternRepository
from advisor.store.tenancy import TenancyRepository
from advisor.tenancy.models import ApiRole, Principal
from advisor.tenancy.ratelimit import KeyRateLimiter
from advisor.tenancy.service import authenticate


async def get_settings(request: Request) -> Settings:
    """Return the app's settings."""
    settings: Settings = request.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """Open one transaction per request: committed on success, rolled back on any error."""
    with request.state.sessionmaker() as session, session.begin():
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


async def get_library(request: Request) -> LibraryCache:
    """Return the per-process library cache."""
    library: LibraryCache = request.state.library
    return library


def get_principal(request: Request, session: SessionDep) -> Principal:
    """Authenticate the bearer key of the request and count it against the key's rate limit."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    principal = authenticate(
        secret.strip() if scheme.lower() == "bearer" else None, TenancyRepository(session)
    )
    limiter: KeyRateLimiter | None = request.state.limiter
    if limiter is not None:
        limiter.check(principal.key_id)
    return principal


LibraryDep = Annotated[LibraryCache, Depends(get_library)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: ApiRole) -> object:
    """Return a dependency that admits only the given roles."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"role '{principal.role.value}' may not do this")
        return principal

    return Depends(check)


async def decision_log(session: SessionDep) -> DecisionLog:
    """Return the decision log on the request's transaction."""
    return DecisionLog(session)


async def pattern_repo(session: SessionDep) -> PatternRepository:
    """Return the pattern repository on the request's transaction."""
    return PatternRepository(session)


async def learned_repo(session: SessionDep) -> LearnedExampleRepository:
    """Return the learned-examples repository on the request's transaction."""
    return LearnedExampleRepository(session)


DecisionLogDep = Annotated[DecisionLog, Depends(decision_log)]
PatternRepoDep = Annotated[PatternRepository, Depends(pattern_repo)]
LearnedRepoDep = Annotated[LearnedExampleRepository, Depends(learned_repo)]
