"""docs/settings.md documents every setting, as the code defines it."""

from __future__ import annotations

from pathlib import Path

from advisor.settings import Settings
from advisor.settings_table import rows, settings_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_setting_has_a_meaning() -> None:
    undocumented = [variable for variable, _, meaning in rows(Settings) if not meaning.strip()]
    assert undocumented == []


def test_docs_match_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == settings_table(), "run: advisor settings > docs/settings.md"
