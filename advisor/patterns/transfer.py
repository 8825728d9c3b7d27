"""Import and export pattern libraries (YAML or CSV): all-or-nothing, errors name file, line and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from advisor.errors import Forbidden, PatternFileError
from advisor.patterns import lifecycle
from advisor.patterns.csvio import dump_csv, parse_csv
from advisor.patterns.files import _entries, dump_patterns
from advisor.patterns.lint import Finding, errors, lint
from advisor.patterns.models import PatternSpec, Status
from advisor.patterns.service import Governance
from advisor.store.patterns import to_spec
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.models import ApiRole, Principal

YAML_SUFFIXES = (".yaml", ".yml")
CSV_SUFFIXES = (".csv",)


@dataclass(frozen=True)
class Located:
    """A pattern version and where it was written."""

    spec: PatternSpec
    file: str
    line: int


@dataclass(frozen=True)
class ImportResult:
    """What an import stored and the audit entries it wrote."""

    versions: int
    patterns: list[str]
    approved: bool
    audit: list[AuditRecord]


def _fail(file: str, line: int, message: str, **extra: Any) -> PatternFileError:
    return PatternFileError(f"{file} line {line}: {message}", file=file, line=line, **extra)


def _yaml_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """Return, per pattern entry, its line and the line of each of its keys."""
    node = yaml.compose(text)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "patterns":
                node = value
                break
        else:
            return [(node.start_mark.line + 1, {k.value: k.start_mark.line + 1 for k, _ in node.value})]
    if not isinstance(node, yaml.SequenceNode):
        return []
    out = []
    for item in node.value:
        keys = (
            {k.value: k.start_mark.line + 1 for k, _ in item.value}
            if isinstance(item, yaml.MappingNode)
            else {}
        )
        out.append((item.start_mark.line + 1, keys))
    return out


def parse_yaml(text: str, path: Path) -> list[Located]:
    """Parse a YAML pattern file into located specs, or raise PatternFileError naming line and field."""
    try:
        document = yaml.safe_load(text)
        lines = _yaml_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise _fail(str(path), line, f"not valid YAML ({exc})") from exc
    out: list[Located] = []
    for index, entry in enumerate(_entries(document, path)):
        line, keys = lines[index] if index < len(lines) else (1, {})
        try:
            out.append(Located(PatternSpec.model_validate(entry), str(path), line))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(pattern)"
            pattern = entry.get("id", f"#{index + 1}") if isinstance(entry, dict) else f"#{index + 1}"
            where = keys.get(str(first["loc"][0]), line) if first["loc"] else line
            raise _fail(
                str(path),
                where,
                f"pattern {pattern}: field '{field}': {first['msg']}",
                pattern=str(pattern),
                field=field,
            ) from exc
    return out


def load_located(root: Path) -> list[Located]:
    """Load every YAML and CSV pattern file under ``root``; (id, version) must be unique."""
    if root.is_file():
        files = [root]
    elif root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in YAML_SUFFIXES + CSV_SUFFIXES)
    else:
        raise PatternFileError(f"{root}: no such file or directory", file=str(root))
    out: list[Located] = []
    seen: dict[tuple[str, int], Located] = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix in CSV_SUFFIXES:
            items = [Located(spec, str(path), line) for spec, line in parse_csv(text, path)]
        else:
            items = parse_yaml(text, path)
        for item in items:
            if item.spec.key in seen:
                first = seen[item.spec.key]
                raise _fail(
                    item.file,
                    item.line,
                    f"pattern {item.spec.id}: field 'version': version {item.spec.version} "
                    f"already defined in {first.file} line {first.line}",
                    pattern=item.spec.id,
                    field="version",
                )
            seen[item.spec.key] = item
            out.append(item)
    return out


def validate(items: list[Located]) -> list[tuple[Located, Finding]]:
    """Lint every version that is not retired against the other patterns of the set."""
    latest = {i.spec.id: i.spec for i in items if i.spec.status is not Status.retired}
    return [
        (i, f) for i in items if i.spec.status is not Status.retired for f in lint(i.spec, latest.values())
    ]


def dump(specs: Iterable[PatternSpec], fmt: str) -> str:
    """Serialise specs as ``yaml`` or ``csv``."""
    if fmt == "csv":
        return dump_csv(specs)
    if fmt == "yaml":
        return dump_patterns(specs)
    raise ValueError(f"unknown format '{fmt}': use yaml or csv")


def parse_text(text: str, fmt: str, name: str) -> list[Located]:
    """Parse uploaded content (``yaml`` or ``csv``) as if it were the file ``name``."""
    if fmt == "csv":
        return [Located(spec, name, line) for spec, line in parse_csv(text, Path(name))]
    return parse_yaml(text, Path(name))


def export_specs(gov: Governance, principal: Principal) -> list[PatternSpec]:
    """Return every version of every pattern of the tenant (leads and admins)."""
    lifecycle.require_reader(principal)
    return [to_spec(r) for r in gov.patterns.all_versions(principal.tenant_id)]


def _as_imported(item: Located, approve: bool, actor: str) -> PatternSpec:
    spec = item.spec
    if not approve and spec.status in (Status.approved, Status.in_review):
        return spec.model_copy(update={"status": Status.draft, "approver": None})
    if approve and spec.status is Status.approved:
        refuse_lint_errors(item)
        return spec.model_copy(update={"approver": spec.approver or actor})
    return spec


def refuse_lint_errors(item: Located) -> None:
    """Raise on the first lint error of a version about to serve, naming file, line, pattern and field."""
    blocking = errors(lint(item.spec))
    if blocking:
        raise _fail(
            item.file,
            item.line,
            f"pattern {item.spec.id}: field '{blocking[0].field}': {blocking[0].message}",
            pattern=item.spec.id,
            field=blocking[0].field,
        )


def load_servable(root: Path) -> list[PatternSpec]:
    """Load a pack that is served as it is (the demo tenant's): every version must lint without errors."""
    items = load_located(root)
    for item in items:
        if item.spec.status is not Status.retired:
            refuse_lint_errors(item)
    return [item.spec for item in items]


def import_patterns(
    gov: Governance, principal: Principal, items: list[Located], *, approve: bool
) -> ImportResult:
    """Store every version or none. Versions arrive as drafts unless an admin imports with ``approve``."""
    if approve and principal.role is not ApiRole.admin:
        raise Forbidden("only an admin may import with approval", field="approve")
    known = gov.patterns.known_teams(principal.tenant_id)
    for item in items:
        lifecycle.require_governor(principal, item.spec.owner)
        if known and item.spec.owner not in known:
            raise _fail(
                item.file,
                item.line,
                f"pattern {item.spec.id}: field 'owner': team '{item.spec.owner}' is not registered",
                pattern=item.spec.id,
                field="owner",
            )
        if gov.patterns.get_version(principal.tenant_id, item.spec.id, item.spec.version) is not None:
            raise _fail(
                item.file,
                item.line,
                f"pattern {item.spec.id}: field 'version': version {item.spec.version} "
                "already exists in the store",
                pattern=item.spec.id,
                field="version",
            )
    specs = [_as_imported(item, approve, principal.actor) for item in items]
    by_pattern: dict[str, list[PatternSpec]] = {}
    for spec in specs:
        gov.patterns.add_version(principal.tenant_id, spec)
        by_pattern.setdefault(spec.id, []).append(spec)
    if specs:
        gov.patterns.bump_stamp(principal.tenant_id)
    audit = [
        gov.record(
            principal,
            "pattern.import",
            pattern_id,
            after={
                "approved_on_import": approve,
                "versions": [{"version": s.version, "status": s.status.value} for s in versions],
                "files": sorted({i.file for i in items if i.spec.id == pattern_id}),
            },
            note="imported with explicit approval" if approve else "imported as drafts",
        )
        for pattern_id, versions in by_pattern.items()
    ]
    return ImportResult(versions=len(specs), patterns=list(by_pattern), approved=approve, audit=audit)
