"""`advisor serve` as a real process on a free port, for tests of what only a process shows."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.builders import TEST_PACK


@dataclass
class Served:
    """A running server: its process, base URL and captured stderr (its logs)."""

    process: subprocess.Popen[bytes]
    base: str
    stderr: Path

    def log_lines(self) -> list[str]:
        """Return the non-empty lines the server has logged so far."""
        return [line for line in self.stderr.read_text().splitlines() if line.strip()]


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(command: list[str], env: dict[str, str], port: int, logs: Path) -> Iterator[Served]:
    """Run ``command`` (a server on ``port``) until the block ends, once its /healthz answers.

    It runs in a process group of its own, killed with everything in it at the end (worker processes,
    or a server hung by the test); its stderr goes to ``logs``.
    """
    with logs.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            command, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # worker processes start slowly on a busy machine
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start: {logs.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Served(process, base, logs)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def served_env(url: str, port: int) -> dict[str, str]:
    """The environment of a served test: store ``url``, the test pack, no demo seeding, ``port``."""
    return {
        **os.environ,
        "ADVISOR_DATABASE_URL": url,
        "ADVISOR_SEED_DEMO": "false",
        "ADVISOR_PATTERNS_DIR": str(TEST_PACK),
        "ADVISOR_PORT": str(port),
    }


@contextmanager
def advisor_process(url: str, logs: Path, *args: str) -> Iterator[Served]:
    """Run ``advisor serve *args`` on the store ``url`` (test pack, no demo seeding) until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "advisor", "serve", *args]
    with served(command, served_env(url, port), port, logs) as server:
        yield server
