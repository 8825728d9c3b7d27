"""Connector test helpers: vendor payloads, a zero-wait retry policy, an injected client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from advisor.settings import RetryPolicy

PAYLOADS = Path(__file__).parent.parent / "payloads"
ZERO_WAIT = RetryPolicy(attempts=3, initial_wait=0.0, max_wait=0.0, retry_after_cap=0.0)


def payload(vendor: str, name: str) -> Any:
    """Load ``tests/payloads/<vendor>/<name>.json``."""
    return json.loads((PAYLOADS / vendor / f"{name}.json").read_text())


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The client a host app would inject (respx intercepts its requests)."""
    async with httpx.AsyncClient() as client:
        yield client
