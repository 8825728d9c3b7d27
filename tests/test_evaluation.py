"""Offline evaluation figures: ranker comparisons read at the same in-scope coverage."""

from __future__ import annotations

import pytest

from advisor.evaluation import Outcome, operating_points, summarise


def outcome(*shown: tuple[float, bool], in_scope: bool = True) -> Outcome:
    """A case whose top candidates had these (confidence, right) pairs; none for an empty tuple."""
    return Outcome(
        kind=None,
        in_scope=in_scope,
        position=next((n for n, (_, right) in enumerate(shown) if right), None),
        answered=any(c >= 0.4 for c, _ in shown),
        answered_right=next((right for c, right in shown if c >= 0.4), False),
        escalated=not any(c >= 0.4 for c, _ in shown),
        top_confidence=shown[0][0] if shown else None,
        latency_ms=1.0,
        shown=shown,
    )


def right(confidence: float) -> Outcome:
    return outcome((confidence, True))


def wrong(confidence: float) -> Outcome:
    return outcome((confidence, False))


def off_topic(confidence: float | None) -> Outcome:
    return outcome(*([] if confidence is None else [(confidence, False)]), in_scope=False)


SCOPED = [
    right(0.9),
    right(0.8),
    wrong(0.7),
    right(0.6),
    right(0.5),
    wrong(0.4),
    right(0.3),
    right(0.2),
    wrong(0.1),
    outcome(),
]
OUT_OF_SCOPE = [off_topic(0.85), off_topic(0.45), off_topic(0.05)]


def test_each_coverage_is_read_at_the_threshold_that_answers_that_share_of_in_scope_cases() -> None:
    points = operating_points(SCOPED, OUT_OF_SCOPE, coverages=(0.5, 0.8))
    assert points == [
        {
            "coverage": 0.5,
            "threshold": 0.5,
            "answered": 0.5,
            "top1_when_answered": 0.8,
            "out_of_scope_answered": 0.3333,
        },
        {
            "coverage": 0.8,
            "threshold": 0.2,
            "answered": 0.8,
            "top1_when_answered": 0.75,
            "out_of_scope_answered": 0.6667,
        },
    ]


def test_an_off_topic_case_at_the_threshold_is_answered_and_one_without_a_candidate_never() -> None:
    (point,) = operating_points(SCOPED, [off_topic(0.5), off_topic(None)], coverages=(0.5,))
    assert point["threshold"] == 0.5
    assert point["out_of_scope_answered"] == 0.5


def test_tied_confidences_answer_more_than_the_coverage_asked_and_say_so() -> None:
    (point,) = operating_points(
        [right(0.7), wrong(0.7), right(0.7), right(0.1)], OUT_OF_SCOPE, coverages=(0.5,)
    )
    assert point["threshold"] == 0.7
    assert point["answered"] == 0.75
    assert point["top1_when_answered"] == 0.6667


def test_the_threshold_is_rounded_down_so_that_setting_it_answers_the_same_cases() -> None:
    (point,) = operating_points([right(0.41359), wrong(0.3)], OUT_OF_SCOPE, coverages=(0.5,))
    assert point["threshold"] == 0.4135
    assert point["answered"] == 0.5


def test_a_threshold_on_four_decimals_is_not_rounded_below_itself() -> None:
    (point,) = operating_points([right(0.57), wrong(0.3)], OUT_OF_SCOPE, coverages=(0.5,))
    assert point["threshold"] == 0.57


def test_a_coverage_is_not_overshot_by_floating_point() -> None:
    scoped = [right(n / 100) for n in range(1, 101)]
    (point,) = operating_points(scoped, OUT_OF_SCOPE, coverages=(0.07,))
    assert point["answered"] == 0.07
    assert point["threshold"] == 0.94


def test_a_lower_candidate_that_reaches_the_threshold_is_shown_as_the_ranker_shows_it() -> None:
    (point,) = operating_points(
        [outcome((0.3, False), (0.6, True)), wrong(0.1)], OUT_OF_SCOPE, coverages=(0.5,)
    )
    assert point["threshold"] == 0.6
    assert point["top1_when_answered"] == 1.0


def test_a_coverage_beyond_the_cases_with_a_candidate_is_not_invented() -> None:
    (point,) = operating_points(SCOPED, OUT_OF_SCOPE, coverages=(1.0,))
    assert point == {
        "coverage": 1.0,
        "threshold": None,
        "answered": None,
        "top1_when_answered": None,
        "out_of_scope_answered": None,
    }


@pytest.mark.parametrize("coverage", [0.0, 1.5])
def test_a_coverage_outside_zero_to_one_is_refused(coverage: float) -> None:
    with pytest.raises(ValueError, match="coverages"):
        operating_points(SCOPED, OUT_OF_SCOPE, coverages=(coverage,))


@pytest.mark.parametrize(
    ("outcomes", "against", "reported"),
    [
        (SCOPED + OUT_OF_SCOPE, None, True),
        (SCOPED, None, False),
        (OUT_OF_SCOPE, None, False),
        (SCOPED, OUT_OF_SCOPE, True),  # one kind of case, read against the file's out-of-scope cases
    ],
)
def test_operating_points_are_reported_when_there_is_something_to_read_against(
    outcomes: list[Outcome], against: list[Outcome] | None, reported: bool
) -> None:
    assert ("operating_points" in summarise(outcomes, against=against)) is reported
