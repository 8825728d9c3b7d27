"""Lifecycle rules: legal transitions, four eyes, who governs which team."""

from __future__ import annotations

import pytest

from advisor.errors import Forbidden
from advisor.patterns.lifecycle import (
    FourEyesViolation,
    IllegalTransition,
    Transition,
    check_four_eyes,
    may_govern,
    next_status,
    require_governor,
)
from advisor.patterns.models import Status
from advisor.tenancy.models import ApiRole, Principal


@pytest.mark.parametrize(
    ("action", "current", "target"),
    [
        (Transition.submit, Status.draft, Status.in_review),
        (Transition.approve, Status.in_review, Status.approved),
        (Transition.reject, Status.in_review, Status.draft),
        (Transition.retire, Status.approved, Status.retired),
        (Transition.retire, Status.draft, Status.retired),
    ],
)
def test_legal(action: Transition, current: Status, target: Status) -> None:
    assert next_status(action, current, 1) is target


@pytest.mark.parametrize(
    ("action", "current"),
    [
        (Transition.approve, Status.draft),
        (Transition.approve, Status.retired),
        (Transition.approve, Status.approved),
        (Transition.submit, Status.in_review),
        (Transition.retire, Status.retired),
        (Transition.reject, Status.approved),
    ],
)
def test_illegal(action: Transition, current: Status) -> None:
    with pytest.raises(IllegalTransition) as err:
        next_status(action, current, 4)
    assert current.value in err.value.detail
    assert err.value.status == 409


def test_four_eyes() -> None:
    check_four_eyes("lead:ann", "lead:bob", 1)
    with pytest.raises(FourEyesViolation):
        check_four_eyes("lead:ann", "lead:ann", 1)


def test_rights() -> None:
    lead = Principal("t", ApiRole.lead, "k", team_id="team-a")
    admin = Principal("t", ApiRole.admin, "k2")
    agent = Principal("t", ApiRole.agent, "k3", team_id="team-a", agent_id="a")
    assert may_govern(lead, "team-a")
    assert not may_govern(lead, "team-b")
    assert may_govern(admin, "team-b")
    assert not may_govern(agent, "team-a")
    with pytest.raises(Forbidden, match="team-b"):
        require_governor(lead, "team-b")


def test_actor_is_the_person_else_the_key() -> None:
    assert Principal("t", ApiRole.lead, "0123456789", agent_id="ann").actor == "lead:ann"
    assert Principal("t", ApiRole.lead, "0123456789", team_id="team-a").actor == "lead:key-01234567"
