"""Group commit: callers queued while a batch is written form the next batch, each caller is answered
only after its batch committed, and a batch that fails is written again one item at a time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError

from advisor.store import Session
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.groupcommit import GroupCommitter

metadata = MetaData()
items = Table(
    "items", metadata, Column("id", Integer, primary_key=True), Column("name", String(20), unique=True)
)


class Refused(Exception):
    """A business refusal of one item (what a 404 is for feedback)."""


class Store:
    """A SQLite file with one table, and a record of the batches ``work`` was given."""

    def __init__(self, path: Path) -> None:
        self.engine = make_engine(f"sqlite:///{path / 'items.db'}")
        metadata.create_all(self.engine)
        self.factory = make_sessionmaker(self.engine)
        self.batches: list[list[str]] = []
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()

    def work(self, session: Session, names: Sequence[str]) -> list[int | BaseException]:
        self.batches.append(list(names))
        self.entered.set()
        self.release.wait(timeout=60)
        outcomes: list[int | BaseException] = []
        for name in names:
            if name.startswith("refused"):
                outcomes.append(Refused(name))
                continue
            outcomes.append(
                int(session.execute(insert(items).values(name=name).returning(items.c.id)).scalar_one())
            )
        return outcomes

    def single(self, session: Session, name: str) -> int:
        outcome = self.work(session, [name])[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def stored(self) -> list[str]:
        with self.factory() as session:
            return sorted(session.scalars(select(items.c.name)))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path)


def committer(store: Store) -> GroupCommitter[str, int]:
    return GroupCommitter(store.factory, store.work, store.single, name="test-committer")


async def test_callers_queued_during_a_batch_share_the_next(store: Store) -> None:
    writer = committer(store)
    store.release.clear()
    first = asyncio.ensure_future(writer.submit("a"))
    await asyncio.to_thread(store.entered.wait, 60)  # the writer holds a batch of one, not committed
    rest = [asyncio.ensure_future(writer.submit(name)) for name in ("b", "c", "d")]
    await asyncio.sleep(0)  # the three are queued
    assert not first.done()  # nobody is answered before the batch commits
    store.release.set()
    ids = [await first, *[await task for task in rest]]
    writer.close()
    assert store.batches == [["a"], ["b", "c", "d"]]
    assert len(set(ids)) == 4
    assert store.stored() == ["a", "b", "c", "d"]


async def behind_a(writer: GroupCommitter[str, int], store: Store, names: tuple[str, ...]) -> list[object]:
    """Submit "a" and hold its commit while ``names`` queue behind it, then let both batches commit;
    return every caller's result or error ("a" first)."""
    store.release.clear()
    store.entered.clear()
    first = asyncio.ensure_future(writer.submit("a"))
    await asyncio.to_thread(store.entered.wait, 60)
    rest = [asyncio.ensure_future(writer.submit(name)) for name in names]
    await asyncio.sleep(0)
    store.release.set()
    return await asyncio.gather(first, *rest, return_exceptions=True)


async def test_a_refused_item_fails_alone(store: Store) -> None:
    writer = committer(store)
    results = await behind_a(writer, store, ("b", "refused-1", "c"))
    writer.close()
    assert isinstance(results[2], Refused)
    assert all(isinstance(r, int) for i, r in enumerate(results) if i != 2)
    assert store.batches == [["a"], ["b", "refused-1", "c"]]  # one transaction for the three
    assert store.stored() == ["a", "b", "c"]


async def test_a_batch_that_breaks_a_constraint_is_written_one_by_one(store: Store) -> None:
    """A duplicate name breaks the batch's transaction: nothing of it is kept, each item is tried alone,
    and only the offending caller gets the error; nobody was answered before a commit."""
    writer = committer(store)
    await writer.submit("taken")
    results = await behind_a(writer, store, ("b", "taken", "c"))
    writer.close()
    assert isinstance(results[2], IntegrityError)
    assert all(isinstance(r, int) for i, r in enumerate(results) if i != 2)
    assert ["b", "taken", "c"] in store.batches  # the batch was tried whole first
    assert store.batches[-3:] == [["b"], ["taken"], ["c"]]  # then one item per transaction
    assert store.stored() == ["a", "b", "c", "taken"]


async def test_close_writes_what_is_queued_and_refuses_more(store: Store) -> None:
    writer = committer(store)
    store.release.clear()
    first = asyncio.ensure_future(writer.submit("a"))
    await asyncio.to_thread(store.entered.wait, 60)
    second = asyncio.ensure_future(writer.submit("b"))
    await asyncio.sleep(0)
    store.release.set()
    await asyncio.to_thread(writer.close)
    assert store.stored() == ["a", "b"]
    assert isinstance(await first, int)
    assert isinstance(await second, int)
    with pytest.raises(RuntimeError, match="closed"):
        await writer.submit("c")
