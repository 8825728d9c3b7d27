"""Fixtures: settings on a real SQLite file (and PostgreSQL when configured), the real app, API keys."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from advisor.app import create_app
from advisor.settings import Settings
from tests.builders import TEST_PACK, Keys, seed_tenants

CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("ADVISOR_TEST_DATABASE_URL")
SHARED = Path(__file__).resolve().parents[2] / "shared"
NEVER_SKIP_ON_CI = {"postgres", "datasets", "browser"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI=true a skipped PostgreSQL, dataset or browser test is a failure."""
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped and NEVER_SKIP_ON_CI & {m.name for m in item.iter_markers()}:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which is not allowed: {report.longrepr}"


ENABLE = {
    "postgres": "set ADVISOR_TEST_DATABASE_URL=postgresql://user@host:5432/db (a schema per test)",
    "datasets": "put the shared datasets in ../shared/datasets",
    "browser": "install Chromium (apt-get install chromium) or set ADVISOR_CHROMIUM",
}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name each group of tests that skipped for want of a service, and how to run it."""
    skipped: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        for group in NEVER_SKIP_ON_CI & set(getattr(report, "keywords", {})):
            skipped[group] = skipped.get(group, 0) + 1
    for group, count in sorted(skipped.items()):
        terminalreporter.write_line(
            f"{count} {group} test(s) skipped: to run them, {ENABLE[group]}", yellow=True
        )


@dataclass
class Database:
    """A database URL for one test, and how to drop it afterwards."""

    url: str
    kind: str


def _postgres_schema() -> Iterator[Database]:
    if not PG_URL:
        pytest.skip("ADVISOR_TEST_DATABASE_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield Database(url=f"{PG_URL}{sep}options=-csearch_path%3D{schema}", kind="postgres")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh store: a SQLite file, and a PostgreSQL schema when configured (both run on CI)."""
    if request.param == "sqlite":
        yield Database(url=f"sqlite:///{tmp_path / 'advisor.db'}", kind="sqlite")
    else:
        yield from _postgres_schema()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file URL, for tests that are not about the store engine."""
    return f"sqlite:///{tmp_path / 'advisor.db'}"


def make_settings(url: str, **overrides: object) -> Settings:
    """Settings for tests: no demo seeding, the test pack, the given store."""
    values: dict[str, object] = {"database_url": url, "seed_demo": False, "patterns_dir": TEST_PACK}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    """Settings on a SQLite file."""
    return make_settings(sqlite_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The real app, lifespan running, over a real SQLite file."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def keys(client: TestClient, settings: Settings) -> Keys:
    """Two tenants (acme, globex) with keys for each role and the test pattern pack approved."""
    return seed_tenants(settings.database_url)


@pytest.fixture
def shared_datasets() -> Path:
    """The shared datasets directory (skips outside CI when absent)."""
    path = SHARED / "datasets"
    if not path.is_dir():
        pytest.skip("../shared/datasets is not present")
    return path
