"""Acceptance tallies: each agent's weight is capped, folding is incremental, and the ranker's use of
them moves confidence towards what agents did without ever adding a candidate."""

from __future__ import annotations

from advisor.feedback.acceptance import AGENT_CAP, AcceptanceBook
from advisor.ranking.acceptance import PRIOR_DECISIONS, Tally, exploration, phrase, posterior
from advisor.store.decisions import Decision

KIND = ("lost_package", 1, "missing_package", "chat")


def decision(n: int, agent: str, action: str = "accepted", reason: str | None = None) -> Decision:
    pattern_id, version, intent, channel = KIND
    return Decision(n, pattern_id, version, intent, channel, agent, action, reason)


def test_one_agent_accepting_everything_counts_as_at_most_the_cap() -> None:
    book = AcceptanceBook()
    book.fold(decision(n, "keen") for n in range(1, 501))
    tally = book.tally(*KIND)
    assert tally is not None
    assert (tally.decisions, tally.taken) == (AGENT_CAP, AGENT_CAP)


def test_a_team_outweighs_one_agent() -> None:
    book = AcceptanceBook()
    book.fold(decision(n, "keen") for n in range(1, 201))
    book.fold(decision(1000 + n, f"agent-{n % 3}", "rejected", "wrong_intent") for n in range(60))
    tally = book.tally(*KIND)
    assert tally is not None
    assert tally.rate < 0.3
    assert tally.wrong_intent == 3 * AGENT_CAP


def test_folding_is_incremental_and_skips_what_it_has_seen() -> None:
    book = AcceptanceBook()
    book.fold([decision(1, "a"), decision(2, "b", "rejected", "tone")])
    book.fold([decision(2, "b", "rejected", "tone"), decision(3, "c", "edited")])
    tally = book.tally(*KIND)
    assert tally is not None
    assert (tally.decisions, tally.taken, book.cursor) == (3, 2, 3)
    assert book.tally("lost_package", 2, "missing_package", "chat") is None  # a new version starts fresh


def test_confidence_moves_towards_decisions_and_a_new_pattern_keeps_its_own() -> None:
    assert posterior(0.7, None) == 0.7
    rejected = Tally(decisions=PRIOR_DECISIONS, taken=0.0)
    accepted = Tally(decisions=PRIOR_DECISIONS, taken=PRIOR_DECISIONS)
    assert posterior(0.7, rejected) == 0.35
    assert posterior(0.7, accepted) == 0.85
    assert exploration(None) > exploration(Tally(decisions=5, taken=5)) > exploration(accepted) == 0.0
    assert phrase(Tally(decisions=2, taken=2)) is None
    assert phrase(Tally(decisions=50, taken=41)) == (
        "accepted 82% of the time by your agents for requests like this (50 decisions)"
    )


class NoNewDecisions:
    """A decision log with nothing new (the book's only use of it)."""

    def decisions_after(self, tenant_id: str, cursor: int, limit: int) -> list[Decision]:
        return []


def test_a_book_is_due_for_new_decisions_every_refresh_interval() -> None:
    book = AcceptanceBook(refresh_s=2.0)
    assert book.due(now=100.0)  # never refreshed
    book.refresh("acme", NoNewDecisions(), now=100.0)  # type: ignore[arg-type]
    assert not book.due(now=101.9)
    assert book.due(now=102.0)
