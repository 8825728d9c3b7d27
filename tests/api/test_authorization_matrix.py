# ruff: noqa: ARG005  (every builder takes world, role and target; most use some of them)
"""Run the decision-rights table (tests/api/authz_matrix.py) against the real app, cell by cell.

One app over one SQLite file serves the whole module (authorization is not about the store engine);
each cell creates the objects it acts on, so cells do not depend on each other. Every 2xx answered
to an acme key is also checked for anything of tenant globex (its objects carry the marker
``gxonly``).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.app import create_app
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.learned import LearnedExampleRepository
from advisor.store.tables.decisions import RecommendationRequestRow, WrittenReplyRow
from advisor.utc import utcnow
from tests.api.authz_matrix import MATRIX, XFAIL
from tests.builders import add_key, auth, make_context, make_pattern_body, seed_tenants
from tests.conftest import make_settings
from tests.metrics.factory import INTENTS, EventFactory

ROLES = ("agent", "lead", "admin")
TARGETS = ("own", "other_team", "other_tenant")
MARKER = "gxonly"
TEAM = {"own": "team-a", "other_team": "team-b", "other_tenant": f"team-{MARKER}"}


@dataclass
class Call:
    """One HTTP request of a cell."""

    method: str
    path: str
    json: Any = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    """The app, the callers' keys and helpers that create fresh objects in either tenant."""

    client: TestClient
    url: str
    callers: dict[str, str]
    admins: dict[str, str]  # tenant → an admin key that sets objects up
    authors: dict[str, str]  # tenant → a second admin, the author of drafts (four eyes)
    agents: dict[str, str]  # "acme/team-a", "acme/team-b", "globex/team-gxonly" → agent key
    counter: Iterator[int] = field(default_factory=itertools.count)

    def ok(self, method: str, path: str, key: str, body: Any = None) -> Any:
        response = self.client.request(method, path, json=body, headers=auth(key))
        assert response.is_success, f"set-up {method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def tenant(self, target: str) -> str:
        return "globex" if target == "other_tenant" else "acme"

    def fresh(self, prefix: str, target: str) -> str:
        tag = MARKER if target == "other_tenant" else "ac"
        return f"{prefix}_{tag}_{next(self.counter)}_{uuid.uuid4().hex[:6]}"

    def draft(self, target: str, author: str | None = None) -> str:
        """Create a draft pattern (version 1) of the target's team; return its id."""
        pid = self.fresh("p", target)
        body = make_pattern_body(pid, owner=TEAM[target], intents=[pid])
        self.ok("POST", "/v1/patterns", author or self.authors[self.tenant(target)], body)
        return pid

    def transition(self, target: str, pid: str, version: int, action: str, key: str | None = None) -> None:
        path = f"/v1/patterns/{pid}/versions/{version}/{action}"
        self.ok("POST", path, key or self.authors[self.tenant(target)], {"note": f"{action} for the matrix"})

    def in_review(self, target: str) -> str:
        pid = self.draft(target)
        self.transition(target, pid, 1, "submit")
        return pid

    def approved(self, target: str) -> str:
        pid = self.in_review(target)
        self.transition(target, pid, 1, "approve", self.admins[self.tenant(target)])
        return pid

    def approved_twice(self, target: str) -> str:
        pid = self.approved(target)
        tenant = self.tenant(target)
        body = {k: v for k, v in make_pattern_body(pid, intents=[pid]).items() if k not in ("id", "owner")}
        self.ok("POST", f"/v1/patterns/{pid}/versions", self.authors[tenant], body)
        self.transition(target, pid, 2, "submit")
        self.transition(target, pid, 2, "approve", self.admins[tenant])
        return pid

    def recommendation(self, target: str, interaction: str | None = None) -> str:
        tenant, team = self.tenant(target), TEAM[target]
        agent = "agent-1" if (tenant, team) == ("acme", "team-a") else f"agent-{team}"
        body = make_context(
            agent_id=agent, team_id=team, interaction_id=interaction or self.fresh("i", target)
        )
        recs = self.ok("POST", "/v1/recommendations", self.agents[f"{tenant}/{team}"], body)
        return str(recs["recommendations"][0]["recommendation_id"])

    def candidate(self, target: str, approved: bool = False) -> int:
        pid = self.approved(target)
        engine = make_engine(self.url)
        with make_sessionmaker(engine)() as session, session.begin():
            repo = LearnedExampleRepository(session)
            row = repo.add(
                self.tenant(target), pid, 1, f"words {uuid.uuid4().hex}", uuid.uuid4().hex * 2, utcnow()
            )
            example_id = row.id
        engine.dispose()
        if approved:
            review = {"approve": [example_id], "note": "ok"}
            self.ok("POST", "/v1/learned-examples/review", self.admins[self.tenant(target)], review)
        return int(example_id)

    def proposal(self, target: str) -> str:
        """Make agents edit a fresh approved pattern of the target the same way; return the proposal id."""
        pid = self.approved(target)
        shown = "Sorry Dana, I asked UPS to trace order A1001 today."
        INTENTS[pid] = pid
        factory = EventFactory(self.url, self.tenant(target))
        for agent in ("agent-x", "agent-y", "agent-x"):
            rec = factory.suggestion(pattern=pid, text=shown, agent=agent, team=TEAM[target])
            factory.event(rec, "edited", final_text=f"{shown} Thanks for waiting.")
        factory.close()
        found = self.ok("GET", "/v1/pattern-proposals", self.admins[self.tenant(target)])
        return str(next(p["id"] for p in found if p["pattern_id"] == pid))

    def new_pattern_proposal(self, target: str) -> str:
        """Store three alike replies by two of the target team's agents on escalated requests; return the
        proposal's id."""
        words = " ".join(uuid.uuid4().hex for _ in range(4))
        factory = EventFactory(self.url, self.tenant(target))
        for agent, tail in (("agent-x", ""), ("agent-y", " thanks"), ("agent-x", " ok")):
            request_id = factory.request(escalate=True, agent=agent, team=TEAM[target])
            row = factory.session.get(RecommendationRequestRow, request_id)
            assert row is not None
            row.topic_text = "do you sell gift cards"
            factory.session.add(
                WrittenReplyRow(
                    tenant_id=self.tenant(target),
                    client_event_id=uuid.uuid4().hex,
                    request_id=request_id,
                    interaction_id=row.interaction_id,
                    agent_id=agent,
                    team_id=TEAM[target],
                    text=f"{words}{tail}",
                    occurred_at=utcnow(),
                )
            )
        factory.close()
        found = self.ok("GET", "/v1/pattern-proposals/new-patterns", self.admins[self.tenant(target)])
        return str(next(p["id"] for p in found if p["body"].startswith(words)))

    def key(self, target: str) -> str:
        body = {"role": "agent", "team_id": TEAM[target], "agent_id": self.fresh("a", target)}
        return str(self.ok("POST", "/v1/keys", self.admins[self.tenant(target)], body)["id"])


def own_identity(role: str) -> tuple[str, str | None]:
    return {"agent": ("agent-1", "team-a"), "lead": ("lead-a", "team-a"), "admin": ("admin-desk", None)}[role]


def transition_call(w: World, role: str, target: str) -> Call:
    pid = w.in_review(target)
    return Call("POST", f"/v1/patterns/{pid}/versions/1/approve", {"note": "looks right"})


def update_draft_call(w: World, role: str, target: str) -> Call:
    # own: the caller's own draft (agents cannot author one); elsewhere: another author's draft
    author = w.callers[role] if target == "own" and role != "agent" else None
    pid = w.draft(target, author=author)
    body = {k: v for k, v in make_pattern_body(pid, intents=[pid]).items() if k not in ("id", "owner")}
    return Call("PUT", f"/v1/patterns/{pid}/versions/1", body | {"title": "Reworded title"})


def recommendation_call(w: World, role: str, target: str) -> Call:
    # another team: the caller's own agent id, claiming team-b (defect 5 for agents, 4 for leads)
    agent, team = own_identity(role)
    team = team if target == "own" else "team-b"
    body = make_context(agent_id=agent, team_id=team, interaction_id=w.fresh("i", target))
    if team is None:
        body.pop("team_id")
    return Call("POST", "/v1/recommendations", body)


def feedback_call(w: World, role: str, target: str) -> Call:
    if target == "own":
        agent, team = own_identity(role)
        body = make_context(agent_id=agent, team_id=team, interaction_id=w.fresh("i", target))
        if team is None:
            body.pop("team_id")
        recs = w.ok("POST", "/v1/recommendations", w.callers[role], body)
        rec_id = recs["recommendations"][0]["recommendation_id"]
    else:
        rec_id = w.recommendation(target)
    return Call(
        "POST",
        "/v1/feedback",
        {"recommendation_id": rec_id, "client_event_id": w.fresh("e", target), "action": "accepted"},
    )


def reply_call(w: World, role: str, target: str) -> Call:
    text = "do you sell gift cards"
    if target == "own":
        agent, team = own_identity(role)
        key = w.callers[role]
    else:
        tenant, team = w.tenant(target), TEAM[target]
        agent, key = f"agent-{team}", w.agents[f"{tenant}/{team}"]
    body = make_context(text, agent_id=agent, team_id=team, interaction_id=w.fresh("i", target))
    if team is None:
        body.pop("team_id")
    served = w.ok("POST", "/v1/recommendations", key, body)
    assert served["escalate"] is True
    reply = {
        "request_id": served["request_id"],
        "client_event_id": w.fresh("e", target),
        "text": "Yes, we do.",
    }
    return Call("POST", "/v1/replies", reply)


def metrics(path: str) -> Callable[[World, str, str], Call]:
    return lambda w, role, target: Call("GET", path, params={"team": TEAM[target]})


def import_call(w: World, role: str, target: str) -> Call:
    pid = w.fresh("imp", target)
    content = (
        f"patterns:\n  - id: {pid}\n    version: 1\n    title: Imported\n"
        f'    body: "Hello {{customer.first_name}}, we are on it."\n    intents: [{pid}]\n'
        f'    examples: ["an imported example", "another imported one"]\n'
        f"    owner: {TEAM[target]}\n    status: draft\n    change_note: imported\n"
    )
    return Call("POST", "/v1/patterns/import", {"format": "yaml", "content": content})


def webhook_delete_call(w: World, role: str, target: str) -> Call:
    hook = {
        "url": f"https://{w.fresh('h', target).replace('_', '-')}.example.com/",
        "events": ["pattern.changed"],
    }
    created = w.ok("POST", "/v1/webhooks", w.admins[w.tenant(target)], hook)
    return Call("DELETE", f"/v1/webhooks/{created['id']}")


def bulk(path: str, state: str) -> Callable[[World, str, str], Call]:
    def call(w: World, role: str, target: str) -> Call:
        pid = w.approved(target)
        if state == "suspended":
            w.ok("POST", "/v1/suspensions", w.admins[w.tenant(target)], {"intent": pid, "reason": "set-up"})
        return Call("POST", path, {"intent": pid, "reason": "matrix"})

    return call


def suspend_call(w: World, role: str, target: str) -> Call:
    return Call("POST", f"/v1/patterns/{w.approved(target)}/suspend", {"reason": "matrix"})


def resume_call(w: World, role: str, target: str) -> Call:
    pid = w.approved(target)
    w.ok("POST", f"/v1/patterns/{pid}/suspend", w.admins[w.tenant(target)], {"reason": "set-up"})
    return Call("POST", f"/v1/patterns/{pid}/resume", {"reason": "matrix"})


def policy_put(w: World, role: str, target: str) -> Call:
    current = w.ok("GET", "/v1/policy", w.admins["acme"])
    return Call(
        "PUT",
        "/v1/policy",
        {"allowed_risks": current["allowed_risks"], "high_with_review": current["high_with_review"]},
    )


def new_version_call(w: World, role: str, target: str) -> Call:
    pid = w.approved(target)
    body = {k: v for k, v in make_pattern_body(pid, intents=[pid]).items() if k not in ("id", "owner")}
    return Call("POST", f"/v1/patterns/{pid}/versions", body)


def erasure_call(w: World, role: str, target: str) -> Call:
    interaction = w.fresh("i", target)
    w.recommendation(target, interaction)
    return Call("POST", "/v1/erasures", {"interaction_ids": [interaction], "note": "matrix"})


BUILDERS: dict[str, Callable[[World, str, str], Call]] = {
    "GET /healthz": lambda w, r, t: Call("GET", "/healthz"),
    "GET /readyz": lambda w, r, t: Call("GET", "/readyz"),
    "GET /metrics": lambda w, r, t: Call("GET", "/metrics"),
    "GET /demo/config": lambda w, r, t: Call("GET", "/demo/config"),
    "POST /v1/recommendations": recommendation_call,
    "POST /v1/feedback": feedback_call,
    "POST /v1/replies": reply_call,
    "GET /v1/pattern-proposals/new-patterns": lambda w, r, t: Call(
        "GET", "/v1/pattern-proposals/new-patterns"
    ),
    "POST /v1/pattern-proposals/new-patterns/{proposal_id}/draft": lambda w, r, t: Call(
        "POST",
        f"/v1/pattern-proposals/new-patterns/{w.new_pattern_proposal(t)}/draft",
        {"id": w.fresh("np", t), "owner": TEAM[t], "note": "matrix"},
    ),
    **{
        f"GET /v1/metrics/{name}": metrics(f"/v1/metrics/{name}")
        for name in (
            "rates",
            "consistency/text",
            "consistency/choices",
            "consistency/outliers",
            "delay",
            "rejections",
            "corrections",
            "edits",
            "coverage",
            "readiness",
            "drift",
            "versions",
        )
    },
    "GET /v1/webhooks": lambda w, r, t: Call("GET", "/v1/webhooks"),
    "POST /v1/webhooks": lambda w, r, t: Call(
        "POST", "/v1/webhooks", {"url": "https://crm.example.com/hooks", "events": ["feedback.recorded"]}
    ),
    "DELETE /v1/webhooks/{webhook_id}": webhook_delete_call,
    "GET /v1/patterns": lambda w, r, t: Call("GET", "/v1/patterns"),
    "GET /v1/serving-patterns": lambda w, r, t: Call("GET", "/v1/serving-patterns"),
    "POST /v1/patterns": lambda w, r, t: Call(
        "POST", "/v1/patterns", make_pattern_body(w.fresh("p", t), owner=TEAM[t])
    ),
    "GET /v1/patterns/export": lambda w, r, t: Call("GET", "/v1/patterns/export"),
    "POST /v1/patterns/import": import_call,
    "GET /v1/patterns/{pattern_id}": lambda w, r, t: Call("GET", f"/v1/patterns/{w.approved(t)}"),
    "GET /v1/patterns/{pattern_id}/versions": lambda w, r, t: Call(
        "GET", f"/v1/patterns/{w.approved(t)}/versions"
    ),
    "POST /v1/patterns/{pattern_id}/versions": new_version_call,
    "PUT /v1/patterns/{pattern_id}/versions/{version}": update_draft_call,
    "POST /v1/patterns/{pattern_id}/versions/{version}/{action}": transition_call,
    "POST /v1/patterns/{pattern_id}/rollback": lambda w, r, t: Call(
        "POST", f"/v1/patterns/{w.approved_twice(t)}/rollback", {"version": 1, "note": "matrix"}
    ),
    "POST /v1/patterns/{pattern_id}/suspend": suspend_call,
    "POST /v1/patterns/{pattern_id}/resume": resume_call,
    "POST /v1/suspensions": bulk("/v1/suspensions", "serving"),
    "POST /v1/suspensions/resume": bulk("/v1/suspensions/resume", "suspended"),
    "GET /v1/keys": lambda w, r, t: Call("GET", "/v1/keys"),
    "POST /v1/keys": lambda w, r, t: Call(
        "POST", "/v1/keys", {"role": "agent", "team_id": TEAM[t], "agent_id": w.fresh("a", t)}
    ),
    "POST /v1/keys/{key_id}/rotate": lambda w, r, t: Call("POST", f"/v1/keys/{w.key(t)}/rotate"),
    "POST /v1/keys/{key_id}/revoke": lambda w, r, t: Call("POST", f"/v1/keys/{w.key(t)}/revoke"),
    "GET /v1/policy": lambda w, r, t: Call("GET", "/v1/policy"),
    "PUT /v1/policy": policy_put,
    "GET /v1/audit": lambda w, r, t: Call("GET", "/v1/audit"),
    "GET /v1/audit/export": lambda w, r, t: Call("GET", "/v1/audit/export"),
    "GET /v1/teams": lambda w, r, t: Call("GET", "/v1/teams"),
    "POST /v1/teams": lambda w, r, t: Call(
        "POST", "/v1/teams", {"id": w.fresh("team", t).replace("_", "-"), "name": "Matrix team"}
    ),
    "PUT /v1/teams/{team_id}": lambda w, r, t: Call(
        "PUT", f"/v1/teams/{TEAM[t]}", {"name": f"Renamed {TEAM[t]}"}
    ),
    "POST /v1/erasures": erasure_call,
    "GET /v1/learned-examples": lambda w, r, t: Call("GET", "/v1/learned-examples"),
    "GET /v1/pattern-proposals": lambda w, r, t: Call("GET", "/v1/pattern-proposals"),
    "POST /v1/pattern-proposals/{proposal_id}/draft": lambda w, r, t: Call(
        "POST", f"/v1/pattern-proposals/{w.proposal(t)}/draft", {"note": "matrix"}
    ),
    "POST /v1/learned-examples/review": lambda w, r, t: Call(
        "POST", "/v1/learned-examples/review", {"approve": [w.candidate(t)], "note": "matrix"}
    ),
    "POST /v1/learned-examples/{example_id}/withdraw": lambda w, r, t: Call(
        "POST", f"/v1/learned-examples/{w.candidate(t, approved=True)}/withdraw", {"note": "matrix"}
    ),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One app for the module: acme (teams a and b) and globex, keys for every role, teams registered."""
    path: Path = tmp_path_factory.mktemp("matrix") / "advisor.db"
    settings = make_settings(f"sqlite:///{path}", webhooks={"enabled": False})
    with TestClient(create_app(settings)) as client:
        url = settings.database_url
        keys = seed_tenants(url)
        admins = {"acme": keys.acme_admin, "globex": keys.globex_admin}
        authors = {t: add_key(url, t, "admin", agent_id=f"author-{t}") for t in ("acme", "globex")}
        for tenant, teams in (("acme", ("team-a", "team-b")), ("globex", ("team-a", TEAM["other_tenant"]))):
            for team in teams:
                client.post("/v1/teams", json={"id": team, "name": team}, headers=auth(admins[tenant]))
        world = World(
            client=client,
            url=url,
            callers={
                "agent": keys.acme_agent,
                "lead": add_key(url, "acme", "lead", team_id="team-a", agent_id="lead-a"),
                "admin": add_key(url, "acme", "admin", owner="admin-desk"),
            },
            admins=admins,
            authors=authors,
            agents={
                "acme/team-a": keys.acme_agent,
                "acme/team-b": add_key(url, "acme", "agent", team_id="team-b", agent_id="agent-team-b"),
                f"globex/{TEAM['other_tenant']}": add_key(
                    url,
                    "globex",
                    "agent",
                    team_id=TEAM["other_tenant"],
                    agent_id=f"agent-{TEAM['other_tenant']}",
                ),
            },
        )
        # globex's own objects exist, so that a leak would show
        world.approved("other_tenant")
        world.recommendation("other_tenant")
        yield world


def app_operations(client: TestClient) -> set[str]:
    paths = client.get("/openapi.json").json()["paths"]
    return {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}


def test_every_operation_has_a_row(world: World) -> None:
    operations = app_operations(world.client)
    assert operations - MATRIX.keys() == set(), "add a row to tests/api/authz_matrix.py"
    assert MATRIX.keys() - operations == set(), "the matrix names operations the app does not have"
    assert MATRIX.keys() == BUILDERS.keys()


def cells() -> Iterator[Any]:
    for op, row in MATRIX.items():
        for target, cell in zip(TARGETS, row, strict=True):
            if cell is None:
                continue
            for role, status in zip(ROLES, cell, strict=True):
                reason = XFAIL.get((op, role, target))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(op, role, target, status, marks=marks, id=f"{op}-{role}-{target}")


@pytest.mark.parametrize(("op", "role", "target", "expected"), list(cells()))
def test_cell(world: World, op: str, role: str, target: str, expected: int) -> None:
    call = BUILDERS[op](world, role, target)
    response = world.client.request(
        call.method, call.path, json=call.json, params=call.params, headers=auth(world.callers[role])
    )
    assert response.status_code == expected, response.text[:500]
    if response.is_success:
        text = response.text
        for echoed in (*call.path.split("/"), *map(str, call.params.values())):
            text = text.replace(echoed, "") if MARKER in echoed else text
        assert MARKER not in text, "another tenant's data leaked"
    else:
        assert response.headers["content-type"] == "application/problem+json"
