"""Offline evaluation figures: ranker comparisons read at the same in-scope coverage."""

from __future__ import annotations

import pytest

from advisor.evaluation import Outcome, operating_points, summarise


def outcome(confidence: float | None, *, right: bool = False, in_scope: bool = True) -> Outcome:
    return Outcome(
        kind=None,
        in_scope=in_scope,
        position=0 if right else (None if confidence is None else 1),
        answered=confidence is not None and confidence >= 0.4,
        answered_right=right and confidence is not None and confidence >= 0.4,
        escalated=confidence is None or confidence < 0.4,
        top_confidence=confidence,
        latency_ms=1.0,
    )


SCOPED = [
    outcome(0.9, right=True),
    outcome(0.8, right=True),
    outcome(0.7),
    outcome(0.6, right=True),
    outcome(0.5, right=True),
    outcome(0.4),
    outcome(0.3, right=True),
    outcome(0.2, right=True),
    outcome(0.1),
    outcome(None),
]
OUT_OF_SCOPE = [outcome(0.85, in_scope=False), outcome(0.45, in_scope=False), outcome(0.05, in_scope=False)]


def test_each_coverage_is_read_at_the_threshold_that_answers_that_share_of_in_scope_cases() -> None:
    points = operating_points(SCOPED + OUT_OF_SCOPE, coverages=(0.5, 0.8))
    assert points == [
        {"coverage": 0.5, "threshold": 0.5, "top1_when_answered": 0.8, "out_of_scope_answered": 0.3333},
        {"coverage": 0.8, "threshold": 0.2, "top1_when_answered": 0.75, "out_of_scope_answered": 0.6667},
    ]


def test_a_coverage_beyond_the_cases_with_a_candidate_is_not_invented() -> None:
    (point,) = operating_points(SCOPED + OUT_OF_SCOPE, coverages=(1.0,))
    assert point == {
        "coverage": 1.0,
        "threshold": None,
        "top1_when_answered": None,
        "out_of_scope_answered": None,
    }


@pytest.mark.parametrize(
    ("outcomes", "reported"),
    [(SCOPED + OUT_OF_SCOPE, True), (SCOPED, False), (OUT_OF_SCOPE, False)],
)
def test_operating_points_are_reported_when_cases_hold_both_kinds(
    outcomes: list[Outcome], reported: bool
) -> None:
    assert ("operating_points" in summarise(outcomes)) is reported
