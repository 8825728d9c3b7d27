"""Load pattern files (YAML) with errors that name the file, the pattern and the field."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from advisor.errors import PatternFileError
from advisor.patterns.models import PatternSpec

PATTERN_SUFFIXES = (".yaml", ".yml")


def _entries(document: Any, path: Path) -> list[Any]:
    if isinstance(document, dict) and "patterns" in document:
        entries = document["patterns"]
    elif isinstance(document, dict):
        entries = [document]
    elif isinstance(document, list):
        entries = document
    else:
        raise PatternFileError(
            f"{path}: expected a mapping with 'patterns:' or a list of patterns", file=str(path)
        )
    if not isinstance(entries, list):
        raise PatternFileError(f"{path}: 'patterns' must be a list", file=str(path), field="patterns")
    return entries


def parse_patterns(text: str, path: Path) -> list[PatternSpec]:
    """Parse one YAML document into pattern specs, or raise PatternFileError."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise PatternFileError(f"{path}{where}: not valid YAML ({exc})", file=str(path)) from exc
    specs: list[PatternSpec] = []
    for index, entry in enumerate(_entries(document, path)):
        pattern_id = entry.get("id", f"#{index + 1}") if isinstance(entry, dict) else f"#{index + 1}"
        try:
            specs.append(PatternSpec.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(pattern)"
            raise PatternFileError(
                f"{path}: pattern {pattern_id}: field '{field}': {first['msg']}",
                file=str(path),
                pattern=str(pattern_id),
                field=field,
            ) from exc
    return specs


def pattern_files(root: Path) -> list[Path]:
    """Return the pattern files under ``root`` (a file or a directory), sorted."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise PatternFileError(f"{root}: no such file or directory", file=str(root))
    return sorted(p for p in root.rglob("*") if p.suffix in PATTERN_SUFFIXES and p.is_file())


def load_patterns(root: Path) -> list[PatternSpec]:
    """Load and validate every pattern under ``root``; ids must be unique per version."""
    specs: list[PatternSpec] = []
    seen: dict[tuple[str, int], Path] = {}
    for path in pattern_files(root):
        for spec in parse_patterns(path.read_text(encoding="utf-8"), path):
            if spec.key in seen:
                raise PatternFileError(
                    f"{path}: pattern {spec.id}: field 'id': version {spec.version} "
                    f"already defined in {seen[spec.key]}",
                    file=str(path),
                    pattern=spec.id,
                    field="id",
                )
            seen[spec.key] = path
            specs.append(spec)
    return specs


def dump_patterns(specs: Iterable[PatternSpec]) -> str:
    """Serialise specs to the YAML file format (round-trips through :func:`parse_patterns`)."""
    rows = [s.model_dump(mode="json", exclude_none=True) for s in specs]
    return yaml.safe_dump({"patterns": rows}, sort_keys=False, allow_unicode=True, width=120)
