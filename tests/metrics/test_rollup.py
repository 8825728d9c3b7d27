"""The incremental outcome roll-up equals a full recount, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from advisor.metrics.cubes import CUBES, MEASURES, add_delta, column, new_deltas
from advisor.metrics.models import Filters, Outcome
from advisor.metrics.rollup import recount, refresh
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.reports import ReportsRepository
from advisor.store.rollups import CUBE_TABLES
from advisor.store.tables.decisions import FeedbackEventRow
from tests.builders import run_together, seed_tenants
from tests.conftest import Database
from tests.metrics.factory import T0, TEXT, EventFactory
from tests.metrics.scenario import seed_scenario


def _migrated(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    seed_tenants(url)


def _refresh(url: str, **kwargs: object) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():
        refresh(ReportsRepository(session), **kwargs)  # type: ignore[arg-type]
    engine.dispose()


def _state(url: str, tenant: str) -> tuple[list[dict[str, object]], list[dict[str, object]], dict[str, int]]:
    """Return (roll-up rows, recount rows, decisions counted straight from the raw log)."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        repo = ReportsRepository(session)
        stored = repo.all_outcomes(tenant)
        events = repo.events_after(0, 1_000_000)
        texts = repo.rendered_texts({e.recommendation_id for e in events})
        raw = dict(
            session.execute(
                select(FeedbackEventRow.action, func.count(func.distinct(FeedbackEventRow.recommendation_id)))
                .where(FeedbackEventRow.tenant_id == tenant, FeedbackEventRow.action != "shown")
                .group_by(FeedbackEventRow.action)
            ).all()
        )
    engine.dispose()
    expected = [o for (t, _), o in recount(events, texts).items() if t == tenant]

    def norm(rows: list[Outcome]) -> list[dict[str, object]]:
        out = []
        for row in rows:
            d = asdict(row)
            for key in ("shown_at", "shown_event_at", "decided_at"):
                if d[key] is not None:
                    d[key] = (
                        d[key].replace(tzinfo=None)
                        if d[key].tzinfo is None
                        else d[key].astimezone(UTC).replace(tzinfo=None)
                    )
            out.append(d)
        return sorted(out, key=lambda d: str(d["recommendation_id"]))

    return norm(stored), norm(expected), {str(k): int(v) for k, v in raw.items()}


Cells = dict[str, dict[tuple[object, ...], tuple[float, ...]]]


def _cubes(url: str) -> Cells:
    engine = make_engine(url)
    out: Cells = {}
    with make_sessionmaker(engine)() as session:
        for name, table in CUBE_TABLES.items():
            keys = ["tenant_id", *(column(c) for c in CUBES[name])]
            out[name] = {
                tuple(getattr(row, k) for k in keys): tuple(
                    round(float(getattr(row, m)), 6) for m in MEASURES
                )
                for row in session.scalars(select(table))
                if row.n
            }
    engine.dispose()
    return out


def _cubes_from_recount(url: str) -> Cells:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        repo = ReportsRepository(session)
        events = repo.events_after(0, 1_000_000)
        texts = repo.rendered_texts({e.recommendation_id for e in events})
    engine.dispose()
    deltas = new_deltas()
    for outcome in recount(events, texts).values():
        add_delta(deltas, None, outcome)
    return {
        name: {key: tuple(round(float(v), 6) for v in values) for key, values in cells.items() if values[0]}
        for name, cells in deltas.items()
    }


def test_incremental_refresh_equals_recount(database: Database) -> None:
    _migrated(database.url)
    seed_scenario(database.url)
    _refresh(database.url, lag_s=0, batch=7)  # many small batches
    f = EventFactory(database.url)
    later = T0 + timedelta(days=3)
    rec = f.decided("rejected", at=later, reason="tone")
    f.event(rec, "accepted", at=later + timedelta(minutes=1), ttd_ms=70_000)  # changes its mind: last wins
    f.decided("edited", at=later, final_text=TEXT + " Thanks!")
    f.close()
    _refresh(database.url, lag_s=0, batch=3)
    _refresh(database.url, lag_s=0)  # a refresh with nothing new changes nothing
    stored, expected, raw = _state(database.url, "acme")
    assert stored == expected
    assert _cubes(database.url) == _cubes_from_recount(database.url)
    decisions = Counter(str(row["decision"]) for row in stored)
    assert decisions["edited"] == raw["edited"]
    assert decisions["ignored"] == 1
    assert (
        decisions["accepted"] + decisions["rejected"] < raw["accepted"] + raw["rejected"]
    )  # one changed mind


def test_recent_events_are_reread_until_old_enough(database: Database) -> None:
    _migrated(database.url)
    f = EventFactory(database.url)
    now = datetime.now(UTC)
    f.decided("accepted", at=now)
    f.close()
    engine = make_engine(database.url)
    with make_sessionmaker(engine)() as session, session.begin():
        first = refresh(ReportsRepository(session), lag_s=60)
    with make_sessionmaker(engine)() as session, session.begin():
        second = refresh(ReportsRepository(session), lag_s=60)
        third = refresh(ReportsRepository(session), lag_s=0, now=now + timedelta(minutes=5))
        counts = ReportsRepository(session).outcome_counts(Filters("acme"), [])
    engine.dispose()
    assert (first.advanced, first.events, second.events) == (False, 2, 2)  # re-read, not double counted
    assert third.advanced
    assert [(r.decision, r.n) for r in counts] == [("accepted", 1)]


@pytest.mark.parametrize("ttd", [None, 2500])
def test_time_to_decision_falls_back_to_the_shown_event(database: Database, ttd: int | None) -> None:
    _migrated(database.url)
    f = EventFactory(database.url)
    rec = f.suggestion()
    f.event(rec, "shown", at=T0)
    f.event(rec, "accepted", at=T0 + timedelta(seconds=7), ttd_ms=ttd)
    f.close()
    _refresh(database.url, lag_s=0)
    stored, _, _ = _state(database.url, "acme")
    assert stored[0]["ttd_ms"] == (7000 if ttd is None else ttd)


def test_concurrent_refreshes_count_once(database: Database) -> None:
    _migrated(database.url)
    seed_scenario(database.url)
    engine = make_engine(database.url)
    factory = make_sessionmaker(engine)

    def task() -> None:
        with factory() as session, session.begin():
            refresh(ReportsRepository(session), lag_s=0, batch=5)

    errors = run_together(task, 3)
    engine.dispose()
    assert errors == []
    assert _cubes(database.url) == _cubes_from_recount(database.url)


def test_bounded_steps_add_up_to_a_recount(database: Database) -> None:
    _migrated(database.url)
    seed_scenario(database.url)
    engine = make_engine(database.url)
    steps = 0
    while True:
        with make_sessionmaker(engine)() as session, session.begin():
            done = refresh(ReportsRepository(session), lag_s=0, batch=10, max_events=25)
        if done.events == 0:
            break
        steps += 1
    engine.dispose()
    assert steps > 3
    assert _cubes(database.url) == _cubes_from_recount(database.url)
    stored, expected, _ = _state(database.url, "acme")
    assert stored == expected
