"""Metrics at scale: bulk-load N synthetic feedback events, build the roll-up, time every report.

    python bench/metrics_scale.py --events 1000000                       # SQLite file
    python bench/metrics_scale.py --events 1000000 --url postgresql://postgres@127.0.0.1:5432/bench

Prints one JSON document: load and roll-up build times, then the median of 3 runs of each report.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from advisor.metrics import service
from advisor.metrics.coverage import refresh_coverage
from advisor.metrics.models import Dimension, Filters, Thresholds
from advisor.metrics.rollup import refresh
from advisor.patterns.files import load_patterns
from advisor.patterns.service import add_patterns
from advisor.settings import DEMO_PACK_DIR
from advisor.store.engine import Engine, make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.patterns import PatternRepository
from advisor.store.reports import ReportsRepository
from advisor.store.tenancy import TenancyRepository

TENANT = "bench"
START = datetime(2026, 10, 1, tzinfo=UTC)
REASONS = ["wrong_intent", "outdated", "tone", "missing_info", "policy", "other"]
CHANNELS = ["chat", "chat", "messaging", "email", "voice"]


def _ts(moment: datetime, sqlite: bool) -> str:
    if sqlite:  # SQLAlchemy's SQLite DateTime storage format (UTC wall time)
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment.isoformat()


def generate(
    n_events: int, seed: int, sqlite: bool
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Return request, recommendation and feedback rows: ~1.5 requests per interaction, 8 % escalated,
    3 suggestions shown per other request, ~85 % of the top ones decided."""
    rng = random.Random(seed)
    specs = load_patterns(DEMO_PACK_DIR)
    patterns = [(s.id, s.version, s.intents[0], s.title) for s in specs]
    quality = {p[0]: rng.uniform(0.35, 0.9) for p in patterns}
    agents = [(f"team-{t}", f"agent-{t}-{a}") for t in range(5) for a in range(8)]
    requests: list[tuple[Any, ...]] = []
    recs: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    event_id = 0
    interaction, team, agent, channel, at = "", "", "", "", START
    while event_id < n_events:
        if interaction and rng.random() < 0.35:  # the conversation goes on: another request, same agent
            at += timedelta(seconds=rng.uniform(20, 300))
        else:
            team, agent = rng.choice(agents)
            channel = rng.choice(CHANNELS)
            at = START + timedelta(seconds=rng.uniform(0, 30 * 86400))
            interaction = f"int-{len(requests)}"
        request_id = str(uuid.UUID(int=rng.getrandbits(128)))
        chosen = rng.sample(patterns, 3)
        escalate = rng.random() < 0.08
        requests.append((request_id, TENANT, interaction, agent, team, channel, "en-US", "0" * 64, "bench", 1,
                         escalate, None, json.dumps([{"pattern_id": p[0], "version": p[1]} for p in chosen]),
                         2.5, _ts(at, sqlite)))  # fmt: skip
        if escalate:
            continue
        for rank, (pid, ver, intent, title) in enumerate(chosen, start=1):
            rec_id = str(uuid.UUID(int=rng.getrandbits(128)))
            recs.append((rec_id, request_id, TENANT, interaction, agent, team, channel, rank, pid, ver, intent,
                         0.8, 0.7, title, title, "[]", "low", _ts(at, sqlite)))  # fmt: skip
            event_id += 1
            events.append((event_id, TENANT, f"c{event_id}", rec_id, interaction, agent, team, channel, pid, ver,
                           intent, "shown", None, None, None, None, None, _ts(at, sqlite), _ts(at, sqlite)))  # fmt: skip
            if rank != 1 or rng.random() < 0.15:
                continue
            roll = rng.random()
            q = quality[pid]
            action = "accepted" if roll < q else "edited" if roll < q + (1 - q) * 0.6 else "rejected"
            ttd = int(rng.lognormvariate(8.3, 0.6))
            done = at + timedelta(milliseconds=ttd)
            event_id += 1
            reason = rng.choice(REASONS) if action == "rejected" else None
            # Most wrong-topic rejections name the reply sent instead (a correction).
            used = (
                rng.choice([p for p in patterns if p[0] != pid])[0]
                if reason == "wrong_intent" and rng.random() < 0.6
                else None
            )
            events.append((event_id, TENANT, f"c{event_id}", rec_id, interaction, agent, team, channel, pid, ver,
                           intent, action, title + " Thanks!" if action == "edited" else None,
                           reason, used, None, ttd, _ts(done, sqlite), _ts(done, sqlite)))  # fmt: skip
    return requests, recs, events


REQUEST_COLS = "id, tenant_id, interaction_id, agent_id, team_id, channel, locale, context_hash, ranker_version, library_stamp, escalate, reason, candidates, latency_ms, created_at"
REC_COLS = "id, request_id, tenant_id, interaction_id, agent_id, team_id, channel, rank, pattern_id, pattern_version, intent, score, confidence, text, approved_text, unfilled, risk, created_at"
EVENT_COLS = "id, tenant_id, client_event_id, recommendation_id, interaction_id, agent_id, team_id, channel, pattern_id, pattern_version, intent, action, final_text, reason, used_pattern_id, comment, time_to_decision_ms, occurred_at, received_at"


def load(engine: Engine, rows: tuple[list[tuple[Any, ...]], ...]) -> None:
    """Bulk-insert with executemany (SQLite) or COPY (PostgreSQL)."""
    tables = [
        ("recommendation_requests", REQUEST_COLS),
        ("recommendations", REC_COLS),
        ("feedback_events", EVENT_COLS),
    ]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for (table, cols), data in zip(tables, rows, strict=True):
            if engine.dialect.name == "sqlite":
                marks = ", ".join("?" * len(cols.split(",")))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", data)  # noqa: S608  (fixed names)
            else:
                with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('feedback_events', 'id'), (SELECT max(id) FROM feedback_events))"
                )
            )
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def timed(fn: Callable[[], object], runs: int = 3) -> float:
    """Return the median wall time of ``runs`` calls, in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def main() -> None:
    """Build the store, load, roll up, and time the reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--url", default="sqlite:////tmp/advisor-metrics-scale.db")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="Time the reports on a store loaded earlier.")
    args = parser.parse_args()
    engine = make_engine(args.url)
    factory = make_sessionmaker(engine)
    out: dict[str, Any] = {
        "url": engine.url.render_as_string(hide_password=True),
        "engine": engine.dialect.name,
    }
    if args.reuse:
        upgrade(engine)  # bring a store loaded by an older version up to date
        build_coverage(factory)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        time_reports(factory, out)
        return
    if args.url.startswith("sqlite:///"):
        Path(args.url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    with factory() as session, session.begin():
        TenancyRepository(session).ensure_tenant(TENANT)
        add_patterns(PatternRepository(session), TENANT, load_patterns(DEMO_PACK_DIR))
    started = time.perf_counter()
    rows = generate(args.events, args.seed, engine.dialect.name == "sqlite")
    out["generate_s"] = round(time.perf_counter() - started, 1)
    out["rows"] = {"requests": len(rows[0]), "recommendations": len(rows[1]), "feedback_events": len(rows[2])}
    started = time.perf_counter()
    load(engine, rows)
    out["load_s"] = round(time.perf_counter() - started, 1)
    del rows
    started = time.perf_counter()
    outcomes = 0
    while True:  # backfill in bounded steps, refreshing the planner's statistics between them
        with factory() as session, session.begin():
            built = refresh(ReportsRepository(session), lag_s=0, max_events=200_000)
        outcomes += built.outcomes
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        if built.events == 0:
            break
    out["rollup_build_s"] = round(time.perf_counter() - started, 1)
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:  # steady state: the WAL checkpointed as it is in normal running
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            conn.execute(text("ANALYZE"))
    out["outcomes_written"] = outcomes
    out["coverage_build_s"], out["interactions_written"] = build_coverage(factory)
    time_reports(factory, out)
    engine.dispose()


def build_coverage(factory: Any) -> tuple[float, int]:
    """Fold every request into the coverage roll-up in bounded steps; return (seconds, interactions)."""
    started = time.perf_counter()
    written = 0
    while True:
        with factory() as session, session.begin():
            step = refresh_coverage(
                ReportsRepository(session), now=datetime.now(UTC), lag_s=0, max_requests=200_000
            )
        written += step.interactions
        if step.requests < 200_000 or not step.advanced:
            break
    return round(time.perf_counter() - started, 1), written


def time_reports(factory: Any, out: dict[str, Any]) -> None:
    """Time every report (median of 3) and print the results as JSON."""
    everything = Filters(TENANT)
    last_week = Filters(TENANT, START + timedelta(days=23), START + timedelta(days=30))
    one_team = Filters(TENANT, team="team-1")
    one_agent = Filters(TENANT, agent="agent-1-3")
    ragged = Filters(TENANT, START + timedelta(hours=12), START + timedelta(days=29, hours=12))
    thresholds = Thresholds(50, 0.7, 0.9, 20, 0.35, 0.25)
    P = Dimension.pattern_version
    reports: dict[str, Callable[[ReportsRepository], object]] = {
        "refresh_nothing_new": lambda r: refresh(r, lag_s=0),
        "refresh_coverage_nothing_new": lambda r: refresh_coverage(r, now=datetime.now(UTC), lag_s=0),
        "rates_total": lambda r: service.rates(r, everything, []),
        "rates_by_pattern_version": lambda r: service.rates(r, everything, [P]),
        "rates_by_day": lambda r: service.rates(r, everything, [Dimension.day]),
        "rates_by_team_agent_week": lambda r: service.rates(
            r, everything, [Dimension.team, Dimension.agent, Dimension.week]
        ),
        "rates_one_team_by_agent": lambda r: service.rates(r, one_team, [Dimension.agent]),
        "text_consistency_by_pattern": lambda r: service.text_consistency(r, everything, [P]),
        "choice_consistency_agents": lambda r: service.choice_consistency(r, everything, "agent"),
        "outliers": lambda r: service.outliers(r, everything, 0.01),
        "delay_total": lambda r: service.delay(r, everything, []),
        "delay_by_pattern_version": lambda r: service.delay(r, everything, [P]),
        "rejections_by_pattern": lambda r: service.rejections(r, everything, [Dimension.pattern]),
        "corrections": lambda r: service.corrections(r, everything),
        "corrections_one_team": lambda r: service.corrections(r, one_team),
        "edits_top5_per_version": lambda r: service.edits(r, everything, 50, 5),
        "coverage_by_intent_channel": lambda r: service.coverage(
            r, everything, [Dimension.intent, Dimension.channel]
        ),
        "coverage_last_week": lambda r: service.coverage(r, last_week, [Dimension.intent]),
        "coverage_one_team_by_channel": lambda r: service.coverage(r, one_team, [Dimension.channel]),
        "coverage_one_agent_by_intent": lambda r: service.coverage(r, one_agent, [Dimension.intent]),
        "coverage_not_whole_days": lambda r: service.coverage(r, ragged, [Dimension.intent]),
        "readiness": lambda r: service.readiness(r, everything, thresholds),
        "drift_last_week": lambda r: service.drift(
            r, last_week, Filters(TENANT, START + timedelta(days=16), START + timedelta(days=23)), 0.01
        ),
        "versions": lambda r: service.versions(r, everything, 0.01),
    }
    timings: dict[str, float] = {}
    for name, report in reports.items():

        def run(report: Callable[[ReportsRepository], object] = report) -> None:
            with factory() as session, session.begin():
                report(ReportsRepository(session))

        timings[name] = timed(run)
        print(f"{name}: {timings[name]} ms", flush=True)
    out["report_ms"] = timings
    out["slowest_ms"] = max(timings.values())
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
