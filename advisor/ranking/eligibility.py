"""Eligibility rules (channel, locale, segment, required CRM facts, risk policy) applied before ranking."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime

from advisor.context.aliases import lookup
from advisor.context.models import InteractionContext
from advisor.patterns.models import PatternSpec, RiskLevel
from advisor.ranking.premises import compare, one_of, reference_day


@dataclass(frozen=True)
class StagePolicy:
    """Which risk levels a deployment may suggest. Walk: low and medium; high only with review."""

    allowed: frozenset[RiskLevel] = field(
        default_factory=lambda: frozenset({RiskLevel.low, RiskLevel.medium})
    )
    high_with_review: bool = True

    def permits(self, spec: PatternSpec) -> bool:
        """Return whether the policy allows suggesting ``spec``."""
        if spec.risk in self.allowed:
            return True
        return spec.risk is RiskLevel.high and self.high_with_review and spec.requires_review


def customer_segment(context: InteractionContext) -> str | None:
    """Return the customer's segment (``customer.segment`` or an alias such as ``tier``), if any."""
    return lookup(context.slot_values(), "customer.segment")


def locale_matches(allowed: list[str], locale: str) -> bool:
    """Match a locale against allowed tags; ``en`` admits ``en-US``, ``en-US`` only itself."""
    return _locale_matches(tuple(allowed), locale)


@functools.lru_cache(maxsize=1024)
def _locale_matches(allowed: tuple[str, ...], locale: str) -> bool:
    # Every pattern of a library asks the same few questions on every request.
    tag = locale.replace("_", "-").lower()
    return any(tag == a.lower().replace("_", "-") or tag.startswith(a.lower() + "-") for a in allowed)


def check(
    spec: PatternSpec,
    context: InteractionContext,
    slots: dict[str, str],
    policy: StagePolicy,
    *,
    now: datetime | None = None,
) -> list[str] | None:
    """Return the rules that admitted ``spec`` (in words), or None when it is not eligible.

    ``slots`` are the request's values (:meth:`InteractionContext.slot_values`); CRM aliases are
    honoured either way. Relative dates in premises count from ``now`` when given, else from the
    request's latest turn time, else the current UTC time.
    """
    rules = spec.eligibility
    applied: list[str] = []
    if not policy.permits(spec):
        return None
    if rules.channels:
        if context.channel not in rules.channels:
            return None
        applied.append(f"channel {context.channel.value}")
    if rules.locales:
        if not locale_matches(rules.locales, context.locale):
            return None
        applied.append(f"locale {context.locale}")
    if rules.segments:
        segment = lookup(slots, "customer.segment")
        if segment is None or not one_of(segment, rules.segments):
            return None
        applied.append(f"{segment.lower()} customer")
    for slot in rules.requires:
        value = lookup(slots, slot)
        if value is None:
            return None
        applied.append(f"{slot} = {value}")
    today: date | None = None
    for slot, premise in rules.when.items():
        value = lookup(slots, slot)
        if value is None:
            return None
        if isinstance(premise, list):
            if not one_of(value, premise):
                return None
            applied.append(f"{slot} is {value}")
            continue
        if today is None:
            today = reference_day(context, now)
        words = compare(slot, value, premise, today)
        if words is None:
            return None
        applied.append(words)
    if spec.risk is RiskLevel.high:
        applied.append("high risk: review before sending")
    return applied
