"""Eligibility rules (channel, locale, segment, required CRM facts, risk policy) applied before ranking."""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.context.models import InteractionContext
from advisor.patterns.models import PatternSpec, RiskLevel

SEGMENT_KEYS = ("segment", "member_level", "tier")


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
    """Return the customer's segment from the CRM fields, if any."""
    for key in SEGMENT_KEYS:
        value = context.crm.customer.get(key)
        if value not in (None, ""):
            return str(value).lower()
    return None


def locale_matches(allowed: list[str], locale: str) -> bool:
    """Match a locale against allowed tags; ``en`` admits ``en-US``, ``en-US`` only itself."""
    tag = locale.replace("_", "-").lower()
    return any(tag == a.lower().replace("_", "-") or tag.startswith(a.lower() + "-") for a in allowed)


def check(
    spec: PatternSpec, context: InteractionContext, slots: dict[str, str], policy: StagePolicy
) -> list[str] | None:
    """Return the rules that admitted ``spec`` (in words), or None when it is not eligible."""
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
        segment = customer_segment(context)
        if segment is None or segment not in {s.lower() for s in rules.segments}:
            return None
        applied.append(f"{segment} customer")
    for slot in rules.requires:
        if slot not in slots:
            return None
        applied.append(f"{slot} = {slots[slot]}")
    for slot, allowed in rules.when.items():
        value = slots.get(slot)
        if value is None or value.lower() not in {a.lower() for a in allowed}:
            return None
        applied.append(f"{slot} is {value}")
    if spec.risk is RiskLevel.high:
        applied.append("high risk: review before sending")
    return applied
