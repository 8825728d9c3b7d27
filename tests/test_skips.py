"""Outside CI, a run without PostgreSQL says which tests it skipped and how to run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_skipped_postgres_group_is_named_with_how_to_enable_it() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "ADVISOR_TEST_DATABASE_URL")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/store/test_store.py",
            "-k",
            "postgres",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    [line] = [row for row in run.stdout.splitlines() if "postgres test(s) skipped" in row]
    assert "set ADVISOR_TEST_DATABASE_URL=postgresql://" in line
