"""docs/security.md names the test behind each row of the threat model: every one must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)((?:::\w+)*)`")


def defined(path: Path) -> set[str]:
    """Return 'name' and 'Class::name' for every test class and function in a file."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names.update(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return names


def test_every_test_named_in_the_threat_model_exists() -> None:
    references = REFERENCE.findall((ROOT / "docs" / "security.md").read_text())
    assert len(references) >= 20
    missing = []
    for file, names in references:
        path = ROOT / file
        if not path.is_file():
            missing.append(file)
        elif names and names.lstrip(":") not in defined(path):
            missing.append(file + names)
    assert missing == []
