"""API keys verified from memory: a key found once is trusted from a per-process cache until the store's
key version moves (a revocation or rotation anywhere reaches every process within the stamp poll interval).

Only keys that were found are kept, so a flood of unknown keys cannot grow the cache; it is bounded anyway.
"""

from __future__ import annotations

from advisor.store import Session, sessionmaker
from advisor.store.stamps import StoreStamps
from advisor.store.tenancy import TenancyRepository, hash_key
from advisor.tenancy.models import Principal
from advisor.tenancy.service import authenticate


class KeyCache:
    """Principals by key hash, each tagged with the key version it was read at."""

    def __init__(self, factory: sessionmaker[Session], stamps: StoreStamps, max_keys: int = 10_000) -> None:
        self._factory = factory
        self._stamps = stamps
        self._max_keys = max_keys
        self._principals: dict[str, tuple[tuple[int, int], Principal]] = {}

    def cached(self, secret: str) -> Principal | None:
        """Return the key's principal from memory, or None when the store must be asked.

        A copy that is merely old is used as it is while the stamps are re-read in the background
        (``StoreStamps.usable``): requests no longer each go to a thread whenever a read is due.
        """
        if not self._stamps.usable():
            return None
        entry = self._principals.get(hash_key(secret))
        if entry is None or entry[0] != self._stamps.keys_version:
            return None
        return entry[1]

    def load(self, secret: str | None) -> Principal:
        """Authenticate against the store (blocking: call it in a worker thread) and remember the result."""
        with self._factory() as session, session.begin():
            self._stamps.refresh(session)
            version = self._stamps.keys_version
            principal = authenticate(secret, TenancyRepository(session))
        if len(self._principals) >= self._max_keys:
            self._principals.clear()
        self._principals[hash_key(secret or "")] = (version, principal)
        return principal
