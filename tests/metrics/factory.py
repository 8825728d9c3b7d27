"""Write realistic decision-log rows straight into a store, with exact, known numbers for the tests."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from advisor.store.engine import make_engine
from advisor.store.tables.decisions import FeedbackEventRow, RecommendationRequestRow, RecommendationRow
from advisor.store.tables.patterns import PatternVersionRow

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
TEXT = "I'm sorry, Dana. I've opened a trace with UPS for order A1001 and will update you within 48 hours."
INTENTS = {
    "lost_package": "lost_package",
    "refund_status": "refund_status",
    "password_reset": "password_reset",
    "goodwill_credit": "complaint",
    "legal_threat": "legal_complaint",
}


class EventFactory:
    """Builds requests, suggestions and feedback events for one tenant."""

    def __init__(self, url: str, tenant: str = "acme") -> None:
        self.engine = make_engine(url)
        self.session = Session(self.engine)
        self.tenant = tenant
        self.counter = itertools.count(1)

    def close(self) -> None:
        """Commit and release the connection."""
        self.session.commit()
        self.session.close()
        self.engine.dispose()

    def add_version(
        self, pattern: str, version: int, *, like: str = "lost_package", intent: str | None = None
    ) -> None:
        """Add an approved pattern version (a copy of ``like`` v1), e.g. a v2 or a rival for an intent."""
        base = self.session.get(PatternVersionRow, (self.tenant, like, 1))
        assert base is not None
        self.session.add(
            PatternVersionRow(
                tenant_id=self.tenant,
                pattern_id=pattern,
                version=version,
                status="approved",
                title=f"{base.title} v{version}",
                body=base.body,
                intents=[intent or base.intents[0]],
                examples=base.examples,
                eligibility=base.eligibility,
                risk=base.risk,
                owner=base.owner,
            )
        )
        INTENTS[pattern] = intent or base.intents[0]
        self.session.flush()

    def request(
        self,
        *,
        at: datetime = T0,
        agent: str = "agent-1",
        team: str | None = "team-a",
        channel: str = "chat",
        interaction: str | None = None,
        escalate: bool = False,
        candidates: list[dict[str, object]] | None = None,
    ) -> str:
        """Store a served request and return its id."""
        request_id = str(uuid.uuid4())
        self.session.add(
            RecommendationRequestRow(
                id=request_id,
                tenant_id=self.tenant,
                interaction_id=interaction or f"int-{next(self.counter)}",
                agent_id=agent,
                team_id=team,
                channel=channel,
                locale="en-US",
                context_hash="0" * 64,
                ranker_version="test",
                library_stamp=1,
                escalate=escalate,
                reason="nothing fits" if escalate else None,
                candidates=candidates or [],
                latency_ms=3.0,
                created_at=at,
            )
        )
        self.session.flush()
        return request_id

    def suggestion(
        self,
        *,
        pattern: str = "lost_package",
        version: int = 1,
        at: datetime = T0,
        agent: str = "agent-1",
        team: str | None = "team-a",
        channel: str = "chat",
        text: str = TEXT,
        request_id: str | None = None,
        rank: int = 1,
    ) -> str:
        """Store a suggestion (and its request unless given) and return the recommendation id."""
        request_id = request_id or self.request(at=at, agent=agent, team=team, channel=channel)
        rec_id = str(uuid.uuid4())
        self.session.add(
            RecommendationRow(
                id=rec_id,
                request_id=request_id,
                tenant_id=self.tenant,
                interaction_id="int",
                agent_id=agent,
                team_id=team,
                channel=channel,
                rank=rank,
                pattern_id=pattern,
                pattern_version=version,
                intent=INTENTS[pattern],
                score=0.9,
                confidence=0.8,
                text=text,
                approved_text=text,
                unfilled=[],
                risk="low",
                created_at=at,
            )
        )
        self.session.flush()
        return rec_id

    def event(
        self,
        rec_id: str,
        action: str,
        *,
        at: datetime = T0,
        final_text: str | None = None,
        reason: str | None = None,
        ttd_ms: int | None = None,
        received_at: datetime | None = None,
        event_id: int | None = None,
        used_pattern_id: str | None = None,
    ) -> int:
        """Append a feedback event for a suggestion (with ``event_id`` when given); return its id."""
        rec = self.session.get(RecommendationRow, rec_id)
        assert rec is not None
        row = FeedbackEventRow.on(
            rec,
            id=event_id,
            client_event_id=f"e-{uuid.uuid4().hex}",
            action=action,
            final_text=final_text,
            reason=reason,
            used_pattern_id=used_pattern_id,
            time_to_decision_ms=ttd_ms,
            occurred_at=at,
            received_at=received_at or at,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def decided(
        self,
        action: str,
        *,
        at: datetime = T0,
        ttd_ms: int = 4000,
        final_text: str | None = None,
        reason: str | None = None,
        pattern: str = "lost_package",
        version: int = 1,
        agent: str = "agent-1",
        team: str | None = "team-a",
        channel: str = "chat",
        used_pattern_id: str | None = None,
    ) -> str:
        """Store a suggestion with a 'shown' event and one decision (none for 'ignored'); return its id."""
        rec_id = self.suggestion(
            at=at, pattern=pattern, version=version, agent=agent, team=team, channel=channel
        )
        self.event(rec_id, "shown", at=at)
        if action != "ignored":
            done = at + timedelta(milliseconds=ttd_ms)
            self.event(
                rec_id,
                action,
                at=done,
                ttd_ms=ttd_ms,
                final_text=final_text,
                reason=reason,
                used_pattern_id=used_pattern_id,
            )
        return rec_id
