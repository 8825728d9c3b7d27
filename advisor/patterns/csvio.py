"""Pattern files as CSV: one version per row; lists and rules are JSON cells, so a round trip is exact."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from advisor.errors import PatternFileError
from advisor.patterns.models import PatternSpec

COLUMNS = (
    "id",
    "version",
    "status",
    "title",
    "body",
    "intents",
    "examples",
    "flows",
    "collects",
    "eligibility",
    "risk",
    "requires_review",
    "owner",
    "author",
    "approver",
    "change_note",
    "created_at",
    "updated_at",
)
JSON_COLUMNS = frozenset({"intents", "examples", "flows", "collects", "eligibility"})
REQUIRED = frozenset({"id", "title", "body", "intents", "owner"})


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def dump_csv(specs: Iterable[PatternSpec]) -> str:
    """Serialise specs to CSV with a header row (round-trips through :func:`parse_csv`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for spec in specs:
        data = spec.model_dump(mode="json")
        writer.writerow([_cell(name, data.get(name)) for name in COLUMNS])
    return out.getvalue()


def _row_to_dict(row: dict[str, str], path: Path, line: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, raw in row.items():
        if raw == "" and name not in REQUIRED:
            continue
        if name in JSON_COLUMNS:
            try:
                data[name] = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise PatternFileError(
                    f"{path} line {line}: field '{name}': not valid JSON ({exc.msg})",
                    file=str(path),
                    line=line,
                    field=name,
                ) from exc
        elif name == "requires_review":
            data[name] = raw.lower()
        else:
            data[name] = raw
    return data


def parse_csv(text: str, path: Path) -> list[tuple[PatternSpec, int]]:
    """Parse a CSV pattern file into (spec, line) pairs, or raise PatternFileError naming line and field."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise PatternFileError(f"{path}: empty CSV file", file=str(path)) from None
    unknown = [h for h in header if h not in COLUMNS]
    missing = sorted(REQUIRED - set(header))
    if unknown or missing:
        problem = f"unknown column '{unknown[0]}'" if unknown else f"missing column '{missing[0]}'"
        raise PatternFileError(
            f"{path} line 1: {problem}", file=str(path), line=1, field=(unknown or missing)[0]
        )
    specs: list[tuple[PatternSpec, int]] = []
    line = reader.line_num + 1
    for cells in reader:
        if not any(c.strip() for c in cells):
            line = reader.line_num + 1
            continue
        if len(cells) != len(header):
            raise PatternFileError(
                f"{path} line {line}: expected {len(header)} cells, found {len(cells)}",
                file=str(path),
                line=line,
            )
        data = _row_to_dict(dict(zip(header, cells, strict=True)), path, line)
        try:
            specs.append((PatternSpec.model_validate(data), line))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(pattern)"
            raise PatternFileError(
                f"{path} line {line}: pattern {data.get('id', '?')}: field '{field}': {first['msg']}",
                file=str(path),
                line=line,
                pattern=str(data.get("id", "?")),
                field=field,
            ) from exc
        line = reader.line_num + 1
    return specs
