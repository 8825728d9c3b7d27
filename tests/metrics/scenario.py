"""A small, fully known month of decisions for the acme and globex tenants (numbers asserted in tests)."""

from __future__ import annotations

from datetime import timedelta

from tests.metrics.factory import T0, TEXT, EventFactory

EDIT_48_TO_24 = TEXT.replace("48 hours", "24 hours")
EDIT_SORRY = TEXT.replace("I'm sorry, Dana.", "So sorry about this, Dana!")


def seed_scenario(url: str) -> None:
    """Seed acme (team-a: agent-1, agent-2; team-b: agent-3) and globex (agent-g)."""
    f = EventFactory(url, "acme")
    f.add_version("lost_package", 2)
    f.add_version("lost_package_short", 1, intent="lost_package")
    # agent-1, week 1, chat: 6 accepted, 2 edited, 1 rejected (tone), 1 ignored.
    for i in range(6):
        f.decided("accepted", at=T0 + timedelta(hours=i), ttd_ms=1000 * (i + 1))
    f.decided("edited", at=T0, final_text=EDIT_48_TO_24, ttd_ms=9000)
    f.decided("edited", at=T0, final_text=EDIT_48_TO_24, ttd_ms=10000)
    f.decided("rejected", at=T0, reason="tone", ttd_ms=2000)
    f.decided("ignored", at=T0)
    # agent-2, week 1: 1 accepted, 1 edited, 3 rejected (1 policy, 2 wrong_intent: both naming the reply
    # sent instead, refund_status), on email.
    a2, email = "agent-2", "email"
    f.decided("accepted", at=T0, agent=a2, channel=email)
    f.decided("edited", at=T0, final_text=EDIT_SORRY, agent=a2, channel=email)
    f.decided("rejected", at=T0, reason="policy", agent=a2, channel=email)
    for _ in range(2):
        f.decided(
            "rejected",
            at=T0,
            reason="wrong_intent",
            agent=a2,
            channel=email,
            used_pattern_id="refund_status",
        )
    # agent-1 also uses a rival pattern for the same intent twice (choice consistency).
    for _ in range(2):
        f.decided("accepted", at=T0, pattern="lost_package_short")
    # team-b agent-3: refund_status 8 accepted (ready at low thresholds).
    for _ in range(8):
        f.decided("accepted", at=T0, pattern="refund_status", agent="agent-3", team="team-b", ttd_ms=3000)
    # week 2: lost_package v2 goes live; agent-1: 1 accepted, 19 rejected (drift and a worse version).
    week2 = T0 + timedelta(days=7)
    for i in range(20):
        action, reason = ("accepted", None) if i < 1 else ("rejected", "outdated")
        f.decided(action, at=week2, version=2, reason=reason)
    # coverage: one escalated interaction whose top candidate was refund_status, one with no candidate.
    f.request(at=T0, escalate=True, candidates=[{"pattern_id": "refund_status", "version": 1}])
    f.request(at=T0, escalate=True, channel="voice")
    f.close()

    g = EventFactory(url, "globex")
    for i in range(3):  # the first names the reply sent instead
        used = "refund_status" if i == 0 else None
        g.decided("rejected", at=T0, agent="agent-g", team="team-g", reason="other", used_pattern_id=used)
    g.close()
