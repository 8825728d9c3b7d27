"""Annotated dependencies: settings, a per-request transaction, repositories, principal, ranker.

Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool,
and each such hop costs more than the work (the request path had eight). Those that touch the store stay
``def``: the session's queries and commit block. The principal comes from memory (``KeyCache``) and asks
the store only on a miss, in one thread call of its own. The hot routes (recommendations, feedback) do all
their store work in one thread call too (``in_transaction``): the connection is taken and given back inside
that thread, never held while the request waits for another one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from advisor.errors import Forbidden
from advisor.metrics.refresher import ReportReader
from advisor.recommendations.library import LibraryCache
from advisor.schemas import UNSTORABLE_MESSAGE, unstorable
from advisor.settings import Settings
from advisor.store import Session
from advisor.store.decisions import DecisionLog
from advisor.store.learned import LearnedExampleRepository
from advisor.store.patterns import PatternRepository
from advisor.store.stamps import StoreStamps
from advisor.telemetry.prometheus import Telemetry
from advisor.tenancy.keycache import KeyCache
from advisor.tenancy.models import ApiRole, Principal
from advisor.tenancy.ratelimit import KeyRateLimiter

T = TypeVar("T")
logger = logging.getLogger("advisor")


async def get_settings(request: Request) -> Settings:
    """Return the app's settings."""
    settings: Settings = request.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """Open one transaction per request: committed on success, rolled back on any error.

    Served requests still in the decision writer's batch are written first, so a request reads what this
    process served before it.
    """
    request.state.writer.drain()
    with request.state.sessionmaker() as session, session.begin():
        yield session


async def storable_params(request: Request) -> None:
    """Refuse path and query parameters holding characters a store cannot keep (422 naming each)."""
    given = [("path", k, v) for k, v in request.path_params.items()]
    given += [("query", k, v) for k, v in request.query_params.multi_items()]
    errors = [
        {
            "type": "value_error",
            "loc": (where, name),
            "msg": f"Value error, {UNSTORABLE_MESSAGE}",
            "input": None,
        }
        for where, name, value in given
        if isinstance(value, str) and unstorable(value)
    ]
    if errors:
        raise RequestValidationError(errors)


async def in_transaction(request: Request, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one pool thread and one transaction (committed on success, rolled back on error)."""
    factory = request.state.sessionmaker

    def call() -> T:
        with factory() as session, session.begin():
            return work(session)

    return await run_in_threadpool(call)


def read_later(request: Request, work: Callable[[Session], object]) -> None:
    """Start ``work`` in one pool thread and one transaction without waiting for it (one at a time).

    A request that finds the copy in memory merely old is served from it; the read it is due goes on in
    the background instead of making this request, and every other one meanwhile, wait for a thread
    (which, GIL-bound behind the event loop, took hundreds of milliseconds).
    """
    stamps: StoreStamps = request.state.stamps
    if stamps.reading:
        return
    stamps.reading += 1
    reads: set[asyncio.Task[object]] = request.state.background
    task = asyncio.get_running_loop().create_task(in_transaction(request, work))
    reads.add(task)

    def done(finished: asyncio.Task[object]) -> None:
        stamps.reading -= 1
        reads.discard(finished)
        if not finished.cancelled() and (exc := finished.exception()) is not None:
            # The next due request tries again; the type only, never a message (it may quote data).
            logger.warning("background store read failed: %s", type(exc).__name__)

    task.add_done_callback(done)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""The request's transaction: committed when the endpoint returns, before the response is sent (the
default "request" scope would commit after sending, so a 2xx could precede a failed commit)."""


async def get_library(request: Request) -> LibraryCache:
    """Return the per-process library cache."""
    library: LibraryCache = request.state.library
    return library


# Declares the bearer-key scheme in OpenAPI (the Authorize button of /docs); a missing or non-bearer
# header yields None here and a 401 problem from authenticate.
bearer_key = HTTPBearer(
    auto_error=False, scheme_name="apiKey", description="An advisor API key: `Authorization: Bearer adv_…`"
)


async def get_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_key)]
) -> Principal:
    """Authenticate the bearer key (from memory when this process has seen it) and count it against the
    key's rate limit."""
    key = credentials.credentials.strip() if credentials else None
    keys: KeyCache = request.state.keys
    stamps: StoreStamps = request.state.stamps
    principal = keys.cached(key) if key else None
    if principal is None:
        with stamps.read_in_flight():
            principal = await run_in_threadpool(keys.load, key)
    elif not stamps.fresh():
        read_later(request, stamps.refresh)
    limiter: KeyRateLimiter | None = request.state.limiter
    if limiter is not None:
        limiter.check(principal.key_id)
    return principal


async def get_report_reader(request: Request) -> ReportReader:
    """Return the app's report reader (roll-ups folded up before each report)."""
    reader: ReportReader = request.state.reports
    return reader


async def get_telemetry(request: Request) -> Telemetry:
    """Return the app's Prometheus metrics."""
    telemetry: Telemetry = request.app.state.telemetry
    return telemetry


LibraryDep = Annotated[LibraryCache, Depends(get_library)]
TelemetryDep = Annotated[Telemetry, Depends(get_telemetry)]
ReportReaderDep = Annotated[ReportReader, Depends(get_report_reader)]
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
