"""The Python client installs beside a CRM without the server: it imports and works with no SQLAlchemy,
FastAPI, Starlette, Alembic, uvicorn or Jinja2 importable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER_ONLY = ["sqlalchemy", "fastapi", "starlette", "alembic", "uvicorn", "jinja2", "psycopg"]
PROGRAM = """
import importlib.abc, json, sys
SERVER_ONLY = set(sys.argv[1:])

class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in SERVER_ONLY:
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, Absent())
import httpx
from advisor.client import AdvisorClient

def answer(request):
    body = {"recommendations": [], "escalate": True, "reason": "nothing fits", "request_id": "r-1",
            "interaction_id": "chat-1", "ranker_version": "v", "latency_ms": 1.0}
    return httpx.Response(200, json=body)

context = {"interaction_id": "chat-1", "channel": "chat", "agent_id": "a-1",
           "turns": [{"role": "customer", "text": "where is my parcel"}]}
with AdvisorClient("http://advisor.test", api_key="adv_x", transport=httpx.MockTransport(answer)) as client:
    print(client.recommend(context).reason)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in SERVER_ONLY)))
"""


def test_client_imports_without_the_server_dependencies() -> None:
    run = subprocess.run(  # noqa: S603  (our own interpreter and program)
        [sys.executable, "-c", PROGRAM, *SERVER_ONLY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["nothing fits", "[]"]
