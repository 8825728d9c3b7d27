"""Use cases of learned examples: capture a candidate from a decision, list, review in bulk, withdraw.

Every approval, rejection and withdrawal is audited (actor, before, after, note); approvals and
withdrawals bump the tenant's library stamp, so every process rebuilds its ranker with the approved
examples on its next request. Leads act on their own team's patterns, admins on the whole tenant.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from advisor.errors import Conflict, Forbidden, NotFound
from advisor.learned.capture import confirms, keepable, normalise, text_key
from advisor.learned.models import (
    MAX_APPROVED_PER_PATTERN,
    LearnedExampleOut,
    LearnedStatus,
    ReviewIn,
    ReviewOut,
)
from advisor.patterns.lifecycle import IllegalTransition, require_governor
from advisor.store.audit import AuditLog
from advisor.store.decisions import Decided, DecisionLog
from advisor.store.learned import LearnedExampleRepository
from advisor.store.patterns import PatternRepository
from advisor.store.tables.decisions import FeedbackEventRow, RecommendationRow
from advisor.store.tables.learned import LearnedExampleRow
from advisor.store.tables.patterns import PatternVersionRow
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.models import ApiRole, Principal

SUBJECT = "learned_example"
COUNTING = frozenset({LearnedStatus.pending.value, LearnedStatus.approved.value})
"""Statuses whose candidates still gather decisions; a rejected or withdrawn text stays as it was decided."""
ACTIONS = {
    LearnedStatus.approved: "learned_example.approve",
    LearnedStatus.rejected: "learned_example.reject",
    LearnedStatus.withdrawn: "learned_example.withdraw",
}
"""Audit action of each review outcome."""


class TooManyExamples(Conflict):
    """The pattern already has the maximum of approved learned examples."""

    type_slug, title = "too-many-examples", "Too many learned examples"


class ReviewedMeanwhile(Conflict):
    """Someone else reviewed the candidate while this request ran."""

    type_slug, title = "reviewed-meanwhile", "Reviewed meanwhile"


@dataclass(frozen=True)
class Learning:
    """The repositories a review works on, in one transaction."""

    examples: LearnedExampleRepository
    patterns: PatternRepository
    audit: AuditLog


def capture(
    repo: LearnedExampleRepository,
    log: DecisionLog,
    event: FeedbackEventRow,
    rec: RecommendationRow,
    decided: Decided,
    used_version: int | None = None,
) -> LearnedExampleRow | None:
    """Count a newly stored decision towards a candidate example of the pattern it says fits the request.

    An acceptance or light edit speaks for the suggested pattern; a rejection that names the pattern the
    agent sent instead (``used_pattern_id``, served as ``used_version``; None when it is not served now)
    speaks for that pattern: the messages the ranking got wrong, which teach it most. One suggestion is
    one decision, and one request one decision per pattern, whichever event came first: ``decided`` holds
    what was counted (``DecisionLog.decided``, read before the events were stored) and is updated here.

    Called once per stored feedback event (never for a resend), in the event's transaction. Returns the
    candidate counted, or None when the event decides nothing new, the request kept no text, the text is
    already one of the pattern's examples, or it was rejected or withdrawn before.
    """
    if event.used_pattern_id is not None:
        if used_version is None:
            return None  # a pattern not served now (suspended, retired) learns nothing
        pattern_id, version = event.used_pattern_id, used_version
    elif confirms(event.action, rec.text, event.final_text):
        pattern_id, version = rec.pattern_id, rec.pattern_version
    else:
        return None
    if decided.knows(rec.request_id, rec.id, pattern_id):
        return None
    decided.add(rec.request_id, rec.id, pattern_id)
    return _count(repo, log, event, rec, pattern_id, version)


def _count(
    repo: LearnedExampleRepository,
    log: DecisionLog,
    event: FeedbackEventRow,
    rec: RecommendationRow,
    pattern_id: str,
    version: int,
) -> LearnedExampleRow | None:
    """Count the decision towards the candidate example of ``pattern_id`` made of the request's text."""
    request = log.get_request(rec.tenant_id, rec.request_id)
    text = request.topic_text if request is not None else None
    if text is None or not keepable(text):
        return None
    key = text_key(text)
    row = repo.find(rec.tenant_id, pattern_id, key)
    if row is None:
        examples = repo.pattern_examples(rec.tenant_id, pattern_id, version)
        if normalise(text) in {normalise(e) for e in examples}:
            return None
        row = repo.add(rec.tenant_id, pattern_id, version, text, key, event.occurred_at)
    if row.status not in COUNTING:
        return None
    correction = event.used_pattern_id is not None
    repo.count_decision(row, event.agent_id, version, event.occurred_at, correction=correction)
    return row


def _require_reviewer(principal: Principal) -> None:
    if principal.role not in (ApiRole.lead, ApiRole.admin):
        raise Forbidden(f"role '{principal.role.value}' may not review learned examples")


def _out(row: LearnedExampleRow, versions: dict[str, PatternVersionRow]) -> LearnedExampleOut:
    version = versions.get(row.pattern_id)
    return LearnedExampleOut(
        id=row.id,
        pattern_id=row.pattern_id,
        pattern_title=version.title if version is not None else None,
        pattern_version=row.pattern_version,
        text=row.text,
        status=LearnedStatus(row.status),
        decisions=row.decisions,
        agents=row.agents,
        corrections=row.corrections,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        review_note=row.review_note,
    )


def _state(row: LearnedExampleRow) -> dict[str, Any]:
    return {
        "status": row.status,
        "pattern_id": row.pattern_id,
        "pattern_version": row.pattern_version,
        "text": row.text,
        "decisions": row.decisions,
        "agents": row.agents,
        "corrections": row.corrections,
    }


def list_examples(
    repo: LearnedExampleRepository,
    principal: Principal,
    *,
    status: LearnedStatus | None = None,
    pattern_id: str | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[LearnedExampleOut]:
    """Return candidates by id, a lead's only for patterns their team governs."""
    _require_reviewer(principal)
    owner = None
    if principal.role is ApiRole.lead:
        owner = principal.team_id or ""
        if pattern_id is not None:
            version = repo.latest_versions(principal.tenant_id, [pattern_id]).get(pattern_id)
            if version is not None:
                require_governor(principal, version.owner)
    rows = repo.page(
        principal.tenant_id, status=status, pattern_id=pattern_id, owner=owner, after_id=after_id, limit=limit
    )
    versions = repo.latest_versions(principal.tenant_id, {r.pattern_id for r in rows})
    return [_out(r, versions) for r in rows]


def _load(
    learning: Learning, principal: Principal, ids: list[int], field: str | dict[int, str]
) -> tuple[dict[int, LearnedExampleRow], dict[str, PatternVersionRow]]:
    """Return the candidates (404 for an unknown or another tenant's id) once the caller may govern each."""
    _require_reviewer(principal)
    rows = learning.examples.get_many(principal.tenant_id, ids)
    for i in ids:
        if i not in rows:
            where = field if isinstance(field, str) else field[i]
            raise NotFound(f"no learned example {i}", field=where, id=i)
    versions = learning.examples.latest_versions(principal.tenant_id, {r.pattern_id for r in rows.values()})
    for row in rows.values():
        version = versions.get(row.pattern_id)
        require_governor(principal, version.owner if version is not None else "")
    return rows, versions


def _move(
    learning: Learning,
    principal: Principal,
    row: LearnedExampleRow,
    status: LearnedStatus,
    note: str | None,
) -> AuditRecord:
    before = _state(row)
    if not learning.examples.set_status(row, before["status"], status, principal.actor, note):
        raise ReviewedMeanwhile(
            f"learned example {row.id} was reviewed while this request ran: reload and retry", id=row.id
        )
    return learning.audit.append(
        principal.tenant_id,
        principal.actor,
        ACTIONS[status],
        SUBJECT,
        str(row.id),
        before=before,
        after=_state(row),
        note=note,
    )


def review(learning: Learning, principal: Principal, body: ReviewIn) -> ReviewOut:
    """Approve and reject candidates; all or nothing (one refused id changes none)."""
    fields = {**dict.fromkeys(body.approve, "approve"), **dict.fromkeys(body.reject, "reject")}
    rows, versions = _load(learning, principal, [*body.approve, *body.reject], fields)
    unchanged: list[int] = []
    changed: list[LearnedExampleRow] = []
    audit: list[AuditRecord] = []
    to_approve = [rows[i] for i in body.approve if rows[i].status != LearnedStatus.approved.value]
    unchanged += [i for i in body.approve if rows[i].status == LearnedStatus.approved.value]
    adding = Counter(r.pattern_id for r in to_approve)
    for pattern_id, n in sorted(adding.items()):
        already = learning.examples.approved_count(principal.tenant_id, pattern_id)
        if already + n > MAX_APPROVED_PER_PATTERN:
            raise TooManyExamples(
                f"pattern '{pattern_id}' has {already} approved learned examples; approving {n} more would "
                f"pass the limit of {MAX_APPROVED_PER_PATTERN}: withdraw some first",
                field="approve",
                pattern_id=pattern_id,
            )
    for row in to_approve:
        audit.append(_move(learning, principal, row, LearnedStatus.approved, body.note))
        changed.append(row)
    for i in body.reject:
        row = rows[i]
        if row.status == LearnedStatus.rejected.value:
            unchanged.append(i)
            continue
        if row.status == LearnedStatus.approved.value:
            raise IllegalTransition(
                f"learned example {i} is approved and in the index: withdraw it instead", field="reject", id=i
            )
        audit.append(_move(learning, principal, row, LearnedStatus.rejected, body.note))
        changed.append(row)
    if to_approve:
        learning.patterns.bump_stamp(principal.tenant_id)
    return ReviewOut(changed=[_out(r, versions) for r in changed], unchanged=unchanged, audit=audit)


def withdraw(learning: Learning, principal: Principal, example_id: int, note: str | None) -> ReviewOut:
    """Take an approved example out of the index (undo an approval); it does not come back as pending."""
    rows, versions = _load(learning, principal, [example_id], "id")
    row = rows[example_id]
    if row.status != LearnedStatus.approved.value:
        raise IllegalTransition(
            f"learned example {example_id} is {row.status}; only an approved example can be withdrawn",
            field="status",
            status_now=row.status,
        )
    entry = _move(learning, principal, row, LearnedStatus.withdrawn, note)
    learning.patterns.bump_stamp(principal.tenant_id)
    return ReviewOut(changed=[_out(row, versions)], unchanged=[], audit=[entry])
