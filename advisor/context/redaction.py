"""PII redaction for text that leaves the process (webhooks, LLM prompts) or reaches a log.

Replaces e-mail addresses, payment card numbers (Luhn-checked), phone numbers, IBANs and long
digit runs with typed markers such as ``[EMAIL]``. It is a pattern-based safety net, not a
guarantee: names and street addresses in free text are not detected.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{6,}\d(?!\w)")
LONG_DIGITS = re.compile(r"\b\d{9,}\b")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    if ISO_DATE.fullmatch(found.strip()) or sum(ch.isdigit() for ch in found) < 8:
        return found
    return "[PHONE]"


def redact(text: str) -> str:
    """Return ``text`` with e-mails, card numbers, IBANs, phone numbers and long digit runs masked."""
    text = EMAIL.sub("[EMAIL]", text)
    text = CARD.sub(_card, text)
    text = IBAN.sub("[IBAN]", text)
    text = PHONE.sub(_phone, text)
    return LONG_DIGITS.sub("[NUMBER]", text)
