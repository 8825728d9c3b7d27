"""A simulated month of contact-centre traffic for the demo tenant, through the real services.

Agents have habits (some accept readily, one edits almost everything, one rejects on policy, some are
slow); patterns have a hidden quality (a few are great, a few are weak); customers write the demo pack's
example utterances with noise, plus off-topic messages that make advisor escalate. A suggestion of
another topic than the customer's is rejected as the wrong topic, and most of the time the agent names
the reply they sent instead (a correction, as from the widget's list). Every suggestion and decision is
recorded by the same recommendation and feedback services the API uses.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from advisor.context.models import Channel
from advisor.feedback.models import Action, FeedbackIn, RejectReason
from advisor.feedback.service import record
from advisor.patterns.models import Comparison, PatternSpec
from advisor.ranking.premises import compare
from advisor.ranking.rank import HybridRanker
from advisor.recommendations.models import RecommendationRequest
from advisor.recommendations.service import recommend
from advisor.store.decisions import DecisionLog
from advisor.store.learned import LearnedExampleRepository
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.models import ApiRole, Principal

NAMES = ["Dana", "Lee", "Priya", "Marco", "Aiko", "Sam", "Fatima", "Jonas", "Chloe", "Omar", "Ines", "Ravi"]
OFF_TOPIC = [
    "can you tell me a joke",
    "what's the weather like in Paris tomorrow",
    "do you sell gift cards for the cinema next door",
    "I want to speak to someone about a job opening",
    "asdfgh",
]
NAMES_REPLY_SENT = 0.6
"""How often an agent who rejects a suggestion of the wrong topic names the reply they sent instead."""
OPENERS = ["", "", "", "hi, ", "hello! ", "hey there, "]
CLOSERS = ["", "", "", " please", ", thanks", " - can you help?"]
"""Customers seldom type a pattern's example word for word."""
EDIT_TAILS = [" Have a lovely day!", " Thanks for your patience.", " Let me know if there's anything else."]
EDIT_OPENERS = [("Hi ", "Hello "), ("Hi ", "Hey "), ("good news", "great news"), ("sorry", "so sorry")]


@dataclass(frozen=True)
class Agent:
    """A simulated agent and their habits."""

    agent_id: str
    team_id: str
    eagerness: float  # how readily they take a suggestion as is
    editing: float  # how often they rewrite instead
    policy_strict: float  # extra chance of a policy rejection
    speed_ms: float  # median time to decide
    channels: tuple[Channel, ...]


AGENTS = [
    Agent("agent-demo", "team-care", 0.75, 0.15, 0.0, 4000, (Channel.chat, Channel.messaging)),
    Agent("agent-ana", "team-care", 0.85, 0.08, 0.0, 2500, (Channel.chat,)),
    Agent("agent-ben", "team-care", 0.40, 0.50, 0.0, 9000, (Channel.chat, Channel.email)),
    Agent("agent-cleo", "team-care", 0.70, 0.15, 0.10, 5000, (Channel.email,)),
    Agent("agent-dev", "team-care", 0.65, 0.20, 0.0, 14000, (Channel.voice, Channel.chat)),
    Agent("agent-eva", "team-returns", 0.80, 0.10, 0.0, 3500, (Channel.chat, Channel.messaging)),
    Agent("agent-finn", "team-returns", 0.60, 0.25, 0.02, 6000, (Channel.email, Channel.chat)),
    Agent("agent-gus", "team-returns", 0.55, 0.15, 0.0, 7000, (Channel.voice,)),
]


@dataclass(frozen=True)
class Step:
    """What one simulated interaction runs on: the tenant's ranker, the decision log, a back-dating hook."""

    ranker: HybridRanker
    stamp: int
    log: DecisionLog
    backdate: Callable[[str, datetime], None]


def quality_of(specs: list[PatternSpec], rng: random.Random) -> dict[str, float]:
    """Give each pattern a hidden quality: among the popular ones a few are excellent and a few weak."""
    ids = [s.id for s in specs]
    quality = {pid: rng.uniform(0.6, 0.88) for pid in ids}
    popular = ids[:15]
    for pid in rng.sample(popular[:8], 3):
        quality[pid] = rng.uniform(0.95, 0.99)
    for pid in rng.sample(popular[8:], 3):
        quality[pid] = rng.uniform(0.2, 0.35)
    return quality


def popularity(specs: list[PatternSpec], rng: random.Random) -> list[PatternSpec]:
    """Order patterns by how often customers need them (a few intents make most of the traffic)."""
    ordered = list(specs)
    rng.shuffle(ordered)
    return ordered


def pick(specs: list[PatternSpec], rng: random.Random) -> PatternSpec:
    """Draw a pattern with Zipf-like weights over the popularity order."""
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(specs))]
    return rng.choices(specs, weights=weights, k=1)[0]


def _day(today: date, days: int) -> str:
    """Return the day ``days`` from ``today`` as a CRM shows it, e.g. "Nov 27, 2026"."""
    day = today + timedelta(days=days)
    return f"{day:%b} {day.day}, {day.year}"


def _meeting(slot: str, premise: Comparison, today: date) -> str | None:
    """Return a CRM value that meets ``premise`` (a nearby day, or a count or round amount), or None."""
    if premise.kind == "date":
        candidates = [_day(today, d) for d in (2, -2, 5, -5, 10, -10, 20, -20, 40, -40)]
    else:
        # Small counts first ("charged 2 times"), then round amounts ("€50.00").
        candidates = [str(n) for n in (1, 2, 3)] + [f"€{n}.00" for n in (0, 10, 50, 100, 500, 1000, 5000)]
    return next((v for v in candidates if compare(slot, v, premise, today) is not None), None)


def crm_for(rng: random.Random, at: datetime, spec: PatternSpec) -> dict[str, dict[str, str]]:
    """Return CRM fields for one interaction, dated around ``at``, meeting ``spec``'s premises and required
    facts."""
    today = at.astimezone(UTC).date()
    order = rng.randint(10000, 99999)
    crm = {
        "customer": {
            "first_name": rng.choice(NAMES),
            "email": "customer@example.com",
            "segment": rng.choice(["guest", "silver", "gold", "platinum"]),
        },
        "order": {
            "id": f"A{order}",
            "status": "shipped",
            "carrier": rng.choice(["UPS", "DHL", "FedEx"]),
            "tracking_url": f"https://track.example.com/A{order}",
            "eta": _day(today, 2),
            "shipped_at": _day(today, -2),
            "item": "rain jacket",
            "total": "€89.00",
            "shipping_fee": "€6.95",
            "refund_amount": "€89.00",
            "refund_eta": _day(today, 4),
            "return_deadline": _day(today, 20),
            "purchase_date": _day(today, -6),
            "return_label_url": "https://returns.example.com/label",
            "payment_method": "Visa 4242",
            "tracking_number": f"1Z{order}",
            "shipping_address": "12 Quay Street, Dublin",
        },
        "case": {
            "id": f"C-{order}",
            "promo_code": "WINTER10",
            "subscription_plan": "Plus",
            "subscription_renewal_date": _day(today, 15),
            "amount_due": "€9.99",
            "subscription_charges": "1",
            "promo_code_expires": _day(today, 10),
        },
    }
    # The customer is in the situation the drawn pattern is for: its premises hold in the CRM.
    for slot, premise in spec.eligibility.when.items():
        group, field = slot.split(".", 1)
        current = crm.get(group, {}).get(field)
        if isinstance(premise, Comparison) and current is not None and compare(slot, current, premise, today):
            continue  # the everyday value already meets it (a shipping fee was charged)
        value = premise[0] if isinstance(premise, list) else _meeting(slot, premise, today)
        if group in crm and value is not None:
            crm[group][field] = value
    # And it carries the facts the pattern requires (an account id is on screen only when one is needed,
    # so that the account step is still suggested for the rest).
    for slot in spec.eligibility.requires:
        group, field = slot.split(".", 1)
        if group in crm:
            crm[group].setdefault(field, f"{field.upper()}-{order}")
    return crm


def _utterance(spec: PatternSpec, rng: random.Random) -> str:
    text = rng.choice(spec.examples) if spec.examples else spec.title
    if rng.random() < 0.3:
        text = text.lower()
    return rng.choice(OPENERS) + text + rng.choice(CLOSERS)


def _edit(text: str, rng: random.Random) -> str:
    old, new = rng.choice(EDIT_OPENERS)
    edited = text.replace(old, new, 1) if old in text else text
    return edited + rng.choice(EDIT_TAILS)


def simulate_interaction(
    n: str,
    at: datetime,
    specs: list[PatternSpec],
    quality: dict[str, float],
    rng: random.Random,
    tenant_id: str,
    step: Step,
    focus: PatternSpec | None = None,
) -> str:
    """Serve one interaction and record what the agent did; return what happened ('escalated', …)."""
    agent = rng.choice(AGENTS)
    principal = Principal(
        tenant_id, ApiRole.agent, key_id="demo-simulation", team_id=agent.team_id, agent_id=agent.agent_id
    )
    spec = focus if focus is not None and rng.random() < 0.1 else pick(specs, rng)
    off_topic = rng.random() < 0.07
    text = rng.choice(OFF_TOPIC) if off_topic else _utterance(spec, rng)
    request = RecommendationRequest.model_validate(
        {
            "interaction_id": f"sim-{n}",
            "channel": rng.choice(agent.channels).value,
            "locale": "en-US",
            "agent_id": agent.agent_id,
            "team_id": agent.team_id,
            "turns": [{"role": "customer", "text": text, "at": at.isoformat()}],
            "crm": crm_for(rng, at, spec),
        }
    )
    log = step.log
    response = recommend(request, principal, step.ranker, step.stamp, log)
    step.backdate(response.request_id, at)
    if response.escalate or not response.recommendations:
        return "escalated"
    for rec in response.recommendations:
        _send(log, principal, rec.recommendation_id, f"sim-{n}-{rec.rank}-shown", Action.shown, at)
    top = response.recommendations[0]
    if rng.random() < 0.12:
        return "ignored"
    ttd = int(rng.lognormvariate(0, 0.5) * agent.speed_ms)
    done = at + timedelta(milliseconds=ttd)
    fit = quality.get(top.pattern_id, 0.6)
    roll = rng.random()
    event_id = f"sim-{n}-{top.rank}-decision"

    def decide(action: Action, **details: Any) -> str:
        _send(log, principal, top.recommendation_id, event_id, action, done, ttd, **details)
        return action.value

    if top.risk.value != "low" and rng.random() < agent.policy_strict * 3:  # policy worries: riskier patterns
        return decide(Action.rejected, reason=RejectReason.policy)
    if not off_topic and top.pattern_id != spec.id:  # not what the customer asked about
        used = spec.id if rng.random() < NAMES_REPLY_SENT else None
        return decide(Action.rejected, reason=RejectReason.wrong_intent, used_pattern_id=used)
    if roll < fit * agent.eagerness / 0.75:
        return decide(Action.accepted)
    if roll < fit * agent.eagerness / 0.75 + agent.editing * 0.6 + (1 - fit) * 0.25:
        return decide(Action.edited, final_text=_edit(top.text, rng))
    reason = rng.choice(
        [
            RejectReason.wrong_intent,
            RejectReason.outdated,
            RejectReason.tone,
            RejectReason.missing_info,
            RejectReason.other,
        ]
    )
    return decide(Action.rejected, reason=reason)


def _send(
    log: DecisionLog,
    principal: Principal,
    rec_id: str,
    event_id: str,
    action: Action,
    at: datetime,
    ttd: int | None = None,
    *,
    reason: RejectReason | None = None,
    final_text: str | None = None,
    used_pattern_id: str | None = None,
) -> None:
    record(
        FeedbackIn(
            recommendation_id=rec_id,
            client_event_id=event_id,
            action=action,
            reason=reason,
            final_text=final_text,
            used_pattern_id=used_pattern_id,
            time_to_decision_ms=ttd,
            occurred_at=at,
        ),
        principal,
        log,
        LearnedExampleRepository(log.session),
        WebhookRepository(log.session),
    )


def timeline(days: int, per_day: int, rng: random.Random, end: datetime | None = None) -> list[datetime]:
    """Return interaction times over the last ``days`` days, busier on weekdays and in office hours."""
    end = end or datetime.now(UTC)
    start = (end - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    moments: list[datetime] = []
    for d in range(days):
        day = start + timedelta(days=d)
        count = int(per_day * (0.5 if day.weekday() >= 5 else 1.0) * rng.uniform(0.8, 1.2))
        moments.extend(day + timedelta(hours=rng.triangular(8, 19, 11)) for _ in range(count))
    return sorted(m for m in moments if m < end)
