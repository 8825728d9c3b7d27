"""Export a report as JSON-ready data or CSV text."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from advisor.metrics.models import Table


def to_json(table: Table) -> dict[str, Any]:
    """Return the report as a JSON-ready dict."""
    return {
        "metric": table.metric,
        "filters": table.filters,
        "group_by": table.group_by,
        "notes": table.notes,
        "rows": table.rows,
    }


def to_csv(table: Table) -> str:
    """Return the report's rows as CSV (columns in first-seen order; nested values as JSON)."""
    columns: list[str] = []
    for row in table.rows:
        columns.extend(k for k in row if k not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in table.rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    return value
