"""Proposed versions: when agents keep editing a pattern's suggestion the same way, propose the edit.

Proposals are computed from the decision log when asked (``edits.common_edits``), for the serving
version of each pattern the caller governs: a lead their team's, an admin the whole tenant's. Taking
one up creates a draft version through the ordinary governance path (``patterns.service.new_version``:
lint, audit, webhooks, one open draft at a time), with the evidence in its change note; it serves only
after someone other than its author approves it (four eyes), as every version does.
"""

from __future__ import annotations

from advisor.errors import Conflict, NotFound
from advisor.learned.edits import CommonEdit, EditedSuggestion, proposals_for
from advisor.learned.models import ProposalDraftIn, ProposalOut
from advisor.patterns import service as patterns
from advisor.patterns.lifecycle import may_govern, require_governor, require_reader
from advisor.patterns.models import PatternSpec
from advisor.patterns.schemas import ChangeOut, PatternContent
from advisor.store.decisions import DecisionLog
from advisor.store.patterns import to_spec
from advisor.tenancy.models import Principal

PROPOSAL_EDITS_READ = 20_000
"""The latest edit decisions read per request (a bound on the work; older ones rarely matter)."""
NOTE_CHARS = 300


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
    ]
    return sorted(out, key=lambda p: (-p.support, p.pattern_id, p.id))


def draft(
    gov: patterns.Governance, log: DecisionLog, principal: Principal, proposal_id: str, body: ProposalDraftIn
) -> ChangeOut:
    """Create a draft version carrying the proposal's change, with its evidence as the change note."""
    require_reader(principal)
    serving = gov.patterns.serving(principal.tenant_id)
    match = next(
        (
            (spec, common, proposed)
            for spec, common, proposed in _proposals(log, serving, principal.tenant_id)[0]
            if common.proposal_id(spec.id, spec.version) == proposal_id
        ),
        None,
    )
    if match is None:
        raise NotFound(f"no current proposal '{proposal_id}' (its version or evidence changed)", field="id")
    spec, common, proposed = match
    require_governor(principal, spec.owner)
    if proposed == spec.body:
        raise Conflict("the proposed body is the version's body", field="id")
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
    content = PatternContent(
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
