"""Fold the append-only feedback log into one outcome row per suggestion, incrementally and idempotently.

A suggestion's *final decision* is its last accepted/edited/rejected event (latest ``occurred_at``, then
highest event id); a suggestion with events but no decision is *ignored*. Folding the same event twice
changes nothing, so the refresh may re-read recent events: it only moves its cursor past events received
more than ``lag_s`` seconds ago, which covers PostgreSQL transactions that commit out of id order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from advisor.metrics.consistency import text_similarity
from advisor.metrics.cubes import Deltas, add_delta, new_deltas, week_of
from advisor.metrics.delay import bucket_of
from advisor.metrics.models import Decision, EventRecord, Outcome
from advisor.utc import as_utc

logger = logging.getLogger("advisor.metrics")
DECISIONS = {d.value for d in (Decision.accepted, Decision.edited, Decision.rejected)}


class OutcomeStore(Protocol):
    """What the refresh needs from the store."""

    def lock(self, name: str = ...) -> None: ...
    def latest_event_id(self) -> int: ...
    def cursor(self) -> int: ...
    def events_after(self, after_id: int, limit: int) -> list[EventRecord]: ...
    def outcomes(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Outcome]: ...
    def rendered_texts(self, recommendation_ids: set[str]) -> dict[str, str]: ...
    def save_outcomes(self, outcomes: list[Outcome]) -> None: ...
    def advance_cursor(self, old: int, new: int) -> bool: ...
    def apply_cube_deltas(self, deltas: Deltas) -> None: ...


def _needs_text(event: EventRecord) -> bool:
    return event.action == Decision.edited.value or (
        event.action == Decision.accepted.value and event.final_text is not None
    )


def fold(outcome: Outcome | None, event: EventRecord, rendered: str | None) -> Outcome:
    """Return ``outcome`` updated with one event (``rendered``: the text shown, for the similarity)."""
    at = as_utc(event.occurred_at)
    if outcome is None:
        outcome = Outcome(**event.shown(), shown_at=at)
    outcome.shown_at = min(as_utc(outcome.shown_at), at)
    outcome.day = outcome.shown_at.date().isoformat()
    outcome.week = week_of(outcome.shown_at.date())
    if event.action == "shown":
        prior = outcome.shown_event_at
        outcome.shown_event_at = at if prior is None else min(as_utc(prior), at)
    elif event.action in DECISIONS:
        current = (
            (as_utc(outcome.decided_at), outcome.decision_event_id or 0)
            if outcome.decided_at is not None
            else None
        )
        if current is None or (at, event.id) > current:
            outcome.decision = event.action
            outcome.decision_event_id = event.id
            outcome.decided_at = at
            outcome.reason = event.reason
            outcome.reported_ttd_ms = event.time_to_decision_ms
            outcome.similarity = _similarity(event, rendered)
    outcome.ttd_ms = _time_to_decision(outcome)
    outcome.ttd_bucket = None if outcome.ttd_ms is None else bucket_of(outcome.ttd_ms)
    return outcome


def _similarity(event: EventRecord, rendered: str | None) -> float | None:
    if event.action == Decision.accepted.value and event.final_text is None:
        return 1.0  # sent exactly as suggested
    if _needs_text(event) and rendered is not None and event.final_text is not None:
        return round(text_similarity(rendered, event.final_text), 6)
    return None


def _time_to_decision(outcome: Outcome) -> int | None:
    """The reported delay; without one, the time from the 'shown' event to the decision."""
    if outcome.decided_at is None:
        return None
    if outcome.reported_ttd_ms is not None:
        return outcome.reported_ttd_ms
    if outcome.shown_event_at is None:
        return None
    delta = as_utc(outcome.decided_at) - as_utc(outcome.shown_event_at)
    return max(0, int(delta.total_seconds() * 1000))


def recount(events: Iterable[EventRecord], texts: dict[str, str]) -> dict[tuple[str, str], Outcome]:
    """Build every outcome from scratch (the reference the incremental refresh must equal)."""
    out: dict[tuple[str, str], Outcome] = {}
    for event in sorted(events, key=lambda e: e.id):
        key = (event.tenant_id, event.recommendation_id)
        out[key] = fold(out.get(key), event, texts.get(event.recommendation_id))
    return out


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh did."""

    events: int
    outcomes: int
    cursor: int
    advanced: bool


def refresh(
    store: OutcomeStore,
    *,
    lag_s: float = 30.0,
    batch: int = 20_000,
    now: datetime | None = None,
    max_events: int | None = None,
) -> RefreshResult:
    """Fold every event after the cursor into the outcome roll-up; return counts and the new cursor."""
    if store.latest_event_id() <= store.cursor():
        return RefreshResult(0, 0, store.cursor(), False)  # nothing new: no lock, no write
    store.lock()  # one refresh at a time: the cube increments must not be applied twice
    start = store.cursor()
    horizon = (now or datetime.now(UTC)) - timedelta(seconds=lag_s)
    after, safe, blocked = start, start, False
    seen_events = touched = 0
    while True:
        events = store.events_after(after, batch)
        if not events:
            break
        keys = {(e.tenant_id, e.recommendation_id) for e in events}
        current = store.outcomes(keys)
        before = {key: replace(outcome) for key, outcome in current.items()}
        texts = store.rendered_texts({e.recommendation_id for e in events if _needs_text(e)})
        for event in events:
            key = (event.tenant_id, event.recommendation_id)
            current[key] = fold(current.get(key), event, texts.get(event.recommendation_id))
            if not blocked and as_utc(event.received_at) <= horizon:
                safe = event.id
            else:
                blocked = True
        changed = {key: o for key, o in current.items() if key in keys and before.get(key) != o}
        deltas = new_deltas()
        for key, outcome in changed.items():
            add_delta(deltas, before.get(key), outcome)
        store.save_outcomes(list(changed.values()))
        store.apply_cube_deltas(deltas)
        seen_events += len(events)
        touched += len(changed)
        after = events[-1].id
        if max_events is not None and seen_events >= max_events:
            break  # a bounded step: the next refresh goes on from the cursor
    advanced = safe != start and store.advance_cursor(start, safe)
    if safe != start and not advanced:
        logger.info("metric roll-up cursor moved concurrently; another refresh won")
    return RefreshResult(seen_events, touched, safe if advanced else start, advanced)
