"""Learned-examples fixtures: the real app over a SQLite file and over PostgreSQL."""

from __future__ import annotations

import pytest

from advisor.settings import Settings
from tests.conftest import Database, make_settings


@pytest.fixture
def settings(database: Database) -> Settings:
    """Settings on SQLite and PostgreSQL (both run on CI)."""
    return make_settings(database.url)
