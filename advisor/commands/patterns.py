"""``advisor patterns``: import, export and validate pattern files (YAML or CSV)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from advisor.commands.store import operator, transaction

patterns_app = typer.Typer(
    rich_markup_mode=None, help="Import, export and validate pattern libraries.", no_args_is_help=True
)
Tenant = Annotated[str, typer.Option("--tenant", help="Tenant id.")]


@patterns_app.command("validate")
def validate_cmd(path: Annotated[Path, typer.Argument(help="Pattern file or directory.")]) -> None:
    """Check files offline: schema (file, line, field) and lint; exit 1 when anything would block review."""
    from advisor.patterns.lint import Severity
    from advisor.patterns.transfer import load_located, validate

    items = load_located(path)
    findings = validate(items)
    for item, finding in findings:
        typer.echo(
            f"{item.file}:{item.line}: {finding.severity.value}: {item.spec.id}@v{item.spec.version} "
            f"{finding.field}: {finding.message} [{finding.code}]"
        )
    blocking = sum(1 for _, f in findings if f.severity is Severity.error)
    typer.echo(
        f"{len(items)} version(s), {blocking} error(s), {len(findings) - blocking} warning(s)", err=True
    )
    if blocking:
        raise typer.Exit(1)


@patterns_app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="Pattern file or directory (YAML and CSV).")],
    tenant: Tenant,
    approve: Annotated[
        bool,
        typer.Option(
            "--approve", help="Keep approved statuses (audited); otherwise versions arrive as drafts."
        ),
    ] = False,
) -> None:
    """Import every version or none: one bad row fails the whole import with file, line and field."""
    from advisor.patterns.service import Governance
    from advisor.patterns.transfer import import_patterns, load_located
    from advisor.store.audit import AuditLog
    from advisor.store.patterns import PatternRepository
    from advisor.store.tenancy import TenancyRepository
    from advisor.store.webhooks import WebhookRepository

    items = load_located(path)
    with transaction() as session:
        TenancyRepository(session).ensure_tenant(tenant)
        gov = Governance(
            patterns=PatternRepository(session), audit=AuditLog(session), webhooks=WebhookRepository(session)
        )
        result = import_patterns(gov, operator(tenant), items, approve=approve)
    typer.echo(
        json.dumps({"versions": result.versions, "patterns": result.patterns, "approved": result.approved})
    )


@patterns_app.command("export")
def export_cmd(
    tenant: Tenant,
    fmt: Annotated[str, typer.Option("--format", help="yaml or csv.")] = "yaml",
    out: Annotated[Path | None, typer.Option("--out", help="File to write (default: stdout).")] = None,
) -> None:
    """Export every version of every pattern, statuses included (re-importable with --approve)."""
    from advisor.patterns.service import Governance
    from advisor.patterns.transfer import dump, export_specs
    from advisor.store.audit import AuditLog
    from advisor.store.patterns import PatternRepository
    from advisor.store.webhooks import WebhookRepository

    if fmt not in ("yaml", "csv"):
        raise typer.BadParameter("use yaml or csv", param_hint="--format")
    with transaction() as session:
        gov = Governance(
            patterns=PatternRepository(session), audit=AuditLog(session), webhooks=WebhookRepository(session)
        )
        text = dump(export_specs(gov, operator(tenant)), fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
