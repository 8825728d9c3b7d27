"""Per-key rate limits (off by default): a moving window per API key, in memory or in Redis."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from advisor.errors import RateLimited
from advisor.settings import RateLimitSettings


class KeyRateLimiter:
    """Count each API key's requests; ``check`` raises ``RateLimited`` once a key is over its limit."""

    def __init__(self, settings: RateLimitSettings) -> None:
        self.limit = parse(settings.per_key)
        # memory:// is per process; a redis:// URL (pip install redis) shares the count across replicas.
        self.limiter = MovingWindowRateLimiter(storage_from_string(settings.storage_url))

    def check(self, key_id: str) -> None:
        """Count one request of ``key_id``; raise ``RateLimited`` (with seconds to wait) when over."""
        if self.limiter.hit(self.limit, key_id):
            return
        reset_at, _ = self.limiter.get_window_stats(self.limit, key_id)
        wait = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(
            f"this key made more than {self.limit} requests; retry in {wait} s", retry_after=wait
        )
