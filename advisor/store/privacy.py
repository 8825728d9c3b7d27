"""Customer text in the store: redacted on write, scrubbed after the retention period, erased on request.

Conversation text reaches the store in four places: the rendered suggestion
(``recommendations.text``), what the agent sent or wrote (``feedback_events.final_text``,
``comment``), the masked customer turn kept for learning (``recommendation_requests.topic_text``)
and what an agent wrote themselves on an escalated request (``written_replies.text``).
Metrics never need that text once it is rolled up (similarity is stored in ``metric_outcomes``), so
scrubbing it keeps every aggregate exact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session, object_session

from advisor.context.redaction import redact
from advisor.learned.capture import text_key
from advisor.store.tables.decisions import (
    FeedbackEventRow,
    RecommendationRequestRow,
    RecommendationRow,
    WrittenReplyRow,
)
from advisor.store.tables.learned import LearnedExampleAgentRow, LearnedExampleRow
from advisor.store.tables.metrics import MetricInteractionRow
from advisor.store.tables.webhooks import WebhookDeliveryRow

REDACT_INFO_KEY = "redact_text"
SCRUBBED = "[removed after the retention period]"
TEXT_COLUMNS: dict[type[Any], tuple[str, ...]] = {
    RecommendationRow: ("text",),
    FeedbackEventRow: ("final_text", "comment"),
    RecommendationRequestRow: ("topic_text",),
    WrittenReplyRow: ("text",),
}


def _redact_on_insert(_mapper: Mapper[Any], _connection: Connection, target: Any) -> None:
    session = object_session(target)
    if session is not None:
        redact_for_insert(session, target)


def redact_for_insert(session: Session, target: Any) -> None:
    """Redact an ORM row's conversation text as ``session``'s inserts do (for inserts that bypass the ORM)."""
    stored = {column: getattr(target, column) for column in TEXT_COLUMNS[type(target)]}
    values = dict(stored)
    redact_values(session, type(target), values)
    for column, value in values.items():
        if value is not stored[column]:
            setattr(target, column, value)


def redact_values(session: Session, table: type[Any], values: dict[str, Any]) -> None:
    """Redact the conversation text in one row's values (``table``'s columns) as ``session``'s inserts do."""
    if not session.info.get(REDACT_INFO_KEY, False):
        return
    for column in TEXT_COLUMNS[table]:
        value = values.get(column)
        if value:
            values[column] = redact(value)


def install_redaction() -> None:
    """Redact conversation text on every insert made by a session whose ``info`` asks for it."""
    for table in TEXT_COLUMNS:
        if not event.contains(table, "before_insert", _redact_on_insert):
            event.listen(table, "before_insert", _redact_on_insert)


def pseudonym(interaction_id: str) -> str:
    """Return the stand-in an erased interaction keeps in the metric roll-ups."""
    return "erased-" + hashlib.sha256(interaction_id.encode()).hexdigest()[:24]


class PrivacyRepository:
    """Scrub old conversation text and erase one customer's interactions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def scrub_before(self, cutoff: datetime) -> int:
        """Remove conversation text stored before ``cutoff``; return how many rows changed."""
        changed = 0
        statements = [
            update(RecommendationRow)
            .where(RecommendationRow.created_at < cutoff, RecommendationRow.text != SCRUBBED)
            .values(text=SCRUBBED),
            update(FeedbackEventRow)
            .where(
                FeedbackEventRow.received_at < cutoff,
                (FeedbackEventRow.final_text.is_not(None)) | (FeedbackEventRow.comment.is_not(None)),
            )
            .values(final_text=None, comment=None),
            update(RecommendationRequestRow)
            .where(
                RecommendationRequestRow.created_at < cutoff, RecommendationRequestRow.topic_text.is_not(None)
            )
            .values(topic_text=None),
            update(WrittenReplyRow)
            .where(WrittenReplyRow.received_at < cutoff, WrittenReplyRow.text != SCRUBBED)
            .values(text=SCRUBBED),
        ]
        for statement in statements:
            changed += int(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]
        return changed

    def erase(self, tenant_id: str, interaction_ids: Sequence[str]) -> dict[str, int]:
        """Delete everything stored about the interactions; roll-ups keep counts under a pseudonym."""
        ids = list(dict.fromkeys(interaction_ids))
        topics = self.session.scalars(
            select(RecommendationRequestRow.topic_text).where(
                RecommendationRequestRow.tenant_id == tenant_id,
                RecommendationRequestRow.interaction_id.in_(ids),
                RecommendationRequestRow.topic_text.is_not(None),
            )
        ).all()
        keys = {text_key(t) for t in topics if t}
        example_ids = (
            self.session.scalars(
                select(LearnedExampleRow.id).where(
                    LearnedExampleRow.tenant_id == tenant_id, LearnedExampleRow.text_key.in_(keys)
                )
            ).all()
            if keys
            else []
        )
        counts: dict[str, int] = {}
        if example_ids:
            self.session.execute(
                delete(LearnedExampleAgentRow).where(LearnedExampleAgentRow.example_id.in_(example_ids))
            )
        counts["learned_examples"] = self._delete(
            delete(LearnedExampleRow).where(LearnedExampleRow.id.in_(example_ids or [-1]))
        )
        counts["feedback_events"] = self._delete(
            delete(FeedbackEventRow).where(
                FeedbackEventRow.tenant_id == tenant_id, FeedbackEventRow.interaction_id.in_(ids)
            )
        )
        counts["written_replies"] = self._delete(
            delete(WrittenReplyRow).where(
                WrittenReplyRow.tenant_id == tenant_id, WrittenReplyRow.interaction_id.in_(ids)
            )
        )
        counts["recommendations"] = self._delete(
            delete(RecommendationRow).where(
                RecommendationRow.tenant_id == tenant_id, RecommendationRow.interaction_id.in_(ids)
            )
        )
        counts["requests"] = self._delete(
            delete(RecommendationRequestRow).where(
                RecommendationRequestRow.tenant_id == tenant_id,
                RecommendationRequestRow.interaction_id.in_(ids),
            )
        )
        counts["webhook_deliveries"] = self._erase_deliveries(tenant_id, set(ids))
        for interaction_id in ids:
            self.session.execute(
                update(MetricInteractionRow)
                .where(
                    MetricInteractionRow.tenant_id == tenant_id,
                    MetricInteractionRow.interaction_id == interaction_id,
                )
                .values(interaction_id=pseudonym(interaction_id))
            )
        self.session.flush()
        return counts

    def _delete(self, statement: Any) -> int:
        return int(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def _erase_deliveries(self, tenant_id: str, ids: set[str]) -> int:
        rows = self.session.execute(
            select(WebhookDeliveryRow.id, WebhookDeliveryRow.payload).where(
                WebhookDeliveryRow.tenant_id == tenant_id,
                WebhookDeliveryRow.event_type == "feedback.recorded",
            )
        ).all()
        doomed = [
            row_id for row_id, payload in rows if (payload.get("data") or {}).get("interaction_id") in ids
        ]
        if not doomed:
            return 0
        return self._delete(delete(WebhookDeliveryRow).where(WebhookDeliveryRow.id.in_(doomed)))
