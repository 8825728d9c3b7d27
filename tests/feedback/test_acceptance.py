"""Acceptance tallies: each agent's weight is capped, folding is incremental and counts each decision
once even when transactions commit out of id order, and the ranker's use of them moves confidence
towards what agents did without ever adding a candidate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from advisor.feedback.acceptance import AGENT_CAP, LATE_S, AcceptanceBook
from advisor.ranking.acceptance import PRIOR_DECISIONS, Tally, exploration, phrase, posterior
from advisor.store.decisions import CHUNK, Decision, DecisionLog
from advisor.store.engine import Engine, make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.utc import utcnow
from tests.builders import seed_tenants
from tests.conftest import Database, _postgres_schema
from tests.metrics.factory import INTENTS, EventFactory

KIND = ("lost_package", 1, "missing_package", "chat")
LONG_AGO = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def decision(
    n: int, agent: str, action: str = "accepted", reason: str | None = None, at: datetime = LONG_AGO
) -> Decision:
    pattern_id, version, intent, channel = KIND
    return Decision(n, pattern_id, version, intent, channel, agent, action, reason, at)


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


def counts(tally: Tally | None) -> tuple[float, float]:
    """Return (decisions, taken) of a tally (0, 0 for none)."""
    return (0.0, 0.0) if tally is None else (tally.decisions, tally.taken)


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


def test_a_decision_committed_late_is_counted_once_and_then_settled() -> None:
    t = LONG_AGO
    book = AcceptanceBook()
    book.fold([decision(105, "b", "rejected", "tone", at=t)], read_at=t)  # 104's transaction is open
    assert (book.cursor, counts(book.tally(*KIND))) == (0, (1, 0))  # 105 is re-read, 104 may still come
    late = decision(104, "a", at=t)
    book.fold([late, decision(105, "b", "rejected", "tone", at=t)], read_at=t + timedelta(seconds=1))
    assert (book.cursor, counts(book.tally(*KIND))) == (0, (2, 1))
    book.fold([late, decision(105, "b", "rejected", "tone", at=t)], read_at=t + timedelta(seconds=LATE_S))
    assert (book.cursor, counts(book.tally(*KIND))) == (105, (2, 1))  # both settled: reads start above
    book.fold([late, decision(106, "c", "edited", at=t)], read_at=t + timedelta(seconds=LATE_S))
    assert counts(book.tally(*KIND)) == (3, 2)


def test_a_read_cut_by_its_limit_settles_nothing_it_did_not_re_read() -> None:
    book = AcceptanceBook()
    book.fold([decision(1, "a"), decision(5, "b")], read_at=LONG_AGO)
    assert book.cursor == 0  # neither is older than the bound when read
    # A read cut at 3 (its limit) checked nothing between 3 and 5: 4 may still commit.
    book.fold([decision(1, "a"), decision(3, "c")], read_at=LONG_AGO + timedelta(seconds=LATE_S))
    assert book.cursor == 3
    book.fold([decision(4, "d"), decision(5, "b")], read_at=LONG_AGO + timedelta(seconds=LATE_S))
    assert (book.cursor, counts(book.tally(*KIND))) == (5, (4, 4))


class MemoryLog:
    """A decision log in memory: ``committed`` is what a read sees; counts the whole rows it returns."""

    def __init__(self) -> None:
        self.committed: list[Decision] = []
        self.rows_read = 0

    def decisions_after(self, tenant_id: str, after_id: int, limit: int) -> list[Decision]:
        found = sorted(d for d in self.committed if d.id > after_id)[:limit]
        self.rows_read += len(found)
        return found

    def decision_ids(self, tenant_id: str, after_id: int, up_to: int) -> list[int]:
        return sorted(d.id for d in self.committed if after_id < d.id <= up_to)

    def decisions_by_id(self, tenant_id: str, ids: list[int]) -> list[Decision]:
        found = sorted(d for d in self.committed if d.id in ids)
        self.rows_read += len(found)
        return found


def test_a_refresh_reads_whole_rows_only_for_decisions_it_has_not_counted() -> None:
    book, log = AcceptanceBook(refresh_s=0.0), MemoryLog()
    log.committed = [decision(105, "b", "rejected", "tone", at=utcnow())]
    book.refresh("acme", log)  # type: ignore[arg-type]
    book.refresh("acme", log)  # type: ignore[arg-type]
    assert (log.rows_read, counts(book.tally(*KIND))) == (1, (1, 0))
    log.committed.append(decision(104, "a", at=utcnow()))  # its transaction commits after 105's
    book.refresh("acme", log)  # type: ignore[arg-type]
    book.refresh("acme", log)  # type: ignore[arg-type]
    assert (log.rows_read, counts(book.tally(*KIND))) == (2, (2, 1))
    assert book.cursor == 0  # both are younger than the bound: still re-read (as ids)


# The book on a real store: transactions that commit out of id order.


@pytest.fixture
def store(database: Database) -> Iterator[Engine]:
    """A migrated store with the tenants and the test pack approved."""
    engine = make_engine(database.url)
    upgrade(engine)
    seed_tenants(database.url)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres() -> Iterator[Engine]:
    """A migrated PostgreSQL store with the tenants and the test pack approved."""
    for database in _postgres_schema():
        engine = make_engine(database.url)
        upgrade(engine)
        seed_tenants(database.url)
        yield engine
        engine.dispose()


STORED = ("lost_package", 1, INTENTS["lost_package"], "chat")
"""The kind of the decisions ``EventFactory`` stores by default."""


Writers = Callable[[Engine], EventFactory]


@pytest.fixture
def writers() -> Iterator[Writers]:
    """Open writers, each on a connection of its own (its transaction stays open until it commits);
    whatever a failed test left open is rolled back, so that the PostgreSQL schema can be dropped."""
    opened: list[EventFactory] = []

    def open_writer(engine: Engine) -> EventFactory:
        opened.append(EventFactory(engine.url.render_as_string(hide_password=False)))
        return opened[-1]

    yield open_writer
    for factory in opened:
        factory.session.close()
        factory.engine.dispose()


def refreshed(book: AcceptanceBook, engine: Engine) -> Tally | None:
    """Refresh the book from the store in a transaction of its own; return the tally of ``STORED``."""
    with make_sessionmaker(engine)() as session:
        book.refresh("acme", DecisionLog(session))
    return book.tally(*STORED)


def test_a_decision_that_appears_below_the_cursor_is_folded_once(store: Engine, writers: Writers) -> None:
    """What a transaction committing late looks like to a reader, on either engine."""
    book = AcceptanceBook(refresh_s=0.0)
    w = writers(store)
    w.event(w.suggestion(agent="agent-b"), "rejected", reason="tone", received_at=utcnow(), event_id=1002)
    w.session.commit()
    assert counts(refreshed(book, store)) == (1, 0)
    w.event(w.suggestion(agent="agent-a"), "accepted", received_at=utcnow(), event_id=1001)
    w.session.commit()
    assert counts(refreshed(book, store)) == (2, 1)
    assert counts(refreshed(book, store)) == (2, 1)


@pytest.mark.postgres
def test_transactions_committing_out_of_id_order_are_each_folded_once(
    postgres: Engine, writers: Writers
) -> None:
    book = AcceptanceBook(refresh_s=0.0)
    a, b = writers(postgres), writers(postgres)
    first = a.event(a.suggestion(agent="agent-a"), "accepted", received_at=utcnow())  # not committed
    second = b.event(b.suggestion(agent="agent-b"), "rejected", reason="tone", received_at=utcnow())
    b.session.commit()
    assert first < second
    assert counts(refreshed(book, postgres)) == (1, 0)  # only the later id is committed
    a.session.commit()
    assert counts(refreshed(book, postgres)) == (2, 1)
    assert counts(refreshed(book, postgres)) == (2, 1)


@pytest.mark.parametrize("late_s", [0.0, LATE_S], ids=["settled", "in-the-window"])
def test_a_re_read_never_double_counts(store: Engine, writers: Writers, late_s: float) -> None:
    book = AcceptanceBook(refresh_s=0.0, late_s=late_s)
    w = writers(store)
    for agent, action in [("agent-a", "accepted"), ("agent-b", "edited"), ("agent-c", "rejected")]:
        w.event(w.suggestion(agent=agent), action, received_at=utcnow())
    w.close()
    assert counts(refreshed(book, store)) == (3, 2)
    assert counts(refreshed(book, store)) == (3, 2)
    assert counts(refreshed(book, store)) == (3, 2)


def test_the_window_reads_only_the_tenants_decisions_over_several_chunks(
    store: Engine, writers: Writers
) -> None:
    w = writers(store)
    rec = w.suggestion()
    w.event(rec, "shown", received_at=utcnow())
    ids = [w.event(rec, "accepted", received_at=utcnow()) for _ in range(CHUNK + 5)]
    w.close()
    with make_sessionmaker(store)() as session:
        log = DecisionLog(session)
        assert sorted(log.decision_ids("acme", ids[0], ids[-1])) == ids[1:]
        assert [d.id for d in log.decisions_by_id("acme", [*reversed(ids), ids[0] - 1])] == ids
        assert log.decisions_by_id("globex", ids) == []
