"""``advisor demo seed``: fill the store with a realistic simulated month so the dashboard comes alive."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from advisor.patterns.models import PatternSpec
    from advisor.store.patterns import PatternRepository

demo_app = typer.Typer(rich_markup_mode=None, help="Demo data for a first look.", no_args_is_help=True)


@demo_app.command("seed")
def seed(
    days: Annotated[int, typer.Option(min=1, max=365, help="How many days of traffic, ending now.")] = 30,
    per_day: Annotated[int, typer.Option(min=1, max=5000, help="Interactions on a weekday.")] = 120,
    seed_value: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same month).")] = 7,
    url: Annotated[
        str | None,
        typer.Option(
            help="Address of the running advisor, for the closing hint "
            "(default: http://ADVISOR_HOST:ADVISOR_PORT, where 'advisor serve' listens without --port)."
        ),
    ] = None,
) -> None:
    """Simulate agents with different habits using the demo pack, through the real services."""
    from advisor.bootstrap import build_ranker_factory, prepare_store
    from advisor.demo.traffic import Step, popularity, quality_of, simulate_interaction, timeline
    from advisor.metrics.coverage import refresh_coverage
    from advisor.metrics.rollup import refresh
    from advisor.recommendations.library import LibraryCache
    from advisor.settings import Settings
    from advisor.store.decisions import DecisionLog
    from advisor.store.engine import make_engine
    from advisor.store.patterns import PatternRepository
    from advisor.store.reports import ReportsRepository
    from advisor.tenancy.service import DEMO_TENANT

    settings = Settings()
    engine = make_engine(settings.database_url)
    factory = prepare_store(engine, settings.model_copy(update={"seed_demo": True}))
    rng = random.Random(seed_value)  # noqa: S311  (simulation, not security)
    library = LibraryCache(build_ranker_factory(settings))
    with factory() as session:
        specs = PatternRepository(session).serving(DEMO_TENANT)
    if not specs:
        raise typer.BadParameter(
            "this store has no demo tenant with approved patterns (start from an empty store)"
        )
    specs = popularity(specs, rng)
    quality = quality_of(specs, rng)
    moments = timeline(days, per_day, rng)
    upgrade_at = len(moments) // 2
    improved = _improvable(specs, quality)
    run = uuid.uuid4().hex[:6]
    outcomes: Counter[str] = Counter()
    for start in range(0, len(moments), 100):
        with factory() as session, session.begin():
            patterns = PatternRepository(session)
            if improved is not None and start <= upgrade_at < start + 100:
                _publish_v2(patterns, improved, DEMO_TENANT)
                quality[improved.id] = 0.95
            step = Step(
                *library.ranker(DEMO_TENANT, patterns),
                DecisionLog(session),
                ReportsRepository(session).backdate_request,
            )
            for n, at in enumerate(moments[start : start + 100], start=start):
                outcomes[
                    simulate_interaction(
                        f"{run}-{n}", at, specs, quality, rng, DEMO_TENANT, step, focus=improved
                    )
                ] += 1
    with factory() as session, session.begin():
        reports = ReportsRepository(session)
        refresh(reports, lag_s=0)
        # the simulation backdates its requests, possibly behind the coverage cursor: re-read from the start
        refresh_coverage(reports, now=datetime.now(UTC), lag_s=0, since=min(moments))
    engine.dispose()
    total = sum(outcomes.values())
    typer.echo(
        f"simulated {total} interactions over {days} days for tenant '{DEMO_TENANT}': "
        + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    )
    if improved is not None:
        typer.echo(
            f"pattern '{improved.id}' got a better version 2 half-way through (see the version comparison)"
        )
    base = (url or f"http://{settings.host}:{settings.port}").rstrip("/")
    typer.echo(
        f"open {base}/dashboard and paste a lead key "
        "(advisor keys create --tenant demo --role lead --team team-care)"
    )


def _improvable(specs: list[PatternSpec], quality: dict[str, float]) -> PatternSpec | None:
    """Pick the weakest pattern as the one whose next version fixes it."""
    return min(specs[:15], key=lambda s: quality[s.id]) if specs else None


def _publish_v2(patterns: PatternRepository, spec: PatternSpec, tenant: str) -> None:
    from advisor.patterns.service import add_patterns

    body = spec.body.rstrip() + " Thanks for your patience."
    update = {"version": spec.version + 1, "body": body, "change_note": "Clearer wording after agent edits"}
    add_patterns(patterns, tenant, [spec.model_copy(update=update)])
