"""Use cases over the pattern repository."""

from __future__ import annotations

from collections.abc import Iterable

from advisor.patterns.models import PatternSpec
from advisor.store.patterns import PatternRepository


def add_patterns(repo: PatternRepository, tenant_id: str, specs: Iterable[PatternSpec]) -> int:
    """Store pattern versions as given (status included) and bump the library stamp once."""
    count = 0
    for spec in specs:
        repo.add_version(tenant_id, spec)
        count += 1
    repo.bump_stamp(tenant_id)
    return count
