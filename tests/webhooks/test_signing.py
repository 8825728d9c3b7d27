"""verify_signature(): what a receiver runs on each delivery."""

from __future__ import annotations

from advisor.webhooks import sign, verify_signature

SECRET = "whsec_test"
BODY = b'{"id":"e1","type":"feedback.recorded"}'


def test_valid_signature_verifies() -> None:
    assert verify_signature(SECRET, BODY, sign(SECRET, BODY, timestamp=1_000), now=1_010)


def test_tampered_body_fails() -> None:
    header = sign(SECRET, BODY, timestamp=1_000)
    assert not verify_signature(SECRET, BODY.replace(b"e1", b"e2"), header, now=1_000)


def test_wrong_secret_fails() -> None:
    assert not verify_signature("whsec_other", BODY, sign(SECRET, BODY, timestamp=1_000), now=1_000)


def test_stale_timestamp_fails() -> None:
    assert not verify_signature(SECRET, BODY, sign(SECRET, BODY, timestamp=1_000), now=1_000 + 301)


def test_malformed_header_fails() -> None:
    assert not verify_signature(SECRET, BODY, "garbage", now=1_000)
    assert not verify_signature(SECRET, BODY, "t=abc,v1=00", now=1_000)


def test_any_of_several_signatures_verifies() -> None:
    good = sign(SECRET, BODY, timestamp=1_000)
    header = f"t=1000,v1={'0' * 64},{good.split(',')[1]}"
    assert verify_signature(SECRET, BODY, header, now=1_000)
