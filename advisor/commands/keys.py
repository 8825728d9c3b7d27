"""``advisor keys``: create, list, rotate and revoke API keys from the console (audited as admin:cli)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from advisor.commands.store import operator, transaction
from advisor.tenancy.models import ApiRole

keys_app = typer.Typer(
    rich_markup_mode=None,
    help="Manage API keys (secrets are printed once, stored hashed).",
    no_args_is_help=True,
)
Tenant = Annotated[str, typer.Option("--tenant", help="Tenant id.")]
NewOrOldTenant = Annotated[str, typer.Option("--tenant", help="Tenant id (created when new).")]


@keys_app.command("create")
def create(
    tenant: NewOrOldTenant,
    role: Annotated[ApiRole, typer.Option("--role", help="agent, lead or admin.")],
    team: Annotated[
        str | None, typer.Option("--team", help="Team the key belongs to (leads: required).")
    ] = None,
    agent_id: Annotated[
        str | None, typer.Option("--agent-id", help="Agent or person the key stands for.")
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner", help="Person accountable for the key (admins: required; default: --agent-id)."
        ),
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="A note for the key list.")] = None,
) -> None:
    """Create a key and print ONLY the secret on stdout (so that scripts can capture it)."""
    from pydantic import ValidationError

    from advisor.store.audit import AuditLog
    from advisor.store.tenancy import TenancyRepository
    from advisor.tenancy.keys import KeyCreate, create_key

    try:
        body = KeyCreate(role=role, team_id=team, agent_id=agent_id, owner=owner, label=label)
    except ValidationError as exc:
        raise typer.BadParameter("; ".join(str(e["msg"]) for e in exc.errors())) from None
    with transaction() as session:
        tenancy = TenancyRepository(session)
        tenancy.ensure_tenant(tenant)
        created = create_key(tenancy, AuditLog(session), operator(tenant), body)
    typer.echo(created.secret)


@keys_app.command("list")
def list_(tenant: Tenant) -> None:
    """Print the tenant's keys as JSON lines (never the secret)."""
    from advisor.store.tenancy import TenancyRepository
    from advisor.tenancy.keys import list_keys

    with transaction() as session:
        rows = list_keys(TenancyRepository(session), operator(tenant))
    for row in rows:
        typer.echo(json.dumps(row.model_dump(mode="json")))


@keys_app.command("rotate")
def rotate(tenant: Tenant, key_id: Annotated[str, typer.Argument(help="Id of the key to replace.")]) -> None:
    """Replace a key; print ONLY the new secret."""
    from advisor.store.audit import AuditLog
    from advisor.store.tenancy import TenancyRepository
    from advisor.tenancy.keys import rotate_key

    with transaction() as session:
        created = rotate_key(TenancyRepository(session), AuditLog(session), operator(tenant), key_id)
    typer.echo(created.secret)


@keys_app.command("revoke")
def revoke(tenant: Tenant, key_id: Annotated[str, typer.Argument(help="Id of the key to revoke.")]) -> None:
    """Revoke a key now."""
    from advisor.store.audit import AuditLog
    from advisor.store.tenancy import TenancyRepository
    from advisor.tenancy.keys import revoke_key

    with transaction() as session:
        revoke_key(TenancyRepository(session), AuditLog(session), operator(tenant), key_id)
    typer.echo(f"revoked {key_id}", err=True)
