"""Start-up work shared by the app and the CLI: migrate, seed the demo tenant, build rankers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from advisor.patterns.models import PatternSpec
from advisor.patterns.transfer import load_servable
from advisor.ranking.eligibility import StagePolicy
from advisor.ranking.embedding import CachedEmbedder, limit_blas_threads, make_embedder
from advisor.ranking.rank import HybridRanker
from advisor.recommendations.library import RankerFactory
from advisor.settings import Settings
from advisor.store import Session, sessionmaker
from advisor.store.engine import Engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.patterns import PatternRepository
from advisor.store.privacy import REDACT_INFO_KEY, install_redaction
from advisor.store.tenancy import TenancyRepository
from advisor.tenancy.service import DemoKeys, bootstrap_demo


def prepare_store(engine: Engine, settings: Settings) -> sessionmaker[Session]:
    """Migrate the store and, when enabled and empty, create the demo tenant."""
    upgrade(engine)
    factory = make_sessionmaker(engine)
    install_redaction()
    factory.configure(info={REDACT_INFO_KEY: settings.privacy.redact_stored_text})
    if settings.seed_demo:
        seed_demo(factory, settings)
    return factory


def seed_demo(factory: sessionmaker[Session], settings: Settings) -> DemoKeys | None:
    """Create the demo tenant with its keys and pattern pack if the store is empty; return the keys."""
    with factory() as session, session.begin():
        tenancy = TenancyRepository(session)
        if tenancy.tenant_count() > 0:
            return None
        keys = bootstrap_demo(tenancy, PatternRepository(session), load_servable(settings.patterns_dir))
    if keys is not None:
        print_demo_keys(keys, settings)
    return keys


def try_it_request(today: date) -> dict[str, Any]:
    """The request the start banner suggests: an order question whose CRM supports the suggestion's
    premises on ``today`` (shipped, due in three days)."""
    return {
        "interaction_id": "try-1",
        "channel": "chat",
        "agent_id": "agent-demo",
        "turns": [{"role": "customer", "text": "where is my order?"}],
        "crm": {
            "customer": {"first_name": "Dana", "email": "dana@example.com"},
            "order": {
                "id": "A1001",
                "status": "shipped",
                "carrier": "UPS",
                "eta": (today + timedelta(days=3)).isoformat(),
                "tracking_url": "https://track.example.com/A1001",
            },
        },
    }


def print_demo_keys(keys: DemoKeys, settings: Settings) -> None:
    """Tell the person who started advisor how to use the demo tenant (printed once)."""
    base = f"http://{settings.host}:{settings.port}"
    body = json.dumps(try_it_request(datetime.now(UTC).date()), separators=(",", ":"))
    print(  # noqa: T201  (shown once on first start; the keys exist nowhere else)
        "\nadvisor created the demo tenant 'demo' (keys are shown only now):\n"
        f"  agent key: {keys.agent}\n  lead key:  {keys.lead}\n  admin key: {keys.admin}\n"
        f"Try it:\n  curl -s {base}/v1/recommendations -H 'Authorization: Bearer {keys.agent}' "
        f"-H 'Content-Type: application/json' -d '{body}'\n"
        f"Demo desk (agent view): {base}/demo   Dashboard (paste the lead key): {base}/dashboard\n"
        f"API docs: {base}/docs\n",
        flush=True,
    )


def listening_banner(host: str, port: int) -> str:
    """The line ``advisor serve`` prints on every start: where the API, the desk and the dashboard are."""
    base = f"http://{host}:{port}"
    return (
        f"advisor listening on {base}\n"
        f"  demo desk: {base}/demo   dashboard: {base}/dashboard   API docs: {base}/docs"
    )


def build_ranker_factory(settings: Settings) -> RankerFactory:
    """Return a factory that builds a tenant's ranker from its serving patterns."""
    limit_blas_threads()
    embedder = CachedEmbedder(make_embedder(settings.ranking.embedder), settings.ranking.embedding_cache)

    def factory(specs: list[PatternSpec], stamp: str, policy: StagePolicy) -> HybridRanker:
        return HybridRanker(
            specs,
            embedder,
            policy=policy,
            threshold=settings.ranking.escalate_below,
            candidates=settings.ranking.candidates,
            library_stamp=stamp,
            library_head=settings.ranking.library_head,
        )

    return factory
