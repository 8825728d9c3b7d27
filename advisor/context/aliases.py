"""The one table of CRM field aliases: other names CRMs use for a canonical slot.

A CRM may call the loyalty segment ``member_level`` or ``tier``; a pattern always says
``customer.segment``. :func:`resolve` fills each canonical slot from its first alias present,
so eligibility (``segments``, ``requires``, ``when``) and slot rendering see one name. A
canonical key sent by the CRM always wins over an alias, and values are only ever copied from
the request: an alias never invents a value.
"""

from __future__ import annotations

from collections.abc import Mapping

ALIASES: dict[str, tuple[str, ...]] = {
    "customer.segment": ("customer.member_level", "customer.tier"),
    "order.id": ("order.order_id",),
    "case.id": ("case.case_id",),
}
"""Canonical slot → the CRM field names that mean the same, in order of preference."""

CANONICAL: dict[str, str] = {alias: slot for slot, names in ALIASES.items() for alias in names}
"""Alias → its canonical slot (for lint messages)."""


def lookup(values: Mapping[str, str], slot: str) -> str | None:
    """Return the value of ``slot``, or of its first alias present; None when none is."""
    value = values.get(slot)
    if value is not None:
        return value
    for alias in ALIASES.get(slot, ()):
        value = values.get(alias)
        if value is not None:
            return value
    return None


def resolve(values: Mapping[str, str]) -> dict[str, str]:
    """Return ``values`` with each canonical slot filled from its aliases where it is missing."""
    resolved = dict(values)
    for slot in ALIASES:
        if slot not in resolved:
            value = lookup(values, slot)
            if value is not None:
                resolved[slot] = value
    return resolved
