"""Lint a pattern version before review: slots, examples, channel length and near-duplicates."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel
from rapidfuzz import fuzz

from advisor.context.aliases import CANONICAL
from advisor.context.models import Channel
from advisor.context.slots import SLOT_CATALOGUE
from advisor.patterns.models import SLOT_RE, PatternSpec

MIN_EXAMPLES = 3
CHANNEL_LIMITS: dict[Channel, int] = {Channel.messaging: 320}
NEAR_DUPLICATE = 0.85
# A balanced pair of braces, or a brace left on its own (e.g. "{customer.first_name" or "…}}").
BRACES_RE = re.compile(r"\{[^{}]*\}|[{}]")


class Severity(StrEnum):
    """Errors block submission for review; warnings are shown and do not."""

    error = "error"
    warning = "warning"


class Finding(BaseModel):
    """One lint finding: which rule, where, and what to do."""

    code: str
    severity: Severity
    field: str
    message: str
    similar_to: str | None = None
    similarity: float | None = None


def _normalise(text: str) -> str:
    return " ".join(SLOT_RE.sub("{}", text.lower()).split())


def _alias_hint(slot: str) -> str:
    canonical = CANONICAL.get(slot)
    return f"; it is an alias of {canonical}: write {canonical}" if canonical else ""


def _error(code: str, field: str, message: str) -> Finding:
    return Finding(code=code, severity=Severity.error, field=field, message=message)


def _warning(code: str, field: str, message: str, similar_to: str | None = None) -> Finding:
    return Finding(code=code, severity=Severity.warning, field=field, message=message, similar_to=similar_to)


def _braces(body: str) -> list[str]:
    """Each pair of braces in ``body`` and each brace without its partner, in order."""
    return [m.group() for m in BRACES_RE.finditer(body)]


def _around(body: str, brace: str) -> str:
    """The word holding the first unbalanced ``brace`` of ``body``, so the author can find it."""
    for match in BRACES_RE.finditer(body):
        if match.group() == brace:
            start = body.rfind(" ", 0, match.start()) + 1
            end = body.find(" ", match.end())
            return body[start : end if end >= 0 else len(body)]
    return brace


def _slots(spec: PatternSpec) -> list[Finding]:
    findings: list[Finding] = []
    for text in dict.fromkeys(_braces(spec.body)):
        slot = text[1:-1].strip()
        if not SLOT_RE.fullmatch(text):
            what = f"unbalanced '{text}' in '{_around(spec.body, text)}'" if len(text) == 1 else f"'{text}'"
            message = f"{what} is not a slot: write {{group.field}}, e.g. {{order.id}}"
            findings.append(_error("malformed-slot", "body", message))
        elif slot not in SLOT_CATALOGUE:
            message = f"slot {{{slot}}} is not in the context schema (see advisor/context/slots.py)"
            findings.append(_error("unknown-slot", "body", message + _alias_hint(slot)))
    conditions = [("eligibility.requires", s) for s in spec.eligibility.requires]
    conditions += [("collects", s) for s in spec.collects]
    conditions += [("eligibility.when", s) for s in spec.eligibility.when]
    for field, slot in conditions:
        if slot not in SLOT_CATALOGUE:
            message = f"required fact {slot} is not in the context schema" + _alias_hint(slot)
            findings.append(_error("unknown-slot", field, message))
    for slot, premise in spec.eligibility.when.items():
        if isinstance(premise, list) and not premise:
            message = f"{slot} lists no allowed value, so the pattern could never be suggested"
            findings.append(_error("empty-premise", "eligibility.when", message))
    return findings


def _examples(spec: PatternSpec) -> list[Finding]:
    if not spec.examples:
        return [
            Finding(
                code="no-examples",
                severity=Severity.error,
                field="examples",
                message="add example customer utterances; without any the pattern cannot match",
            )
        ]
    if len(spec.examples) < MIN_EXAMPLES:
        return [
            Finding(
                code="few-examples",
                severity=Severity.warning,
                field="examples",
                message=f"{len(spec.examples)} example(s); {MIN_EXAMPLES} or more match more reliably",
            )
        ]
    return []


def _length(spec: PatternSpec) -> list[Finding]:
    findings: list[Finding] = []
    for channel, limit in CHANNEL_LIMITS.items():
        if len(spec.body) <= limit:
            continue
        if channel in spec.eligibility.channels:
            findings.append(
                Finding(
                    code="too-long-for-channel",
                    severity=Severity.error,
                    field="body",
                    message=f"body has {len(spec.body)} characters; {channel.value} allows {limit}",
                )
            )
        elif not spec.eligibility.channels:
            findings.append(
                Finding(
                    code="too-long-for-channel",
                    severity=Severity.warning,
                    field="eligibility.channels",
                    message=f"body has {len(spec.body)} characters, over the {limit} of {channel.value}; "
                    f"restrict eligibility.channels or shorten it",
                )
            )
    return findings


def _duplicates(spec: PatternSpec, others: Iterable[PatternSpec]) -> list[Finding]:
    mine = _normalise(spec.body)
    my_examples = {" ".join(e.lower().split()) for e in spec.examples}
    best: tuple[float, str] | None = None
    shared: dict[str, str] = {}
    for other in others:
        if other.id == spec.id:
            continue
        score = fuzz.ratio(mine, _normalise(other.body)) / 100.0
        if score >= NEAR_DUPLICATE and (best is None or score > best[0]):
            best = (score, f"{other.id}@v{other.version}")
        for example in other.examples:
            key = " ".join(example.lower().split())
            if key in my_examples and key not in shared:
                shared[key] = other.id
    findings: list[Finding] = []
    if best is not None:
        findings.append(
            Finding(
                code="near-duplicate",
                severity=Severity.warning,
                field="body",
                message=f"body is {best[0]:.0%} similar to {best[1]}; merge them or make the difference clear"
                if best[0] < 1
                else f"body is identical to {best[1]}",
                similar_to=best[1],
                similarity=round(best[0], 3),
            )
        )
    for example, other_id in shared.items():
        findings.append(
            Finding(
                code="shared-example",
                severity=Severity.warning,
                field="examples",
                message=f"example '{example}' also triggers {other_id}",
                similar_to=other_id,
                similarity=1.0,
            )
        )
    return findings


def _flows(spec: PatternSpec, others: Iterable[PatternSpec]) -> list[Finding]:
    """Warn when a flow skips a step before this one, or when another pattern holds the same step
    with the same eligibility (nothing then tells the two apart; alternatives must differ in eligibility)."""
    if not spec.flows:
        return []
    holders: dict[tuple[str, int], list[PatternSpec]] = {}
    for other in others:
        if other.id == spec.id:
            continue
        for place in other.flows:
            holders.setdefault((place.name, place.step), []).append(other)
    findings: list[Finding] = []
    for place in spec.flows:
        # Only the step right after a gap warns, so one gap gives one warning.
        if place.step > 1 and (place.name, place.step - 1) not in holders:
            message = f"flow {place.name} has no step {place.step - 1} before step {place.step}"
            findings.append(_warning("flow-gap", "flows", message))
        for other in holders.get((place.name, place.step), []):
            if other.eligibility == spec.eligibility:
                message = (
                    f"{other.id} is also step {place.step} of {place.name} with the same "
                    "eligibility; renumber one or make their eligibility differ"
                )
                findings.append(
                    _warning(
                        "duplicate-flow-step", "flows", message, similar_to=f"{other.id}@v{other.version}"
                    )
                )
    return findings


def lint(spec: PatternSpec, others: Iterable[PatternSpec] = ()) -> list[Finding]:
    """Return every finding for ``spec``, errors first; ``others`` are the patterns it must not duplicate."""
    others = list(others)
    findings = (
        _slots(spec) + _examples(spec) + _length(spec) + _duplicates(spec, others) + _flows(spec, others)
    )
    return sorted(findings, key=lambda f: f.severity is not Severity.error)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    """Return the findings that block submission."""
    return [f for f in findings if f.severity is Severity.error]
