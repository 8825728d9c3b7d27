"""The stamps in memory: fresh after a read; when merely old, usable while another request re-reads them
(one read at a time); after a change committed here, usable by nobody until a read that follows it."""

from __future__ import annotations

from pathlib import Path

from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.stamps import StoreStamps, mark_changed


def test_an_old_copy_is_used_only_while_another_request_reads_and_never_after_a_change_here(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'advisor.db'}")
    upgrade(engine)
    factory = make_sessionmaker(engine)
    stamps = StoreStamps(factory, poll_s=0.0)  # every copy is old at once
    try:
        assert not stamps.usable()  # never read
        stamps.reading += 1
        assert not stamps.usable()  # nothing read yet to fall back on
        stamps.reading -= 1
        with factory() as session:
            stamps.refresh(session)
        assert not stamps.fresh()
        assert not stamps.usable()  # old, and nobody is re-reading: this request reads
        stamps.reading += 1
        assert stamps.usable()  # old, another request is re-reading: use it as it is
        with factory() as session, session.begin():
            mark_changed(session)  # a change committed through this process
        assert not stamps.usable()  # every request waits for a read after the change
        stamps.reading -= 1
        with factory() as session:
            stamps.refresh(session)
        stamps.reading += 1
        assert stamps.usable()
    finally:
        stamps.close(factory)
        engine.dispose()
