"""The decision log: requests served, suggestions shown, and agents' feedback (append-only)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor.store.tables import FeedbackEvent, Recommendation, RecommendationRequest


class Decision(NamedTuple):
    """An agent's decision on a suggestion, as the ranking's acceptance evidence reads it."""

    id: int
    pattern_id: str
    pattern_version: int
    intent: str
    channel: str
    agent_id: str
    action: str
    reason: str | None


DECISIVE = ("accepted", "edited", "rejected")


class DecisionLog:
    """Reads and appends the decision log."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_request(self, request: RecommendationRequest, recommendations: list[Recommendation]) -> None:
        """Persist a served request with its suggestions in the caller's transaction."""
        self.session.add(request)
        self.session.flush()
        self.session.add_all(recommendations)
        self.session.flush()

    def get_request(self, tenant_id: str, request_id: str) -> RecommendationRequest | None:
        """Return a served request of the tenant."""
        row = self.session.get(RecommendationRequest, request_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    def get_recommendation(self, tenant_id: str, recommendation_id: str) -> Recommendation | None:
        """Return a suggestion of the tenant (None for another tenant's)."""
        row = self.session.get(Recommendation, recommendation_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    def find_feedback(self, tenant_id: str, client_event_id: str) -> FeedbackEvent | None:
        """Return the event already stored under this client event id."""
        return self.session.scalar(
            select(FeedbackEvent).where(
                FeedbackEvent.tenant_id == tenant_id, FeedbackEvent.client_event_id == client_event_id
            )
        )

    def add_feedback(self, event: FeedbackEvent) -> tuple[FeedbackEvent, bool]:
        """Append a feedback event; return (stored event, created). A concurrent resend loses the race."""
        try:
            with self.session.begin_nested():
                self.session.add(event)
        except IntegrityError:
            existing = self.find_feedback(event.tenant_id, event.client_event_id)
            if existing is None:
                raise
            return existing, False
        return event, True

    def feedback_for(self, tenant_id: str, recommendation_id: str) -> list[FeedbackEvent]:
        """Return the events recorded for one suggestion, in order."""
        return list(
            self.session.scalars(
                select(FeedbackEvent)
                .where(
                    FeedbackEvent.tenant_id == tenant_id, FeedbackEvent.recommendation_id == recommendation_id
                )
                .order_by(FeedbackEvent.id)
            )
        )

    def decisions_after(self, tenant_id: str, after_id: int, limit: int) -> list[Decision]:
        """Return the tenant's accept/edit/reject events with an id above ``after_id``, oldest first."""
        rows = self.session.execute(
            select(
                FeedbackEvent.id,
                FeedbackEvent.pattern_id,
                FeedbackEvent.pattern_version,
                FeedbackEvent.intent,
                FeedbackEvent.channel,
                FeedbackEvent.agent_id,
                FeedbackEvent.action,
                FeedbackEvent.reason,
            )
            .where(
                FeedbackEvent.tenant_id == tenant_id,
                FeedbackEvent.id > after_id,
                FeedbackEvent.action.in_(DECISIVE),
            )
            .order_by(FeedbackEvent.id)
            .limit(limit)
        )
        return [Decision(*row) for row in rows]
