"""``advisor keys`` and ``advisor patterns``: keys printed alone, exact round trips, all-or-nothing import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from advisor.cli import app
from advisor.store.audit import AuditLog
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.tenancy import TenancyRepository
from advisor.tenancy.audit import AuditFilter
from advisor.tenancy.service import authenticate
from tests.builders import TEST_PACK

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ADVISOR_DATABASE_URL", url)
    return url


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def key_role(url: str, secret: str) -> tuple[str, str | None, str | None] | None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        row = TenancyRepository(session).find_active_key(secret)
        found = (row.role, row.team_id, row.agent_id) if row is not None else None
    engine.dispose()
    return found


def test_keys_create_prints_only_the_key(store: str, tmp_path: Path) -> None:
    env = {**os.environ, "ADVISOR_DATABASE_URL": store}
    command = [
        sys.executable,
        "-m",
        "advisor",
        "keys",
        "create",
        "--tenant",
        "acme",
        "--role",
        "lead",
        "--team",
        "care",
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True, timeout=120)  # noqa: S603
    secret = done.stdout.strip()
    assert done.stdout == secret + "\n"
    assert secret.startswith("adv_")
    assert " " not in secret
    assert key_role(store, secret) == ("lead", "care", None)


def test_keys_list_rotate_revoke(store: str) -> None:
    first = run("keys", "create", "--tenant", "acme", "--role", "agent", "--agent-id", "a-1").strip()
    run("keys", "create", "--tenant", "acme", "--role", "admin", "--owner", "alice")
    listed = run("keys", "list", "--tenant", "acme")
    assert first not in listed
    agent_id = (
        next(line for line in listed.splitlines() if '"agent"' in line).split('"id": "')[1].split('"')[0]
    )
    rotated = run("keys", "rotate", "--tenant", "acme", agent_id).strip()
    assert key_role(store, first) is None
    assert key_role(store, rotated) == ("agent", None, "a-1")


def test_keys_create_refuses_lead_without_team(store: str) -> None:
    result = runner.invoke(app, ["keys", "create", "--tenant", "acme", "--role", "lead"])
    assert result.exit_code == 2  # a usage error, not a traceback
    assert "team_id" in result.output


def test_keys_create_needs_an_owner_for_admins_and_audits_the_creator(store: str) -> None:
    refused = runner.invoke(app, ["keys", "create", "--tenant", "acme", "--role", "admin"])
    assert refused.exit_code == 2
    assert "owner" in refused.output
    secret = run("keys", "create", "--tenant", "acme", "--role", "admin", "--owner", "alice").strip()
    [listed] = [json.loads(line) for line in run("keys", "list", "--tenant", "acme").splitlines()]
    assert (listed["owner"], listed["created_by"]) == ("alice", "admin:cli")
    engine = make_engine(store)
    with make_sessionmaker(engine)() as session:
        principal = authenticate(secret, TenancyRepository(session))
        [entry] = AuditLog(session).find("acme", AuditFilter(action="key.create"))
    engine.dispose()
    assert principal.actor == "admin:alice"
    assert (entry.actor, entry.subject_id) == ("admin:cli", listed["id"])


def test_import_arrives_as_drafts(store: str) -> None:
    run("patterns", "import", str(TEST_PACK), "--tenant", "acme")
    exported = run("patterns", "export", "--tenant", "acme")
    assert "status: approved" not in exported
    assert "status: draft" in exported


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_round_trip_is_exact(store: str, tmp_path: Path, fmt: str) -> None:
    run("patterns", "import", str(TEST_PACK), "--tenant", "acme", "--approve")
    first = tmp_path / f"first.{fmt}"
    run("patterns", "export", "--tenant", "acme", "--format", fmt, "--out", str(first))
    assert "approved" in first.read_text()
    run("patterns", "import", str(first), "--tenant", "globex", "--approve")
    second = run("patterns", "export", "--tenant", "globex", "--format", fmt)
    assert second == first.read_text()


def test_bad_row_fails_whole_import(store: str, tmp_path: Path) -> None:
    run("patterns", "import", str(TEST_PACK), "--tenant", "acme", "--approve")
    good = tmp_path / "good.csv"
    run("patterns", "export", "--tenant", "acme", "--format", "csv", "--out", str(good))
    lines = good.read_text().splitlines()
    lines[3] = lines[3].replace(",low,", ",extreme,")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["patterns", "import", str(bad), "--tenant", "globex"])
    assert result.exit_code != 0
    message = str(result.exception)
    assert f"{bad} line 4" in message
    assert "field 'risk'" in message
    assert run("patterns", "export", "--tenant", "globex") == "patterns: []\n"


def test_collision_with_store_fails_whole_import(store: str) -> None:
    run("patterns", "import", str(TEST_PACK), "--tenant", "acme")
    result = runner.invoke(app, ["patterns", "import", str(TEST_PACK), "--tenant", "acme"])
    assert result.exit_code != 0
    assert "already exists" in str(result.exception)


def test_validate(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["patterns", "validate", str(TEST_PACK)])
    assert ok.exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "patterns:\n  - id: greet\n    title: Greeting\n    body: 'Hi {customer.nick}!'\n"
        "    intents: [greeting]\n    examples: [hello]\n    owner: team-a\n"
    )
    result = runner.invoke(app, ["patterns", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: error: greet@v1 body: slot {{customer.nick}}" in result.stdout
    assert "few-examples" in result.stdout


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("Hi {customer.first_name, order {order.id} shipped.", "unbalanced '{' in '{customer.first_name,'"),
        ("Hi {customer.first_name}}, it shipped.", "unbalanced '}' in '{customer.first_name}},'"),
        ("Order {order.id shipped.", "unbalanced '{' in '{order.id'"),
    ],
)
def test_validate_rejects_malformed_slots(tmp_path: Path, body: str, shown: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"patterns:\n  - id: greet\n    title: Greeting\n    body: '{body}'\n"
        "    intents: [greeting]\n    examples: [hello, hi there, good morning]\n    owner: team-a\n"
    )
    result = runner.invoke(app, ["patterns", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: error: greet@v1 body: {shown}" in result.stdout
    assert "[malformed-slot]" in result.stdout


def test_import_with_approval_refuses_a_malformed_slot(store: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "patterns:\n  - id: greet\n    title: Greeting\n    body: 'Hi {customer.first_name, welcome'\n"
        "    intents: [greeting]\n    examples: [hello, hi there, good morning]\n    owner: team-a\n"
        "    status: approved\n    approver: sam\n"
    )
    result = runner.invoke(app, ["patterns", "import", str(bad), "--tenant", "acme", "--approve"])
    assert result.exit_code != 0
    assert "pattern greet: field 'body': unbalanced '{'" in str(result.exception)


def test_first_start_refuses_a_pack_with_a_malformed_slot(tmp_path: Path) -> None:
    from advisor.bootstrap import prepare_store
    from advisor.errors import PatternFileError
    from advisor.settings import Settings

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "greet.yaml").write_text(
        "patterns:\n  - id: greet\n    title: Greeting\n    body: 'Hi {customer.first_name}}!'\n"
        "    intents: [greeting]\n    examples: [hello, hi there, good morning]\n    owner: team-a\n"
        "    status: approved\n"
    )
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", patterns_dir=pack, seed_demo=True)
    engine = make_engine(settings.database_url)
    with pytest.raises(PatternFileError, match=r"greet\.yaml line 2: pattern greet: field 'body'"):
        prepare_store(engine, settings)
    engine.dispose()
