"""The coverage roll-up (one row per interaction, a daily cube) equals a recount, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from advisor.metrics import service
from advisor.metrics.coverage import coverage_cell, recount_coverage, refresh_coverage
from advisor.metrics.models import Dimension, Filters
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.reports import ReportsRepository
from advisor.store.tables.metrics import MetricDailyCoverageRow
from tests.builders import run_together, seed_tenants
from tests.conftest import Database
from tests.metrics.factory import T0, EventFactory

NOW = datetime(2026, 11, 20, tzinfo=UTC)
REFUND = [{"pattern_id": "refund_status", "version": 1, "score": 0.2}]


def _store(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    seed_tenants(url)


def _seed_first_half(url: str) -> None:
    f = EventFactory(url)
    # int-a: escalated first, then a suggestion a minute later -> covered, intent of the suggestion
    f.request(interaction="int-a", escalate=True, candidates=REFUND)
    f.suggestion(request_id=f.request(interaction="int-a", at=T0 + timedelta(minutes=1)))
    # int-b: only escalated, on voice -> escalated, intent of the top candidate
    f.request(
        interaction="int-b",
        agent="agent-2",
        channel="voice",
        escalate=True,
        candidates=REFUND,
        at=T0 + timedelta(hours=1),
    )
    f.close()
    other = EventFactory(url, "globex")  # another tenant's traffic never shows in acme's numbers
    other.request(interaction="int-a", agent="agent-g", team=None, escalate=True)
    other.close()


def _seed_second_half(url: str) -> None:
    f = EventFactory(url)
    # int-c: escalated with no candidate at all -> "unknown"
    f.request(interaction="int-c", channel="email", escalate=True, at=T0 + timedelta(hours=2))
    # int-d: started by agent-3 (team-b), then transferred to agent-1: counts for agent-3
    day3 = T0 + timedelta(days=2)
    f.suggestion(request_id=f.request(interaction="int-d", agent="agent-3", team="team-b", at=day3))
    f.suggestion(
        pattern="refund_status", request_id=f.request(interaction="int-d", at=day3 + timedelta(minutes=5))
    )
    f.close()


def _refresh(url: str, **kwargs: object) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():
        refresh_coverage(ReportsRepository(session), now=NOW, lag_s=0, **kwargs)  # type: ignore[arg-type]
    engine.dispose()


def _stored_and_recounted(url: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        repo = ReportsRepository(session)
        stored = repo.all_interactions("acme")
        requests = repo.requests_page(None, None, 1_000_000)
    engine.dispose()
    expected = [row for (tenant, _), row in recount_coverage(reversed(requests)).items() if tenant == "acme"]

    def norm(rows: list[object]) -> list[dict[str, object]]:
        return sorted((asdict(row) for row in rows), key=lambda d: str(d["interaction_id"]))  # type: ignore[call-overload]

    return norm(stored), norm(expected)  # type: ignore[arg-type]


def _cube(url: str) -> Counter[tuple[object, ...]]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        cells = Counter(
            {
                (r.tenant_id, r.day, r.team_id, r.channel, r.intent, r.covered): r.n
                for r in session.scalars(select(MetricDailyCoverageRow))
                if r.n
            }
        )
        requests = ReportsRepository(session).requests_page(None, None, 1_000_000)
    engine.dispose()
    recounted = Counter(coverage_cell(row) for row in recount_coverage(requests).values())
    assert cells == recounted
    return cells


def _report(url: str, filters: Filters, dims: list[Dimension]) -> dict[object, tuple[int, int]]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = service.coverage(ReportsRepository(session), filters, dims).rows
    engine.dispose()
    key = dims[0].value if dims else None
    return {row[key] if key else None: (row["interactions"], row["covered"]) for row in rows}


def test_incremental_coverage_equals_recount_and_reports_known_numbers(database: Database) -> None:
    _store(database.url)
    _seed_first_half(database.url)
    _refresh(database.url, batch=2)
    _seed_second_half(database.url)
    _refresh(database.url, batch=1, since=T0)  # re-read from T0: folding twice changes nothing
    _refresh(database.url)  # nothing new
    stored, expected = _stored_and_recounted(database.url)
    assert stored == expected
    _cube(database.url)
    url, acme = database.url, Filters("acme")
    assert _report(url, acme, [Dimension.channel]) == {"chat": (2, 2), "voice": (1, 0), "email": (1, 0)}
    assert _report(url, acme, [Dimension.intent]) == {
        "lost_package": (2, 2),
        "refund_status": (1, 0),
        "unknown": (1, 0),
    }
    assert _report(url, Filters("acme", team="team-a"), []) == {None: (3, 1)}
    # an agent filter or a period that is not whole days reads the interaction rows, not the cube
    assert _report(url, Filters("acme", agent="agent-1"), [Dimension.channel]) == {
        "chat": (1, 1),
        "email": (1, 0),
    }
    late = Filters("acme", start=T0 + timedelta(seconds=30), end=T0 + timedelta(days=1))
    assert _report(url, late, []) == {None: (2, 0)}  # int-a started at T0, before the period
    assert _report(url, Filters("globex"), []) == {None: (1, 0)}


def test_a_request_folded_out_of_order_moves_its_interaction(database: Database) -> None:
    _store(database.url)
    _seed_first_half(database.url)
    _refresh(database.url)
    f = EventFactory(database.url)  # int-b gets an earlier, covered request (e.g. a backdated import)
    earlier = T0 - timedelta(days=1)
    f.suggestion(pattern="password_reset", request_id=f.request(interaction="int-b", at=earlier))
    f.close()
    _refresh(database.url, since=earlier)
    stored, expected = _stored_and_recounted(database.url)
    assert stored == expected
    cells = _cube(database.url)
    assert cells[("acme", earlier.date().isoformat(), "team-a", "chat", "password_reset", 1)] == 1
    assert not any(cell[3] == "voice" for cell in cells)  # the old cell was taken back


def test_recent_requests_are_reread_until_old_enough(database: Database) -> None:
    _store(database.url)
    f = EventFactory(database.url)
    now = datetime.now(UTC)
    f.request(interaction="int-x", at=now, escalate=True)
    f.close()
    engine = make_engine(database.url)
    factory = make_sessionmaker(engine)
    with factory() as session, session.begin():
        first = refresh_coverage(ReportsRepository(session), now=now, lag_s=60)
    with factory() as session, session.begin():
        second = refresh_coverage(ReportsRepository(session), now=now, lag_s=60)
        third = refresh_coverage(ReportsRepository(session), now=now + timedelta(minutes=5), lag_s=60)
        fourth = refresh_coverage(ReportsRepository(session), now=now + timedelta(minutes=5), lag_s=60)
    engine.dispose()
    assert (first.requests, first.interactions) == (1, 1)
    assert (second.requests, second.interactions) == (1, 0)  # re-read, not counted twice
    assert third.requests == 1
    assert third.cursor == now + timedelta(minutes=4)
    assert fourth.requests == 0
    assert not fourth.advanced
    assert sum(_cube(database.url).values()) == 1


def test_concurrent_coverage_refreshes_count_once(database: Database) -> None:
    _store(database.url)
    _seed_first_half(database.url)
    _seed_second_half(database.url)
    engine = make_engine(database.url)
    factory = make_sessionmaker(engine)

    def task() -> None:
        with factory() as session, session.begin():
            refresh_coverage(ReportsRepository(session), now=NOW, lag_s=0, batch=2)

    errors = run_together(task, 3)
    engine.dispose()
    assert errors == []
    assert sum(n for cell, n in _cube(database.url).items() if cell[0] == "acme") == 4
