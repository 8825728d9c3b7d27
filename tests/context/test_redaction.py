"""PII redaction masks what must not leave the process and keeps the rest readable."""

from __future__ import annotations

import pytest

from advisor.context.redaction import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at dana.lee+shop@example.co.uk please", "mail me at [EMAIL] please"),
        ("card 4111 1111 1111 1111 was declined", "card [CARD] was declined"),
        ("call me on +44 7911 123456", "call me on [PHONE]"),
        ("my IBAN is DE89 3704 0044 0532 0130 00", "my IBAN is [IBAN]"),
    ],
)
def test_masks_pii(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_keeps_order_numbers_and_prices() -> None:
    text = "order A1001 cost $59.99, placed 2019-11-06, it was due on 12/11"
    assert redact(text) == text


def test_non_luhn_long_number_is_still_masked() -> None:
    assert "1234567890123" not in redact("reference 1234567890123")
