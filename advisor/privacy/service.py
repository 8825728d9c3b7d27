"""Use cases: erase a customer's interactions (admins, audited) and scrub text past the retention period."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from advisor.errors import Forbidden
from advisor.store import Session, sessionmaker
from advisor.store.audit import AuditLog
from advisor.store.privacy import PrivacyRepository, pseudonym
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.models import ApiRole, Principal
from advisor.utc import utcnow

InteractionId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class ErasureIn(BaseModel):
    """The interactions of one customer whose data must go (the ids your CRM or desk used)."""

    model_config = ConfigDict(extra="forbid")

    interaction_ids: list[InteractionId] = Field(min_length=1, max_length=1000)
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        description="Why (e.g. the request reference); kept in the audit log."
    )


class ErasureOut(BaseModel):
    """What was deleted, per kind of record, and the audit entry."""

    erased: dict[str, int]
    audit: list[AuditRecord]


def erase(session: Session, principal: Principal, body: ErasureIn) -> ErasureOut:
    """Delete everything stored about the interactions; metric counts stay (under a pseudonym)."""
    if principal.role is not ApiRole.admin:
        raise Forbidden("only admins may erase customer data")
    counts = PrivacyRepository(session).erase(principal.tenant_id, body.interaction_ids)
    # The audit names the erased interactions by pseudonym only, so it keeps no identifier either.
    record = AuditLog(session).append(
        principal.tenant_id,
        principal.actor,
        "customer.erase",
        "interactions",
        pseudonym(",".join(sorted(set(body.interaction_ids)))),
        after={"erased": counts, "interactions": [pseudonym(i) for i in sorted(set(body.interaction_ids))]},
        note=body.note,
    )
    return ErasureOut(erased=counts, audit=[record])


def scrub_expired(factory: sessionmaker[Session], retention_days: float) -> int:
    """Remove conversation text older than the retention period; return how many rows changed."""
    with factory() as session, session.begin():
        return PrivacyRepository(session).scrub_before(utcnow() - timedelta(days=retention_days))
