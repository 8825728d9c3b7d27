"""The kill switch: suspend or resume one pattern, or every pattern of an intent or a team, at once."""

from __future__ import annotations

from advisor.errors import Forbidden
from advisor.patterns import lifecycle
from advisor.patterns.schemas import BulkChangeOut, BulkSuspendIn, ChangeOut, SuspendIn
from advisor.patterns.service import Governance, claim, done, load, state
from advisor.store.tables.patterns import PatternHeadRow, PatternVersionRow
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.models import ApiRole, Principal


def set_suspended(
    gov: Governance, principal: Principal, pattern_id: str, suspend: bool, body: SuspendIn
) -> ChangeOut:
    """Switch one pattern's kill switch; it takes effect on the next request in every process."""
    head, rows = load(gov, principal, pattern_id)
    lifecycle.require_governor(principal, rows[-1].owner)
    if head.suspended == suspend:
        raise lifecycle.IllegalTransition(
            f"pattern '{pattern_id}' is {'already' if suspend else 'not'} suspended", field="suspended"
        )
    claim(gov, head, body.expected_lock_version)
    entry = _switch(gov, principal, head, suspend, body.reason)
    return done(gov, principal, pattern_id, [entry])


def _switch(
    gov: Governance, principal: Principal, head: PatternHeadRow, suspend: bool, reason: str
) -> AuditRecord:
    before = state(head)
    gov.patterns.set_suspended(head, suspend, reason)
    gov.patterns.bump_stamp(principal.tenant_id)
    return gov.record(
        principal,
        "pattern.suspend" if suspend else "pattern.resume",
        head.pattern_id,
        before=before,
        after=state(head),
        note=reason,
    )


def bulk_suspend(gov: Governance, principal: Principal, body: BulkSuspendIn, suspend: bool) -> BulkChangeOut:
    """Suspend (or resume) every pattern of an intent or a team that the caller governs."""
    if body.team is not None:
        lifecycle.require_governor(principal, body.team)
    elif principal.role not in (ApiRole.lead, ApiRole.admin):
        raise Forbidden(f"role '{principal.role.value}' may not suspend patterns")
    grouped: dict[str, list[PatternVersionRow]] = {}
    for row in gov.patterns.all_versions(principal.tenant_id):
        grouped.setdefault(row.pattern_id, []).append(row)
    changed: list[str] = []
    audit: list[AuditRecord] = []
    for head in gov.patterns.heads(principal.tenant_id):
        rows = grouped.get(head.pattern_id, [])
        if not rows or head.suspended == suspend or not lifecycle.may_govern(principal, rows[-1].owner):
            continue
        current = next((r for r in rows if r.version == head.serving_version), rows[-1])
        if body.team is not None and rows[-1].owner != body.team:
            continue
        if body.intent is not None and body.intent not in current.intents:
            continue
        gov.patterns.claim(head.tenant_id, head.pattern_id, head.lock_version)
        audit.append(_switch(gov, principal, head, suspend, body.reason))
        changed.append(head.pattern_id)
    return BulkChangeOut(changed=changed, audit=audit)
