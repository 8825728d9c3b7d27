"""The stamps in memory: a copy that is merely old may be used (and is re-read in the background); after
a change committed here nobody uses it until a read that follows the change; a poll interval of 0 means
a read on every request."""

from __future__ import annotations

from pathlib import Path

from advisor.store import Session, sessionmaker
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.stamps import StoreStamps, mark_changed


def read(factory: sessionmaker[Session], stamps: StoreStamps) -> None:
    with factory() as session:
        stamps.refresh(session)


def test_an_old_copy_is_usable_but_never_after_a_change_made_here(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'advisor.db'}")
    upgrade(engine)
    factory = make_sessionmaker(engine)
    stamps = StoreStamps(factory, poll_s=1e-9)  # every copy is old at once
    try:
        assert not stamps.usable()  # never read: nothing to fall back on
        read(factory, stamps)
        assert not stamps.fresh()
        assert stamps.usable()  # merely old: served from memory, re-read in the background
        with factory() as session, session.begin():
            mark_changed(session)  # a change committed through this process
        assert not stamps.usable()  # every request waits for a read after the change
        read(factory, stamps)
        assert stamps.usable()
    finally:
        stamps.close(factory)
        engine.dispose()


def test_a_poll_interval_of_zero_reads_on_every_request(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'advisor.db'}")
    upgrade(engine)
    factory = make_sessionmaker(engine)
    stamps = StoreStamps(factory, poll_s=0.0)
    try:
        read(factory, stamps)
        assert not stamps.usable()
    finally:
        stamps.close(factory)
        engine.dispose()
