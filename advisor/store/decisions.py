"""The decision log: requests served, suggestions shown, and agents' feedback (append-only)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import (
    String,
    Table,
    and_,
    bindparam,
    exists,
    insert,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import BindParameter, CompoundSelect

from advisor.store.privacy import SCRUBBED, redact_values
from advisor.store.tables.decisions import (
    FeedbackEventRow,
    RecommendationRequestRow,
    RecommendationRow,
    WrittenReplyRow,
)
from advisor.utc import utcnow


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
    received_at: datetime
    """When the store received it (set on the writer's clock just before its insert; naive on SQLite)."""


DECISIVE = ("accepted", "edited", "rejected")
CONFIRMING = ("accepted", "edited")
"""The actions that may confirm a suggestion (``advisor.learned.capture.confirms`` decides)."""
CHUNK = 500
"""Ids per ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits."""
Row = TypeVar("Row", FeedbackEventRow, WrittenReplyRow)


# Built once: a batch's look-ups run per transaction, and building a statement costs about as much as
# running it on SQLite. Each takes the tenant and an expanding list of ids.
_FEEDBACK_BY_CLIENT_ID = select(FeedbackEventRow).where(
    FeedbackEventRow.tenant_id == bindparam("tenant"),
    FeedbackEventRow.client_event_id.in_(bindparam("ids", expanding=True)),
)
_RECOMMENDATIONS_BY_ID = select(RecommendationRow).where(
    RecommendationRow.tenant_id == bindparam("tenant"),
    RecommendationRow.id.in_(bindparam("ids", expanding=True)),
)
# The tenant is checked by the caller, not in SQL: with it there, SQLite's planner scans the tenant's
# events by its (tenant, occurred) index instead of looking up each suggestion's.
_REQUESTS: BindParameter[list[str]] = bindparam("ids", expanding=True)
# What stored events of some requests decided for learning, in one round trip: their suggestions with an
# acceptance (one index entry each, however many events a suggestion has), and their edits (which
# confirm if light) and corrections (rejections naming the pattern sent instead).
_DECIDING_IN_REQUESTS: CompoundSelect[Any] = union_all(
    select(
        RecommendationRow.tenant_id,
        RecommendationRow.request_id,
        RecommendationRow.id,
        RecommendationRow.pattern_id,
        literal("accepted", String(16)),
        null(),
        null(),
        null(),
    ).where(
        RecommendationRow.request_id.in_(_REQUESTS),
        exists().where(
            FeedbackEventRow.recommendation_id == RecommendationRow.id, FeedbackEventRow.action == "accepted"
        ),
    ),
    select(
        RecommendationRow.tenant_id,
        RecommendationRow.request_id,
        RecommendationRow.id,
        RecommendationRow.pattern_id,
        FeedbackEventRow.action,
        RecommendationRow.text,
        FeedbackEventRow.final_text,
        FeedbackEventRow.used_pattern_id,
    )
    .join(FeedbackEventRow, FeedbackEventRow.recommendation_id == RecommendationRow.id)
    .where(
        RecommendationRow.request_id.in_(_REQUESTS),
        or_(
            FeedbackEventRow.action == "edited",
            and_(FeedbackEventRow.action == "rejected", FeedbackEventRow.used_pattern_id.is_not(None)),
        ),
    ),
)
_DECISIONS = select(
    FeedbackEventRow.id,
    FeedbackEventRow.pattern_id,
    FeedbackEventRow.pattern_version,
    FeedbackEventRow.intent,
    FeedbackEventRow.channel,
    FeedbackEventRow.agent_id,
    FeedbackEventRow.action,
    FeedbackEventRow.reason,
    FeedbackEventRow.received_at,
)
_FEEDBACK = cast(Table, FeedbackEventRow.__table__)
# A Core insert: the ORM's bulk insert costs several times the statement itself.
_INSERT_FEEDBACK = insert(_FEEDBACK).returning(_FEEDBACK.c.client_event_id, _FEEDBACK.c.id)


class StoredTurn(NamedTuple):
    """A served request as kept for learning: the masked customer turn and who it was served to."""

    request_id: str
    interaction_id: str
    agent_id: str
    channel: str
    locale: str
    text: str
    created_at: datetime


class RequestDecision(NamedTuple):
    """An agent's accept/edit/reject of one suggestion of a request (and the pattern sent instead)."""

    request_id: str
    pattern_id: str
    action: str
    used_pattern_id: str | None


class StoredEdit(NamedTuple):
    """An edit decision: the suggestion as shown and the text the agent sent instead."""

    event_id: int
    pattern_id: str
    pattern_version: int
    agent_id: str
    shown: str
    sent: str
    occurred_at: datetime


class StoredReply(NamedTuple):
    """What an agent wrote on an escalated request, with the customer's masked words on it."""

    id: int
    agent_id: str
    team_id: str | None
    text: str
    customer_text: str | None
    received_at: datetime


def _chunks(values: Collection[str]) -> list[list[str]]:
    ordered = sorted(values)
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


@dataclass
class Decided:
    """What decisions already taught: one suggestion is one decision (the first that confirms it or names
    the pattern sent instead), and one request is one decision per pattern."""

    suggestions: set[str] = field(default_factory=set)
    patterns: set[tuple[str, str]] = field(default_factory=set)
    """(request id, pattern id)"""

    def add(self, request_id: str, recommendation_id: str, pattern_id: str) -> None:
        """Mark a suggestion decided, for ``pattern_id`` within its request."""
        self.suggestions.add(recommendation_id)
        self.patterns.add((request_id, pattern_id))

    def knows(self, request_id: str, recommendation_id: str, pattern_id: str) -> bool:
        """Return whether the suggestion, or the pattern within its request, was decided already."""
        return recommendation_id in self.suggestions or (request_id, pattern_id) in self.patterns


class DecisionLog:
    """Reads and appends the decision log."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_request(
        self, request: RecommendationRequestRow, recommendations: list[RecommendationRow]
    ) -> None:
        """Persist a served request with its suggestions in the caller's transaction."""
        self.session.add(request)
        self.session.flush()
        self.session.add_all(recommendations)
        self.session.flush()

    def get_request(self, tenant_id: str, request_id: str) -> RecommendationRequestRow | None:
        """Return a served request of the tenant."""
        row = self.session.get(RecommendationRequestRow, request_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    def get_recommendation(self, tenant_id: str, recommendation_id: str) -> RecommendationRow | None:
        """Return a suggestion of the tenant (None for another tenant's)."""
        row = self.session.get(RecommendationRow, recommendation_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    def find_feedback(self, tenant_id: str, client_event_id: str) -> FeedbackEventRow | None:
        """Return the event already stored under this client event id."""
        return self.session.scalar(
            select(FeedbackEventRow).where(
                FeedbackEventRow.tenant_id == tenant_id, FeedbackEventRow.client_event_id == client_event_id
            )
        )

    def get_recommendations(self, tenant_id: str, ids: Collection[str]) -> dict[str, RecommendationRow]:
        """Return the tenant's suggestions with these ids (another tenant's are simply absent)."""
        found: dict[str, RecommendationRow] = {}
        for chunk in _chunks(ids):
            rows = self.session.scalars(_RECOMMENDATIONS_BY_ID, {"tenant": tenant_id, "ids": chunk})
            found.update((r.id, r) for r in rows)
        return found

    def find_feedback_many(
        self, tenant_id: str, client_event_ids: Collection[str]
    ) -> dict[str, FeedbackEventRow]:
        """Return the events already stored under these client event ids, by client event id."""
        found: dict[str, FeedbackEventRow] = {}
        for chunk in _chunks(client_event_ids):
            rows = self.session.scalars(_FEEDBACK_BY_CLIENT_ID, {"tenant": tenant_id, "ids": chunk})
            found.update((r.client_event_id, r) for r in rows)
        return found

    def add_feedback_many(self, events: list[dict[str, Any]]) -> list[int]:
        """Append new feedback events, given as column values, in one statement; return their ids in order.

        The values are completed in place as the ORM's insert would: ``received_at`` set, text redacted.
        Plain values, not ORM rows: building a row cost more than inserting it. Raises IntegrityError when
        one of them was stored meanwhile (a resend racing in another process): the caller's transaction is
        then unusable and the caller takes the one-by-one path.
        """
        if not events:
            return []
        now = utcnow()
        for values in events:
            values.setdefault("received_at", now)
            redact_values(self.session, FeedbackEventRow, values)
        # One multi-row INSERT … RETURNING; ids are matched back by client event id.
        ids: dict[str, int] = {row[0]: row[1] for row in self.session.execute(_INSERT_FEEDBACK, events)}
        return [ids[values["client_event_id"]] for values in events]

    def decided(
        self,
        tenant_id: str,
        request_ids: Collection[str],
        confirms: Callable[[str, str, str | None], bool],
    ) -> Decided:
        """Return what stored events of these requests already decided for learning: suggestions accepted
        or edited so as to confirm them, and rejections naming the pattern the agent sent instead.

        ``confirms(action, suggested text, sent text)`` decides (``advisor.learned.capture.confirms``).
        """
        found = Decided()
        for chunk in _chunks(request_ids):
            rows = self.session.execute(_DECIDING_IN_REQUESTS, {"ids": chunk})
            for tenant, request_id, rec_id, pattern_id, action, text, final_text, used in rows:
                if tenant != tenant_id:
                    continue
                if used is not None:
                    found.add(request_id, rec_id, used)
                elif confirms(action, text or "", final_text):
                    found.add(request_id, rec_id, pattern_id)
        return found

    def add_feedback(self, event: FeedbackEventRow) -> tuple[FeedbackEventRow, bool]:
        """Append a feedback event; return (stored event, created). A concurrent resend loses the race."""
        return self._add_once(event, lambda: self.find_feedback(event.tenant_id, event.client_event_id))

    def _add_once(self, row: Row, stored: Callable[[], Row | None]) -> tuple[Row, bool]:
        """Insert ``row`` in a savepoint; return (row, True), or (the row ``stored`` finds, False) when a
        concurrent resend with the same client event id was stored first."""
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            existing = stored()
            if existing is None:
                raise
            return existing, False
        return row, True

    def feedback_for(self, tenant_id: str, recommendation_id: str) -> list[FeedbackEventRow]:
        """Return the events recorded for one suggestion, in order."""
        return list(
            self.session.scalars(
                select(FeedbackEventRow)
                .where(
                    FeedbackEventRow.tenant_id == tenant_id,
                    FeedbackEventRow.recommendation_id == recommendation_id,
                )
                .order_by(FeedbackEventRow.id)
            )
        )

    def decisions_after(self, tenant_id: str, after_id: int, limit: int) -> list[Decision]:
        """Return the tenant's accept/edit/reject events with an id above ``after_id``, in id order.

        Ids are given out at insert and transactions commit in any order on PostgreSQL: a later read can
        return an event below an id an earlier read returned (``feedback.acceptance`` allows for that).
        """
        query = _DECISIONS.where(
            FeedbackEventRow.tenant_id == tenant_id,
            FeedbackEventRow.id > after_id,
            FeedbackEventRow.action.in_(DECISIVE),
        )
        return [
            Decision(*row) for row in self.session.execute(query.order_by(FeedbackEventRow.id).limit(limit))
        ]

    def decision_ids(self, tenant_id: str, after_id: int, up_to: int) -> list[int]:
        """Return the ids of the tenant's accept/edit/reject events above ``after_id`` up to ``up_to``."""
        return list(
            self.session.scalars(
                select(FeedbackEventRow.id).where(
                    FeedbackEventRow.tenant_id == tenant_id,
                    FeedbackEventRow.id > after_id,
                    FeedbackEventRow.id <= up_to,
                    FeedbackEventRow.action.in_(DECISIVE),
                )
            )
        )

    def decisions_by_id(self, tenant_id: str, ids: Collection[int]) -> list[Decision]:
        """Return the tenant's accept/edit/reject events with these ids, in id order."""
        ordered = sorted(ids)
        found: list[Decision] = []
        for i in range(0, len(ordered), CHUNK):
            query = _DECISIONS.where(
                FeedbackEventRow.tenant_id == tenant_id,
                FeedbackEventRow.id.in_(ordered[i : i + CHUNK]),
                FeedbackEventRow.action.in_(DECISIVE),
            )
            found.extend(Decision(*row) for row in self.session.execute(query.order_by(FeedbackEventRow.id)))
        return found

    def stored_turns(self, tenant_id: str, since: datetime | None, limit: int) -> list[StoredTurn]:
        """Return the tenant's latest served requests that kept their masked customer turn (newest
        first, at most ``limit``; a request past text retention, or whose turn had no word left after
        masking, keeps none)."""
        R = RecommendationRequestRow
        columns = (R.id, R.interaction_id, R.agent_id, R.channel, R.locale, R.topic_text, R.created_at)
        query = select(*columns).where(R.tenant_id == tenant_id, R.topic_text.is_not(None))
        if since is not None:
            query = query.where(R.created_at >= since)
        rows = self.session.execute(query.order_by(R.created_at.desc(), R.id).limit(limit))
        return [
            StoredTurn(rid, interaction, agent, channel, locale, str(text), created)
            for rid, interaction, agent, channel, locale, text, created in rows
        ]

    def request_decisions(self, tenant_id: str, request_ids: Collection[str]) -> list[RequestDecision]:
        """Return the accept/edit/reject events on these requests' suggestions, oldest first."""
        found: list[tuple[int, RequestDecision]] = []
        for chunk in _chunks(request_ids):
            query = (
                select(
                    FeedbackEventRow.id,
                    RecommendationRow.request_id,
                    FeedbackEventRow.pattern_id,
                    FeedbackEventRow.action,
                    FeedbackEventRow.used_pattern_id,
                )
                .join(RecommendationRow, RecommendationRow.id == FeedbackEventRow.recommendation_id)
                .where(
                    FeedbackEventRow.tenant_id == tenant_id,
                    RecommendationRow.request_id.in_(chunk),
                    FeedbackEventRow.action.in_(DECISIVE),
                )
            )
            found.extend((int(row[0]), RequestDecision(*row[1:])) for row in self.session.execute(query))
        return [decision for _, decision in sorted(found)]

    def edits(self, tenant_id: str, versions: Collection[tuple[str, int]], limit: int) -> list[StoredEdit]:
        """Return the latest edit decisions (at most ``limit``, newest first) on these pattern versions
        whose texts are still kept (not scrubbed by text retention)."""
        if not versions:
            return []
        F, R = FeedbackEventRow, RecommendationRow
        wanted = set(versions)
        query = (
            select(F.id, F.pattern_id, F.pattern_version, F.agent_id, R.text, F.final_text, F.occurred_at)
            .join(R, R.id == F.recommendation_id)
            .where(
                F.tenant_id == tenant_id,
                F.action == "edited",
                F.final_text.is_not(None),
                F.final_text != SCRUBBED,
                R.text != SCRUBBED,
                tuple_(F.pattern_id, F.pattern_version).in_(sorted(wanted)),
            )
            .order_by(F.id.desc())
            .limit(limit)
        )
        return [
            StoredEdit(int(eid), pid, int(version), agent, shown, str(sent), at)
            for eid, pid, version, agent, shown, sent, at in self.session.execute(query)
        ]

    def add_reply(self, reply: WrittenReplyRow) -> tuple[WrittenReplyRow, bool]:
        """Store what an agent wrote; return (stored reply, created). A resend returns the stored one."""
        found = self.find_reply(reply.tenant_id, reply.client_event_id)
        if found is not None:
            return found, False
        return self._add_once(reply, lambda: self.find_reply(reply.tenant_id, reply.client_event_id))

    def find_reply(self, tenant_id: str, client_event_id: str) -> WrittenReplyRow | None:
        """Return the reply already stored under this client event id."""
        return self.session.scalar(
            select(WrittenReplyRow).where(
                WrittenReplyRow.tenant_id == tenant_id, WrittenReplyRow.client_event_id == client_event_id
            )
        )

    def escalated_replies(self, tenant_id: str, team_id: str | None, limit: int) -> list[StoredReply]:
        """Return the latest replies written on escalated requests (newest first, at most ``limit``;
        ``team_id``: only that team's), whose text is still kept."""
        W, R = WrittenReplyRow, RecommendationRequestRow
        query = (
            select(W.id, W.agent_id, W.team_id, W.text, R.topic_text, W.received_at)
            .join(R, R.id == W.request_id)
            .where(W.tenant_id == tenant_id, R.escalate.is_(True), W.text != SCRUBBED)
        )
        if team_id is not None:
            query = query.where(W.team_id == team_id)
        rows = self.session.execute(query.order_by(W.id.desc()).limit(limit))
        return [StoredReply(int(i), agent, team, text, topic, at) for i, agent, team, text, topic, at in rows]
