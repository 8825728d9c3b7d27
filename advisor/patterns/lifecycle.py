"""Lifecycle of a pattern version, the four-eyes rule and who may govern a pattern (pure functions).

    draft ──submit──▶ in_review ──approve──▶ approved ──retire──▶ retired
      ▲                  │
      └─────reject───────┘          draft / in_review ──retire──▶ retired  (abandoned)

Only approved versions can serve; which one serves is a pointer on the pattern (``serving_version``)
that approval moves forward and rollback moves to any other approved version. Suspension is a
separate kill switch on the pattern. Versions are never deleted.
"""

from __future__ import annotations

from enum import StrEnum

from advisor.errors import Conflict, Forbidden, InvalidInput
from advisor.patterns.models import Status
from advisor.tenancy.models import ApiRole, Principal


class Transition(StrEnum):
    """What can happen to one version."""

    submit = "submit"
    approve = "approve"
    reject = "reject"
    retire = "retire"


ALLOWED: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.submit: (frozenset({Status.draft}), Status.in_review),
    Transition.approve: (frozenset({Status.in_review}), Status.approved),
    Transition.reject: (frozenset({Status.in_review}), Status.draft),
    Transition.retire: (frozenset({Status.draft, Status.in_review, Status.approved}), Status.retired),
}
OPEN = frozenset({Status.draft, Status.in_review})


class IllegalTransition(Conflict):
    """The version's status does not allow this change."""

    type_slug, title = "illegal-transition", "Illegal transition"


class StaleVersion(Conflict):
    """The caller's lock version is not the current one: someone changed the pattern meanwhile."""

    type_slug, title = "stale-version", "Stale version"


class DuplicatePattern(Conflict):
    """A pattern with this id already exists."""

    type_slug, title = "duplicate-pattern", "Pattern already exists"


class FourEyesViolation(Forbidden):
    """Nobody approves (or rejects) their own draft."""

    type_slug, title = "four-eyes", "Four-eyes rule"


class NotYourDraft(Forbidden):
    """Only the author edits a draft; others review it."""

    type_slug, title = "not-your-draft", "Not your draft"


class LintFailed(InvalidInput):
    """Lint found errors; the version stays a draft."""

    type_slug, title = "lint-failed", "Lint errors"


def next_status(action: Transition, current: Status, version: int) -> Status:
    """Return the status ``action`` leads to from ``current``, or raise IllegalTransition."""
    sources, target = ALLOWED[action]
    if current not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        raise IllegalTransition(
            f"cannot {action.value} version {version}: it is {current.value} (allowed from: {allowed})",
            field="status",
            status_now=current.value,
        )
    return target


def check_four_eyes(author: str | None, reviewer: str, version: int) -> None:
    """Refuse a review by the version's own author: the same person, whatever role or key they use now."""
    if author is not None and author.split(":", 1)[-1] == reviewer.split(":", 1)[-1]:
        raise FourEyesViolation(
            f"{reviewer} wrote version {version}; another lead or an admin must review it", field="approver"
        )


def may_govern(principal: Principal, owner: str) -> bool:
    """Return whether the caller may change patterns owned by team ``owner``."""
    if principal.role is ApiRole.admin:
        return True
    return principal.role is ApiRole.lead and principal.team_id is not None and principal.team_id == owner


def require_governor(principal: Principal, owner: str) -> None:
    """Raise Forbidden unless the caller may change patterns owned by ``owner``."""
    if not may_govern(principal, owner):
        if principal.role is ApiRole.lead:
            raise Forbidden(
                f"pattern is owned by team '{owner}'; your key governs team '{principal.team_id}'",
                field="owner",
            )
        raise Forbidden(f"role '{principal.role.value}' may not change patterns")


def require_reader(principal: Principal) -> None:
    """Raise Forbidden unless the caller may read the pattern library's governance views."""
    if principal.role not in (ApiRole.lead, ApiRole.admin):
        raise Forbidden(f"role '{principal.role.value}' may not read the pattern library")
