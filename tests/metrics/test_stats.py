"""Wilson intervals, significance tests and concentration against known values."""

from __future__ import annotations

import pytest

from advisor.metrics.stats import chi_square, concentration, two_proportion_z, wilson


def test_wilson_matches_the_textbook_value() -> None:
    interval = wilson(6, 10)
    assert interval.rate == 0.6
    assert interval.low == pytest.approx(0.3127, abs=1e-4)
    assert interval.high == pytest.approx(0.8318, abs=1e-4)


def test_wilson_stays_inside_zero_and_one() -> None:
    assert wilson(0, 5).low == 0.0
    assert wilson(5, 5).high == 1.0
    assert wilson(0, 0).rate is None


def test_two_proportion_z_detects_a_real_difference() -> None:
    result = two_proportion_z(90, 100, 50, 100)
    assert result.p_value is not None
    assert result.p_value < 1e-6
    assert two_proportion_z(5, 10, 5, 10).p_value == pytest.approx(1.0)
    assert two_proportion_z(1, 0, 1, 10).p_value is None


def test_chi_square_ignores_empty_columns() -> None:
    result = chi_square([[10, 0, 0, 10], [10, 0, 0, 10]])
    assert result.p_value == pytest.approx(1.0)
    assert chi_square([[5, 5]]).p_value is None


def test_concentration_of_one_choice_is_perfect() -> None:
    single = concentration({"a": 7})
    assert (single.modal, single.modal_share, single.consistency) == ("a", 1.0, 1.0)
    even = concentration({"a": 5, "b": 5})
    assert (even.modal_share, even.entropy, even.consistency) == (0.5, 1.0, 0.0)
