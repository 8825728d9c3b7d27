"""Decision rights as data: operation × role × target → expected HTTP status.

Every operation of the app's OpenAPI has a row; ``test_authorization_matrix.py`` runs each cell
against the real app and fails on an operation without a row. Roles are acme keys: an agent and a
lead of team-a, and an admin. Targets:

* ``own``: the caller's own team (team-a) in the caller's tenant, and the caller's own identity;
* ``other_team``: team-b of the same tenant (another team's pattern, recommendation, filter…);
* ``other_tenant``: an object of tenant globex (its id is passed; it must never be reachable).

A cell is a status for ``(agent, lead, admin)``, or ``None`` where the target does not apply to the
operation (it names no team and no object). ``XFAIL`` lists the cells whose expected status is the
documented right but which the code does not enforce yet, with why.
"""

from __future__ import annotations

Cell = tuple[int, int, int] | None
NA: Cell = None

# op: (own, other_team, other_tenant), each (agent, lead, admin)
MATRIX: dict[str, tuple[Cell, Cell, Cell]] = {
    "GET /healthz": ((200, 200, 200), NA, NA),
    "GET /readyz": ((200, 200, 200), NA, NA),
    "GET /metrics": ((200, 200, 200), NA, NA),  # Prometheus: no key needed, no tenant data
    "GET /demo/config": ((404, 404, 404), NA, NA),  # the demo tenant is off in tests
    # Agents' live path: "as themselves" for every role (docs/governance.md).
    "POST /v1/recommendations": ((200, 200, 200), (403, 403, 200), NA),
    "POST /v1/feedback": ((201, 201, 201), (403, 403, 403), (404, 404, 404)),
    "POST /v1/replies": ((201, 201, 201), (403, 403, 403), (404, 404, 404)),
    # Metrics: leads read their own team, admins the tenant; a filter naming another team is refused.
    "GET /v1/metrics/rates": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/consistency/text": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/consistency/choices": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/consistency/outliers": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/delay": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/rejections": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/corrections": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/edits": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/coverage": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/readiness": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/drift": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    "GET /v1/metrics/versions": ((403, 200, 200), (403, 403, 200), (403, 403, 200)),
    # Webhooks: admins only; subscriptions belong to the tenant, not a team.
    "GET /v1/webhooks": ((403, 403, 200), NA, NA),
    "POST /v1/webhooks": ((403, 403, 201), NA, NA),
    "DELETE /v1/webhooks/{webhook_id}": ((403, 403, 204), NA, (403, 403, 404)),
    # Patterns: leads read the whole tenant and govern their own team; admins govern every team.
    # Changing another tenant's pattern is a 404 for every role (the lookup comes before the role check).
    "GET /v1/patterns": ((403, 200, 200), NA, NA),
    # What serves now, for a desk's picker: every role of the tenant (titles, no governance detail).
    "GET /v1/serving-patterns": ((200, 200, 200), NA, NA),
    "POST /v1/patterns": ((403, 201, 201), (403, 403, 201), NA),
    "GET /v1/patterns/export": ((403, 200, 200), NA, NA),
    "POST /v1/patterns/import": ((403, 403, 201), (403, 403, 201), NA),
    "GET /v1/patterns/{pattern_id}": ((403, 200, 200), (403, 200, 200), (403, 404, 404)),
    "GET /v1/patterns/{pattern_id}/versions": ((403, 200, 200), (403, 200, 200), (403, 404, 404)),
    "POST /v1/patterns/{pattern_id}/versions": ((403, 201, 201), (403, 403, 201), (404, 404, 404)),
    # The caller's own draft (own team), another author's draft of team-b, globex's draft.
    "PUT /v1/patterns/{pattern_id}/versions/{version}": ((403, 200, 200), (403, 403, 403), (404, 404, 404)),
    # approve another author's in-review version (four eyes respected)
    "POST /v1/patterns/{pattern_id}/versions/{version}/{action}": (
        (403, 200, 200),
        (403, 403, 200),
        (404, 404, 404),
    ),
    "POST /v1/patterns/{pattern_id}/rollback": ((403, 200, 200), (403, 403, 200), (404, 404, 404)),
    "POST /v1/patterns/{pattern_id}/suspend": ((403, 200, 200), (403, 403, 200), (404, 404, 404)),
    "POST /v1/patterns/{pattern_id}/resume": ((403, 200, 200), (403, 403, 200), (404, 404, 404)),
    # Bulk suspension by a lead is scoped to the lead's team: another team's intent changes nothing.
    "POST /v1/suspensions": ((403, 200, 200), (403, 200, 200), NA),
    "POST /v1/suspensions/resume": ((403, 200, 200), (403, 200, 200), NA),
    # Keys, policy changes, teams' registration and audit: admins only; another tenant's key is a 404.
    "GET /v1/keys": ((403, 403, 200), NA, NA),
    "POST /v1/keys": ((403, 403, 201), (403, 403, 201), NA),
    "POST /v1/keys/{key_id}/rotate": ((403, 403, 200), (403, 403, 200), (403, 403, 404)),
    "POST /v1/keys/{key_id}/revoke": ((403, 403, 200), (403, 403, 200), (403, 403, 404)),
    "GET /v1/policy": ((403, 200, 200), NA, NA),
    "PUT /v1/policy": ((403, 403, 200), NA, NA),
    "GET /v1/audit": ((403, 403, 200), NA, NA),
    "GET /v1/audit/export": ((403, 403, 200), NA, NA),
    "GET /v1/teams": ((403, 200, 200), NA, NA),
    "POST /v1/teams": ((403, 403, 201), NA, NA),
    "PUT /v1/teams/{team_id}": ((403, 403, 200), (403, 403, 200), (403, 403, 404)),
    # Learned examples: leads review their own team's patterns, admins any.
    "GET /v1/learned-examples": ((403, 200, 200), NA, NA),
    "POST /v1/learned-examples/review": ((403, 200, 200), (403, 403, 200), (403, 404, 404)),
    "POST /v1/learned-examples/{example_id}/withdraw": ((403, 200, 200), (403, 403, 200), (403, 404, 404)),
    # Proposed versions: as for drafts, leads for their own team's patterns, admins any.
    "GET /v1/pattern-proposals": ((403, 200, 200), NA, NA),
    "POST /v1/pattern-proposals/{proposal_id}/draft": ((403, 201, 201), (403, 403, 201), (403, 404, 404)),
    "GET /v1/pattern-proposals/new-patterns": ((403, 200, 200), NA, NA),
    # A new pattern comes from the replies of a team's agents: another team's lead does not see them.
    "POST /v1/pattern-proposals/new-patterns/{proposal_id}/draft": (
        (403, 201, 201),
        (403, 404, 201),
        (403, 404, 404),
    ),
    # Erasure: admins only; another tenant's interaction ids erase nothing (200, zero counts).
    "POST /v1/erasures": ((403, 403, 200), NA, (403, 403, 200)),
}

# (op, role, target) → why the cell fails today (none do: defects 4 and 5 are fixed).
XFAIL: dict[tuple[str, str, str], str] = {}
