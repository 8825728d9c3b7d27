"""Use cases over the pattern repository: create, edit, review, approve, roll back, suspend.

Every change checks the caller's rights, the version's status and the pattern's lock, writes one
audit entry per pattern changed (returned, so that callers can publish it), and bumps the library
stamp when what may be served changed, so every process rebuilds its ranker on its next request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from advisor.errors import InvalidInput, NotFound
from advisor.patterns import lifecycle
from advisor.patterns.lifecycle import OPEN, Transition
from advisor.patterns.lint import Finding, errors, lint
from advisor.patterns.models import PatternSpec, Status
from advisor.patterns.schemas import (
    ChangeOut,
    PatternContent,
    PatternCreate,
    PatternOut,
    RollbackIn,
    ServingPatternOut,
    TransitionIn,
    VersionOut,
)
from advisor.store.audit import AuditLog
from advisor.store.patterns import PatternRepository, to_spec
from advisor.store.tables.patterns import PatternHeadRow, PatternVersionRow
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.models import Principal
from advisor.tenancy.rights import check_team
from advisor.utc import as_utc
from advisor.webhooks.service import publish_pattern_change

SUBJECT = "pattern"


def add_patterns(repo: PatternRepository, tenant_id: str, specs: Iterable[PatternSpec]) -> int:
    """Store pattern versions as given (status included) and bump the library stamp once."""
    count = 0
    for spec in specs:
        repo.add_version(tenant_id, spec)
        count += 1
    repo.bump_stamp(tenant_id)
    return count


CHANGES = {
    "pattern.create": "created",
    "pattern.edit": "edited",
    "pattern.update_draft": "draft_updated",
    "pattern.submit": "submitted",
    "pattern.approve": "approved",
    "pattern.reject": "rejected",
    "pattern.retire": "retired",
    "pattern.rollback": "rolled_back",
    "pattern.suspend": "suspended",
    "pattern.resume": "resumed",
    "pattern.import": "imported",
}
"""Audit action of a pattern change → the ``change`` name subscribers (webhooks) see."""


@dataclass(frozen=True)
class Governance:
    """The repositories a governance use case works on (one transaction).

    Every audit entry written also puts a ``pattern.changed`` event in the webhook outbox, in the same
    transaction: the API and the CLI (e.g. ``advisor patterns import --approve``) publish alike.
    """

    patterns: PatternRepository
    audit: AuditLog
    webhooks: WebhookRepository

    def record(
        self,
        principal: Principal,
        action: str,
        subject_id: str,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> AuditRecord:
        """Append an audit entry about a pattern and publish the change to webhook subscribers."""
        entry = self.audit.append(
            principal.tenant_id,
            principal.actor,
            action,
            SUBJECT,
            subject_id,
            before=before,
            after=after,
            note=note,
        )
        version = (entry.after or {}).get("version")
        publish_pattern_change(
            self.webhooks,
            entry.tenant_id,
            entry.subject_id,
            version if isinstance(version, int) else None,
            CHANGES.get(entry.action, entry.action),
            entry.actor,
        )
        return entry


def state(head: PatternHeadRow) -> dict[str, Any]:
    """Return the serving state of a pattern for the audit log."""
    return {
        "serving_version": head.serving_version,
        "suspended": head.suspended,
        "suspend_reason": head.suspend_reason,
        "lock_version": head.lock_version,
    }


def _content(row: PatternVersionRow) -> dict[str, Any]:
    return to_spec(row).model_dump(mode="json", exclude={"created_at", "updated_at"})


def pattern_out(head: PatternHeadRow, rows: list[PatternVersionRow], *, with_versions: bool) -> PatternOut:
    """Assemble the public view of a pattern from its head and versions."""
    latest = rows[-1]
    return PatternOut(
        id=head.pattern_id,
        owner=latest.owner,
        title=latest.title,
        latest_version=latest.version,
        latest_status=Status(latest.status),
        serving_version=head.serving_version,
        suspended=head.suspended,
        suspend_reason=head.suspend_reason,
        lock_version=head.lock_version,
        updated_at=max(as_utc(r.updated_at) for r in rows),
        versions=[
            VersionOut(**to_spec(r).model_dump(), serving=r.version == head.serving_version) for r in rows
        ]
        if with_versions
        else None,
    )


def load(
    gov: Governance, principal: Principal, pattern_id: str
) -> tuple[PatternHeadRow, list[PatternVersionRow]]:
    """Return a pattern of the caller's tenant (head and versions) or raise NotFound."""
    head = gov.patterns.head(principal.tenant_id, pattern_id)
    rows = gov.patterns.versions(principal.tenant_id, pattern_id) if head is not None else []
    if head is None or not rows:
        raise NotFound(f"no pattern '{pattern_id}'", field="pattern_id")
    return head, rows


def _version(rows: list[PatternVersionRow], version: int) -> PatternVersionRow:
    for row in rows:
        if row.version == version:
            return row
    raise NotFound(f"pattern '{rows[0].pattern_id}' has no version {version}", field="version")


def claim(gov: Governance, head: PatternHeadRow, expected: int | None) -> None:
    """Take the pattern's lock (optimistic): raise StaleVersion if it moved or is not ``expected``."""
    seen = head.lock_version
    if expected is not None and expected != seen:
        raise lifecycle.StaleVersion(
            f"pattern '{head.pattern_id}' is at lock version {seen}, not {expected}: reload and retry",
            field="expected_lock_version",
            lock_version=seen,
        )
    if not gov.patterns.claim(head.tenant_id, head.pattern_id, seen):
        raise lifecycle.StaleVersion(
            f"pattern '{head.pattern_id}' changed while this request ran: reload and retry",
            field="expected_lock_version",
        )


def _others(gov: Governance, tenant_id: str, pattern_id: str) -> list[PatternSpec]:
    latest: dict[str, PatternVersionRow] = {}
    for row in gov.patterns.all_versions(tenant_id):
        if row.pattern_id != pattern_id and row.status != Status.retired.value:
            latest[row.pattern_id] = row
    return [to_spec(r) for r in latest.values()]


def _spec(pattern_id: str, version: int, owner: str, body: PatternContent, author: str) -> PatternSpec:
    fields = body.model_dump(exclude={"expected_lock_version", "id", "owner"})
    return PatternSpec(
        id=pattern_id, version=version, owner=owner, author=author, status=Status.draft, **fields
    )


def done(
    gov: Governance,
    principal: Principal,
    pattern_id: str,
    audit: list[AuditRecord],
    findings: list[Finding] | None = None,
) -> ChangeOut:
    """Return the pattern as it is now, with the lint findings and audit entries of the change."""
    head, rows = load(gov, principal, pattern_id)
    return ChangeOut(pattern=pattern_out(head, rows, with_versions=True), lint=findings or [], audit=audit)


def list_patterns(
    gov: Governance, principal: Principal, owner: str | None = None, status: Status | None = None
) -> list[PatternOut]:
    """Return the tenant's patterns (optionally one team's, or those whose latest version has ``status``)."""
    lifecycle.require_reader(principal)
    grouped: dict[str, list[PatternVersionRow]] = {}
    for row in gov.patterns.all_versions(principal.tenant_id):
        grouped.setdefault(row.pattern_id, []).append(row)
    out = []
    for head in gov.patterns.heads(principal.tenant_id):
        rows = grouped.get(head.pattern_id)
        if (
            rows
            and (owner is None or rows[-1].owner == owner)
            and (status is None or rows[-1].status == status)
        ):
            out.append(pattern_out(head, rows, with_versions=False))
    return out


def serving_patterns(
    repo: PatternRepository, principal: Principal, query: str | None = None, limit: int = 200
) -> list[ServingPatternOut]:
    """Return the tenant's patterns that may be suggested now, by id, at most ``limit``; with ``query``
    only those whose id or title contains it (case-insensitive). Every role may read them: an agent's
    desk lists them to name the reply sent instead of a suggestion (a correction)."""
    needle = query.casefold() if query else None
    out = [
        ServingPatternOut(id=pid, version=version, title=title, owner=owner, intents=intents)
        for pid, version, title, owner, intents in repo.serving_titles(principal.tenant_id)
        if needle is None or needle in pid.casefold() or needle in title.casefold()
    ]
    return out[:limit]


def get_pattern(gov: Governance, principal: Principal, pattern_id: str) -> PatternOut:
    """Return one pattern with every version."""
    lifecycle.require_reader(principal)
    head, rows = load(gov, principal, pattern_id)
    return pattern_out(head, rows, with_versions=True)


def create_pattern(gov: Governance, principal: Principal, body: PatternCreate) -> ChangeOut:
    """Create a pattern as draft version 1, owned by the given team (a lead's own team by default)."""
    owner = body.owner or principal.team_id
    if owner is None:
        raise InvalidInput("give 'owner': the team that owns the pattern", field="owner")
    lifecycle.require_governor(principal, owner)
    check_team(gov.patterns.known_teams(principal.tenant_id), owner, "owner")
    spec = _spec(body.id, 1, owner, body, principal.actor)
    row = gov.patterns.add_new_pattern(principal.tenant_id, spec)
    if row is None:
        raise lifecycle.DuplicatePattern(f"pattern '{body.id}' already exists", field="id")
    entry = gov.record(
        principal,
        "pattern.create",
        body.id,
        after=_content(row),
        note=body.change_note,
    )
    return done(gov, principal, body.id, [entry], lint(spec, _others(gov, principal.tenant_id, body.id)))


def new_version(gov: Governance, principal: Principal, pattern_id: str, body: PatternContent) -> ChangeOut:
    """Start a new draft from an edit; the approved version keeps serving until the draft is approved."""
    head, rows = load(gov, principal, pattern_id)
    owner = rows[-1].owner
    lifecycle.require_governor(principal, owner)
    claim(gov, head, body.expected_lock_version)
    open_rows = [r for r in rows if Status(r.status) in OPEN]
    if open_rows:
        raise lifecycle.IllegalTransition(
            f"version {open_rows[-1].version} is still {open_rows[-1].status} (by {open_rows[-1].author}); "
            "edit, approve, reject or retire it first",
            field="version",
        )
    spec = _spec(pattern_id, rows[-1].version + 1, owner, body, principal.actor)
    row = gov.patterns.add_version(principal.tenant_id, spec)
    entry = gov.record(
        principal,
        "pattern.edit",
        pattern_id,
        before=_content(rows[-1]),
        after=_content(row),
        note=body.change_note,
    )
    return done(
        gov, principal, pattern_id, [entry], lint(spec, _others(gov, principal.tenant_id, pattern_id))
    )


def update_draft(
    gov: Governance, principal: Principal, pattern_id: str, version: int, body: PatternContent
) -> ChangeOut:
    """Change a draft in place; only its author may."""
    head, rows = load(gov, principal, pattern_id)
    row = _version(rows, version)
    lifecycle.require_governor(principal, row.owner)
    if row.status != Status.draft.value:
        raise lifecycle.IllegalTransition(
            f"version {version} is {row.status}; only drafts are edited in place (POST a new version)",
            field="status",
        )
    if row.author != principal.actor:
        raise lifecycle.NotYourDraft(f"version {version} is {row.author}'s draft", field="author")
    claim(gov, head, body.expected_lock_version)
    before = _content(row)
    spec = _spec(pattern_id, version, row.owner, body, principal.actor)
    gov.patterns.update_draft(row, spec)
    entry = gov.record(
        principal,
        "pattern.update_draft",
        pattern_id,
        before=before,
        after=_content(row),
        note=body.change_note,
    )
    return done(
        gov, principal, pattern_id, [entry], lint(spec, _others(gov, principal.tenant_id, pattern_id))
    )


def transition(
    gov: Governance,
    principal: Principal,
    pattern_id: str,
    version: int,
    action: Transition,
    body: TransitionIn,
) -> ChangeOut:
    """Submit, approve, reject or retire one version (lint gates submission; four eyes gate review)."""
    head, rows = load(gov, principal, pattern_id)
    row = _version(rows, version)
    lifecycle.require_governor(principal, row.owner)
    target = lifecycle.next_status(action, Status(row.status), version)
    findings: list[Finding] = []
    if action is Transition.submit:
        findings = lint(to_spec(row), _others(gov, principal.tenant_id, pattern_id))
        if errors(findings):
            first = errors(findings)[0]
            raise lifecycle.LintFailed(
                f"{len(errors(findings))} lint error(s), first: field '{first.field}': {first.message}",
                field=first.field,
                lint=[f.model_dump(mode="json") for f in findings],
            )
    if action in (Transition.approve, Transition.reject):
        lifecycle.check_four_eyes(row.author, principal.actor, version)
    claim(gov, head, body.expected_lock_version)
    before = {"status": row.status, "version": version, **state(head)}
    gov.patterns.set_status(row, target, approver=principal.actor if action is Transition.approve else None)
    serving_changed = False
    if action is Transition.approve:
        gov.patterns.set_serving(head, version)
        serving_changed = True
    elif action is Transition.retire and head.serving_version == version:
        gov.patterns.set_serving(head, None)
        serving_changed = True
    if serving_changed:
        gov.patterns.bump_stamp(principal.tenant_id)
    entry = gov.record(
        principal,
        f"pattern.{action.value}",
        pattern_id,
        before=before,
        after={"status": target.value, "version": version, **state(head)},
        note=body.note,
    )
    return done(gov, principal, pattern_id, [entry], findings)


def rollback(gov: Governance, principal: Principal, pattern_id: str, body: RollbackIn) -> ChangeOut:
    """Make another approved version the serving one, in one call."""
    head, rows = load(gov, principal, pattern_id)
    row = _version(rows, body.version)
    lifecycle.require_governor(principal, row.owner)
    if row.status != Status.approved.value:
        raise lifecycle.IllegalTransition(
            f"cannot roll back to version {body.version}: it is {row.status}, not approved", field="version"
        )
    if head.serving_version == body.version:
        raise lifecycle.IllegalTransition(f"version {body.version} is already serving", field="version")
    claim(gov, head, body.expected_lock_version)
    before = state(head)
    gov.patterns.set_serving(head, body.version)
    gov.patterns.bump_stamp(principal.tenant_id)
    entry = gov.record(
        principal,
        "pattern.rollback",
        pattern_id,
        before=before,
        after=state(head),
        note=body.note,
    )
    return done(gov, principal, pattern_id, [entry])
