"""Application factory and lifespan: engine, migrations, embedder, library cache, HTTP client."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TypedDict

import anyio.to_thread
import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from advisor import __version__
from advisor.api import include_api
from advisor.api.admission import AdmissionMiddleware, Gate
from advisor.api.feedback import FeedbackWriter, feedback_writer
from advisor.api.problems import BodyLimitMiddleware, install_problem_handlers
from advisor.bootstrap import build_ranker_factory, prepare_store
from advisor.demo import page as demo_page
from advisor.metrics.refresher import ReportReader, run_refresher
from advisor.plugins import Registry, load_registry
from advisor.privacy.service import scrub_expired
from advisor.recommendations.library import LibraryCache
from advisor.settings import Settings
from advisor.store import Session, sessionmaker
from advisor.store.decisions import DecisionLog
from advisor.store.engine import make_engine
from advisor.store.health import StoreCheck
from advisor.store.patterns import PatternRepository
from advisor.store.stamps import StoreStamps
from advisor.store.writer import DecisionWriter
from advisor.telemetry.logs import configure_logging
from advisor.telemetry.middleware import TelemetryMiddleware
from advisor.telemetry.prometheus import Telemetry
from advisor.tenancy.keycache import KeyCache
from advisor.tenancy.ratelimit import KeyRateLimiter
from advisor.web.app import mount_web
from advisor.webhooks.dispatcher import WebhookDispatcher
from advisor.webhooks.targets import TargetPolicy, guarded_client

logger = logging.getLogger("advisor")

# Connections and pool threads kept beyond the admission limit for background work (webhooks, roll-ups,
# the store check) and for the odd request that opens a second session.
RESERVE = 8


class State(TypedDict):
    """What the lifespan makes available to requests (``request.state``)."""

    settings: Settings
    sessionmaker: sessionmaker[Session]
    library: LibraryCache
    stamps: StoreStamps
    keys: KeyCache
    store_check: StoreCheck
    writer: DecisionWriter
    feedback: FeedbackWriter
    background: set[asyncio.Task[object]]
    reports: ReportReader
    http: httpx.AsyncClient
    connectors: Registry
    limiter: KeyRateLimiter | None


async def run_retention(factory: sessionmaker[Session], settings: Settings) -> None:
    """Scrub conversation text past the retention period, now and then every ``retention_check_s``."""
    days = settings.privacy.retention_days
    assert days is not None  # noqa: S101  (started only when set)
    while True:
        try:
            await asyncio.to_thread(scrub_expired, factory, days)
        except Exception:
            logger.exception("retention round failed")  # the store may be briefly unavailable
        await asyncio.sleep(settings.privacy.retention_check_s)


WARM_BUDGET_S = 60.0
"""Start-up stops building libraries after this long; the others are built on their first request."""


def warm_libraries(
    factory: sessionmaker[Session], stamps: StoreStamps, library: LibraryCache, limit: int
) -> None:
    """Build up to ``limit`` libraries, the most recently changed first, within ``WARM_BUDGET_S``, so
    that no agent's request waits for a build after a start (uvicorn listens once the lifespan started)."""
    started = time.monotonic()
    try:
        with factory() as session:
            stamps.refresh(session)
            count = library.warm(
                PatternRepository(session), DecisionLog(session), limit, until=started + WARM_BUDGET_S
            )
    except Exception:  # the store went away after the start's checks: serving builds on demand anyway
        logger.exception("libraries not built at start-up; each is built on its first request")
        return
    logger.info("built %d libraries at start-up in %.1f s", count, time.monotonic() - started)


def settle_heap() -> None:
    """Collect garbage once, then exclude every object alive now from later collections (``gc.freeze``).

    A server's heap is mostly long-lived (embedder, rankers, indexes): each full collection traversed it
    all, 70–170 ms with the demo pack, stalling every request in flight (the p99). Called after start-up
    and after each library rebuild; unfreezing first lets the replaced ranker be collected.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, *, served: bool = False) -> FastAPI:
    """Build the advisor ASGI app; nothing is constructed until the lifespan starts.

    ``served``: as ``advisor serve`` runs it: build the most recently changed libraries before accepting
    requests (``server.warm_libraries``), and call ``settle_heap`` after start-up and each library rebuild.
    """
    settings = settings or Settings()
    gate = Gate(settings.server.max_in_flight, settings.server.admissions_per_turn)
    telemetry = Telemetry()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
        connectors = load_registry()  # a broken connector plugin stops the start, never silently skipped
        server = settings.server
        # Both pools hold more than admission lets in: an admitted request never waits for either.
        engine = make_engine(settings.database_url, connections=server.max_in_flight + RESERVE)
        threads = anyio.to_thread.current_default_thread_limiter()
        threads.total_tokens = max(threads.total_tokens, server.max_in_flight + RESERVE)
        factory = prepare_store(engine, settings)
        stamps = StoreStamps(factory, server.stamp_poll_s)
        store_check = StoreCheck(factory, server.readiness_poll_s)
        store_check.check()
        writer = DecisionWriter(factory, server.decision_flush_s)

        warming = served  # one collection after the start-up's builds, not one per library

        def reloaded() -> None:
            telemetry.library_reloads.inc()
            if served and not warming:
                settle_heap()

        feedback = feedback_writer(factory)
        library = LibraryCache(
            build_ranker_factory(settings),
            learn=settings.ranking.learn_from_decisions,
            decisions_refresh_s=settings.ranking.decisions_refresh_s,
            on_reload=reloaded,
        )
        telemetry.live = lambda: {
            "advisor_requests_shed": gate.shed,
            "advisor_decision_queue_depth": writer.queue_depth(),
            "advisor_decision_batches": writer.batches,
            "advisor_decision_flush_seconds": writer.flush_seconds,
            "advisor_feedback_queue_depth": feedback.queue_depth(),
            "advisor_feedback_batches": feedback.batches,
            "advisor_feedback_flush_seconds": feedback.flush_seconds,
        }
        timeout = httpx.Timeout(5.0, connect=2.0)
        targets = TargetPolicy(settings.webhooks.allow_targets)
        async with httpx.AsyncClient(timeout=timeout) as http, guarded_client(targets, timeout) as hooks:
            dispatcher = WebhookDispatcher(factory, hooks, settings.retry, settings.webhooks)
            tasks = [asyncio.create_task(store_check.run())]
            if settings.webhooks.enabled:
                tasks.append(asyncio.create_task(dispatcher.run()))
            if settings.privacy.retention_days is not None:
                tasks.append(asyncio.create_task(run_retention(factory, settings)))
            if settings.metrics.refresh_interval_s > 0:
                refresher = run_refresher(
                    factory,
                    lag_s=settings.metrics.refresh_lag_s,
                    interval_s=settings.metrics.refresh_interval_s,
                )
                tasks.append(asyncio.create_task(refresher))
            if served:
                await asyncio.to_thread(warm_libraries, factory, stamps, library, server.warm_libraries)
                warming = False
                settle_heap()
            background: set[asyncio.Task[object]] = set()  # store reads started by requests (deps.read_later)
            try:
                limiter = KeyRateLimiter(settings.rate_limits) if settings.rate_limits.enabled else None
                yield State(
                    settings=settings,
                    sessionmaker=factory,
                    library=library,
                    stamps=stamps,
                    keys=KeyCache(factory, stamps),
                    store_check=store_check,
                    writer=writer,
                    feedback=feedback,
                    background=background,
                    reports=ReportReader(factory, writer, lag_s=settings.metrics.refresh_lag_s),
                    http=http,
                    connectors=connectors,
                    limiter=limiter,
                )
            finally:
                await asyncio.gather(*background, return_exceptions=True)
                for task in tasks:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
        feedback.close()  # nothing is queued once requests have drained; stop its thread
        writer.close()  # the served requests still queued are written before the engine goes
        stamps.close(factory)
        engine.dispose()

    # /docs and /redoc load Swagger UI and ReDoc from files shipped by fastapi-offline, not a CDN.
    app = FastAPIOffline(
        title="advisor",
        version=__version__,
        summary="Ranked, pre-approved response patterns for live contact-centre conversations.",
        lifespan=lifespan,
        favicon_url="/favicon.ico",
        swagger_ui_parameters={"persistAuthorization": True},
    )
    app.state.telemetry = telemetry
    install_problem_handlers(app)
    include_api(app)
    mount_web(app)
    app.include_router(demo_page.router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.limits.max_body_bytes)
    app.add_middleware(
        AdmissionMiddleware,
        gate=gate,
        wait_s=settings.server.admission_wait_s,
        retry_after_s=settings.server.retry_after_s,
    )
    app.add_middleware(TelemetryMiddleware, telemetry=telemetry, access_log=settings.log.access)
    return app


def create_served_app() -> FastAPI:
    """The app as ``advisor serve`` runs it in each worker process: logs configured first."""
    settings = Settings()
    configure_logging(settings.log.format, settings.log.level)
    return create_app(settings, served=True)
