"""What an agent wrote themselves on an escalated request: stored for proposed new patterns.

When nothing in the library fitted, the agent writes the reply. Several agents writing much the same
reply to similar requests is the evidence for a new pattern (``advisor.learned.new_patterns``). A reply
is only taken on a request that escalated (a request with suggestions gets feedback on them instead),
from the person it was served to, once per client event id; its text is redacted on write and scrubbed
after the retention period like every conversation text.
"""

from __future__ import annotations

from advisor.context.redaction import redact
from advisor.errors import Conflict, NotFound
from advisor.feedback.models import ReplyAck, ReplyIn
from advisor.store.decisions import DecisionLog
from advisor.store.tables.decisions import WrittenReplyRow
from advisor.tenancy.models import Principal
from advisor.tenancy.rights import acting_as
from advisor.utc import utcnow


def record_reply(log: DecisionLog, principal: Principal, body: ReplyIn) -> ReplyAck:
    """Store the reply, or acknowledge a resend; refuse another person's request or one with suggestions."""
    stored = log.find_reply(principal.tenant_id, body.client_event_id)
    if stored is not None:
        return _resent(stored, body)
    request = log.get_request(principal.tenant_id, body.request_id)
    if request is None:
        raise NotFound(f"request '{body.request_id}' does not exist", field="request_id")
    team = acting_as(principal, request.agent_id, request.team_id)
    if not request.escalate:
        raise Conflict(
            "this request returned suggestions: send feedback on them (POST /v1/feedback)", field="request_id"
        )
    row = WrittenReplyRow(
        tenant_id=principal.tenant_id,
        client_event_id=body.client_event_id,
        request_id=request.id,
        interaction_id=request.interaction_id,
        agent_id=request.agent_id,
        team_id=team,
        text=body.text,
        occurred_at=body.occurred_at or utcnow(),
    )
    stored, created = log.add_reply(row)
    return (
        ReplyAck(id=stored.id, request_id=stored.request_id, duplicate=not created)
        if created
        else _resent(stored, body)
    )


def _resent(stored: WrittenReplyRow, body: ReplyIn) -> ReplyAck:
    """Acknowledge a resend of the stored reply; a different reply under the same event id is a conflict."""
    if stored.request_id != body.request_id or stored.text not in (body.text, redact(body.text)):
        raise Conflict(
            f"client_event_id '{body.client_event_id}' was already used for another reply",
            field="client_event_id",
        )
    return ReplyAck(id=stored.id, request_id=stored.request_id, duplicate=True)
