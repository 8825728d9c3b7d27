"""Proposed versions: when agents keep editing a pattern's suggestion the same way, propose the edit.

Proposals are computed from the decision log when asked (``edits.common_edits``), for the serving
version of each pattern the caller governs: a lead their team's, an admin the whole tenant's. Taking
one up creates a draft version through the ordinary governance path (``patterns.service.new_version``:
lint, audit, webhooks, one open draft at a time), with the evidence in its change note; it serves only
after someone other than its author approves it (four eyes), as every version does.

New patterns are proposed the same way from the replies agents wrote themselves on escalated requests
(``new_patterns``): taking one up creates draft version 1 of a new pattern, risk medium, with the
customers' masked words as its examples.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from advisor.errors import Conflict, InvalidInput, NotFound
from advisor.learned.edits import CommonEdit, EditedSuggestion, proposals_for
from advisor.learned.models import NewPatternDraftIn, NewPatternProposalOut, ProposalDraftIn, ProposalOut
from advisor.learned.new_patterns import ReplyGroup, proposed_groups, title_of
from advisor.patterns import service as patterns
from advisor.patterns.lifecycle import may_govern, require_governor, require_reader
from advisor.patterns.models import PatternSpec, RiskLevel
from advisor.patterns.schemas import ChangeOut, PatternContent, PatternCreate
from advisor.store.decisions import DecisionLog
from advisor.store.patterns import to_spec
from advisor.tenancy.models import ApiRole, Principal

PROPOSAL_EDITS_READ = 5_000
"""The latest edit decisions read per request (a bound on the work; older ones rarely matter)."""
REPLIES_READ = 5_000
"""The latest replies on escalated requests read per request."""
MAX_BODY = 4_000
SAMPLE_REPLIES = 3
NOTE_CHARS = 300
M = TypeVar("M", bound=BaseModel)


Found = list[tuple[PatternSpec, CommonEdit, str]]


def _proposals(log: DecisionLog, specs: list[PatternSpec], tenant_id: str) -> tuple[Found, dict[str, int]]:
    """Return (each common edit of a version with the body it proposes, edit decisions read per pattern)."""
    by_version: dict[tuple[str, int], list[EditedSuggestion]] = {}
    for e in log.edits(tenant_id, [(s.id, s.version) for s in specs], PROPOSAL_EDITS_READ):
        by_version.setdefault((e.pattern_id, e.pattern_version), []).append(
            EditedSuggestion(e.event_id, e.agent_id, e.shown, e.sent, e.occurred_at)
        )
    found: Found = []
    read: dict[str, int] = {}
    for spec in specs:
        edits = by_version.get((spec.id, spec.version), [])
        read[spec.id] = len(edits)
        found.extend((spec, common, proposed) for common, proposed in proposals_for(spec.body, edits))
    return found, read


def _governed(gov: patterns.Governance, principal: Principal) -> list[PatternSpec]:
    require_reader(principal)
    return [s for s in gov.patterns.serving(principal.tenant_id) if may_govern(principal, s.owner)]


def list_proposals(gov: patterns.Governance, log: DecisionLog, principal: Principal) -> list[ProposalOut]:
    """Return the proposals for the serving versions the caller governs, best supported first."""
    found, read = _proposals(log, _governed(gov, principal), principal.tenant_id)
    open_drafts = gov.patterns.open_drafts(principal.tenant_id) if found else []
    drafting = {pattern_id for pattern_id, _ in open_drafts}
    out = [
        ProposalOut(
            id=common.proposal_id(spec.id, spec.version),
            pattern_id=spec.id,
            pattern_version=spec.version,
            pattern_title=spec.title,
            owner=spec.owner,
            removed=common.change.removed,
            added=common.change.added,
            body=spec.body,
            proposed_body=proposed,
            decisions=common.decisions,
            agents=len(common.agents),
            support=common.support,
            version_edits=read[spec.id],
            examples=common.examples,
            last_at=common.last_at or spec.created_at,
        )
        for spec, common, proposed in found
        if spec.id not in drafting  # a pattern takes one open draft at a time: a proposal waits for it
    ]
    return sorted(out, key=lambda p: (-p.support, p.pattern_id, p.id))


def draft(
    gov: patterns.Governance, log: DecisionLog, principal: Principal, proposal_id: str, body: ProposalDraftIn
) -> ChangeOut:
    """Create a draft version carrying the proposal's change, with its evidence as the change note."""

    def find(specs: list[PatternSpec]) -> tuple[PatternSpec, CommonEdit, str] | None:
        found = _proposals(log, specs, principal.tenant_id)[0]
        return next((m for m in found if m[1].proposal_id(m[0].id, m[0].version) == proposal_id), None)

    # As listed (the versions the caller governs); only when it is not there, whether it is another
    # team's (403) or nobody's (404).
    match = find(_governed(gov, principal))
    if match is None:
        other = find(gov.patterns.serving(principal.tenant_id))
        if other is not None:
            require_governor(principal, other[0].owner)
        raise NotFound(
            f"no current proposal '{proposal_id}' (its version or evidence changed)", field="proposal_id"
        )
    spec, common, proposed = match
    if proposed == spec.body:
        raise Conflict("the proposed body is the version's body", field="proposal_id")
    change = f"'{common.change.removed[:NOTE_CHARS]}' → '{common.change.added[:NOTE_CHARS]}'"
    note = (
        f"Proposed from {common.decisions} edit decisions by {len(common.agents)} agents on version "
        f"{spec.version}: {change} (proposal {proposal_id})"
    )
    if body.note:
        note = f"{note}. {body.note}"
    # The version as stored: the serving spec also carries the approved learned examples, which stay
    # learned examples (withdrawable), not examples of the new version.
    own = to_spec(next(r for r in patterns.load(gov, principal, spec.id)[1] if r.version == spec.version))
    content = _valid(
        PatternContent,
        title=own.title,
        body=proposed,
        intents=own.intents,
        examples=own.examples,
        flows=own.flows,
        collects=own.collects,
        eligibility=own.eligibility,
        risk=own.risk,
        requires_review=own.requires_review,
        change_note=note[:2_000],
        expected_lock_version=body.expected_lock_version,
    )
    return patterns.new_version(gov, principal, spec.id, content)


def _groups(gov: patterns.Governance, log: DecisionLog, principal: Principal) -> list[ReplyGroup]:
    """Return the proposed groups of replies the caller may see: a lead's team's, an admin's tenant's."""
    require_reader(principal)
    team = principal.team_id if principal.role is ApiRole.lead else None
    if principal.role is ApiRole.lead and team is None:
        return []
    replies = log.escalated_replies(principal.tenant_id, team, REPLIES_READ)
    if not replies:
        return []
    # A group that a serving pattern or an open draft already says is not new (a drafted one is under review).
    bodies = [s.body for s in gov.patterns.serving(principal.tenant_id)]
    bodies += [body for _, body in gov.patterns.open_drafts(principal.tenant_id)]
    return proposed_groups(replies, bodies)


def list_new_patterns(
    gov: patterns.Governance, log: DecisionLog, principal: Principal
) -> list[NewPatternProposalOut]:
    """Return the new patterns proposed from replies agents wrote alike on escalated requests."""
    out = []
    for group in _groups(gov, log, principal):
        typical = group.medoid()
        out.append(
            NewPatternProposalOut(
                id=group.proposal_id,
                title=title_of(typical.text),
                body=typical.text,
                examples=group.examples(),
                replies=len(group.replies),
                agents=len(group.agents),
                support=group.support,
                teams=sorted({r.team_id for r in group.replies if r.team_id}),
                sample_replies=[r.text for r in group.replies if r is not typical][:SAMPLE_REPLIES],
                last_at=group.last_at,
            )
        )
    return out


def draft_new_pattern(
    gov: patterns.Governance,
    log: DecisionLog,
    principal: Principal,
    proposal_id: str,
    body: NewPatternDraftIn,
) -> ChangeOut:
    """Create the proposed pattern as draft version 1 (risk medium until a reviewer says otherwise)."""
    group = next((g for g in _groups(gov, log, principal) if g.proposal_id == proposal_id), None)
    if group is None:
        raise NotFound(f"no current new-pattern proposal '{proposal_id}'", field="proposal_id")
    teams = Counter(r.team_id for r in group.replies if r.team_id)
    owner = body.owner or principal.team_id or (teams.most_common(1)[0][0] if teams else None)
    if owner is None:
        raise InvalidInput("give 'owner': the team that will own the pattern", field="owner")
    typical = group.medoid()
    note = (
        f"Proposed from {len(group.replies)} replies by {len(group.agents)} agents written on escalated "
        f"requests (proposal {proposal_id})"
    )
    if body.note:
        note = f"{note}. {body.note}"
    text = typical.text if len(typical.text) <= MAX_BODY else typical.text[:MAX_BODY].rsplit(" ", 1)[0]
    create = _valid(
        PatternCreate,
        id=body.id,
        owner=owner,
        title=title_of(typical.text),
        body=text,
        intents=[body.id],
        examples=group.examples(),
        risk=RiskLevel.medium,
        change_note=note[:2_000],
    )
    return patterns.create_pattern(gov, principal, create)


def _valid(model: type[M], **fields: Any) -> M:
    """Build a pattern change from agents' texts; one that breaks a pattern's bounds (a body grown past
    4,000 characters, too many examples) is a 409 naming the bound, never a server error."""
    try:
        return model(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Conflict(
            f"the proposal does not make a valid pattern: {where}: {first['msg']}", field="proposal_id"
        ) from None
