"""``advisor replay``: a candidate library against the serving one, on stored or imported conversations."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from advisor.commands.store import transaction
from advisor.patterns.models import PatternSpec
from advisor.settings import Settings

MAX_CASES = 100_000


def replay(
    patterns: Annotated[
        Path, typer.Option("--patterns", help="The candidate library: a pattern file or directory.")
    ],
    conversations: Annotated[
        Path | None,
        typer.Option("--conversations", help="Conversations as JSON lines ('advisor eval' format)."),
    ] = None,
    from_store: Annotated[
        bool, typer.Option("--from-store", help="Replay the tenant's served requests and agents' decisions.")
    ] = False,
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", help="Tenant whose serving library (and stored requests) to use."),
    ] = None,
    serving: Annotated[
        Path | None,
        typer.Option("--serving", help="Compare with this library's approved versions, not the tenant's."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", min=0.0, max=1.0, help="The candidate's escalation threshold."),
    ] = None,
    since: Annotated[
        datetime | None, typer.Option("--since", help="With --from-store: requests served since (UTC).")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=MAX_CASES, help="With --from-store: the latest N requests.")
    ] = 5000,
    examples: Annotated[int, typer.Option("--examples", min=0, max=1000, help="Changed cases to list.")] = 10,
) -> None:
    """Rank the same conversations with the serving library and a candidate; print what would change as JSON.

    The candidate is the newest version of each pattern in --patterns that is not retired (drafts
    included: that is what is being tried). The candidate's threshold defaults to the setting. Agents'
    decisions so far do not re-weigh either side: the comparison is of libraries.
    """
    from advisor.bootstrap import build_ranker_factory
    from advisor.patterns.files import load_patterns
    from advisor.patterns.models import Status
    from advisor.ranking.eligibility import StagePolicy
    from advisor.replay import ReplayCase, compare, file_cases, stored_cases, without_crm_rules
    from advisor.store.decisions import DecisionLog
    from advisor.store.patterns import PatternRepository
    from advisor.store.policy import PolicyRepository
    from advisor.utc import as_utc

    if from_store == (conversations is not None):
        raise typer.BadParameter("give exactly one of --conversations FILE and --from-store")
    if tenant is None and (from_store or serving is None):
        raise typer.BadParameter("--tenant is required with --from-store, and without --serving")
    candidate_specs = [s for s in _newest(load_patterns(patterns)) if s.status is not Status.retired]
    if not candidate_specs:
        raise typer.BadParameter(f"{patterns}: no pattern that is not retired")
    cases: list[ReplayCase] = file_cases(conversations) if conversations is not None else []
    serving_specs: list[PatternSpec] = []
    policy = StagePolicy()
    if serving is not None:
        serving_specs = _newest([s for s in load_patterns(serving) if s.status is Status.approved])
    if tenant is not None:
        with transaction() as session:
            policy = PolicyRepository(session).get(tenant)
            if serving is None:
                serving_specs = PatternRepository(session).serving(tenant)
            if from_store:
                log = DecisionLog(session)
                turns = log.stored_turns(tenant, as_utc(since) if since else None, limit)
                cases = stored_cases(turns, log.request_decisions(tenant, [t.request_id for t in turns]))
    if not serving_specs:
        raise typer.BadParameter("the serving library is empty: nothing to compare with")
    if from_store:
        # The store keeps no CRM fields: rules on them are taken as met on both sides.
        serving_specs = [without_crm_rules(s) for s in serving_specs]
        candidate_specs = [without_crm_rules(s) for s in candidate_specs]
    settings = Settings()
    candidate_settings = settings
    if threshold is not None:
        candidate_settings = settings.model_copy(
            update={"ranking": settings.ranking.model_copy(update={"escalate_below": threshold})}
        )
    serving_ranker = build_ranker_factory(settings)(serving_specs, "serving", policy)
    candidate_ranker = build_ranker_factory(candidate_settings)(candidate_specs, "candidate", policy)
    report = compare(serving_ranker, candidate_ranker, cases, examples=examples)
    report["source"] = "store" if from_store else str(conversations)
    report["crm_rules"] = "taken as met (the store keeps no CRM fields)" if from_store else "checked"
    typer.echo(json.dumps(report, indent=2))


def _newest(specs: list[PatternSpec]) -> list[PatternSpec]:
    """Return the highest version of each pattern (an export holds every version)."""
    newest: dict[str, PatternSpec] = {}
    for spec in specs:
        if spec.id not in newest or spec.version > newest[spec.id].version:
            newest[spec.id] = spec
    return list(newest.values())
