"""Learning curve: simulated agents decide on BANKING77 suggestions, ranking learns, top-1 is plotted.

A 10-shot BANKING77 pack (seed 0) is approved in a fresh SQLite store behind the real app (ASGI,
in process). A stream of the other utterances is sent to ``/v1/recommendations`` by ten simulated
agents; each agent accepts the right intent's pattern when it is shown and otherwise rejects the top
suggestion with ``wrong_intent`` (``/v1/feedback``). After every round a reviewer approves the pending
learned examples (``/v1/learned-examples``; only the review step lets them into the index). Before
the first round and after each one, top-1 is measured on a fixed held-out set that the stream never
contains (ranked by the same process; nothing is fed back from it). ``--exploration 0`` turns the
ordering bonus for little-decided patterns off, to measure what exploring costs. ``--corrections``:
agents who do not see the right pattern reject the top suggestion and name the right one as the
pattern they sent instead (``used_pattern_id``), as a desk with a macro picker reports it.

    python bench/learning_curve.py [--rounds 8] [--per-round 700] [--test 1500] [--exploration 0.02]
        [--corrections] [--out docs/learning_curve.json]
    python bench/learning_curve.py --plot docs/learning_curve.json [more.json] --png docs/learning_curve.png
        (the plot needs matplotlib: pip install -e ".[bench]")
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

import advisor.ranking.acceptance as acceptance  # noqa: E402
from advisor.app import create_app  # noqa: E402
from advisor.bootstrap import build_ranker_factory  # noqa: E402
from advisor.context.models import InteractionContext  # noqa: E402
from advisor.evaluation import build_fewshot  # noqa: E402
from advisor.patterns.files import load_patterns  # noqa: E402
from advisor.patterns.service import add_patterns  # noqa: E402
from advisor.recommendations.library import LibraryCache  # noqa: E402
from advisor.settings import Settings  # noqa: E402
from advisor.store.decisions import DecisionLog  # noqa: E402
from advisor.store.engine import make_engine, make_sessionmaker  # noqa: E402
from advisor.store.migrate import upgrade  # noqa: E402
from advisor.store.patterns import PatternRepository  # noqa: E402
from advisor.store.tenancy import TenancyRepository  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "banking77" / "train.csv"
TENANT = "bank"
AGENTS = [f"agent-{n}" for n in range(10)]


def setup(store: Path, pack: Path) -> tuple[Settings, dict[str, str]]:
    """Create the tenant with the pack approved, ten agent keys and a lead key."""
    settings = Settings(  # type: ignore[call-arg]
        database_url=f"sqlite:///{store}",
        seed_demo=False,
        patterns_dir=pack,
        ranking={"decisions_refresh_s": 0},
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    keys: dict[str, str] = {}
    with make_sessionmaker(engine)() as session, session.begin():
        tenancy = TenancyRepository(session)
        tenancy.ensure_tenant(TENANT)
        add_patterns(PatternRepository(session), TENANT, load_patterns(pack))
        for agent in AGENTS:
            _, keys[agent] = tenancy.create_key(TENANT, "agent", team_id="floor", agent_id=agent)
        _, keys["lead"] = tenancy.create_key(TENANT, "admin")
    engine.dispose()
    return settings, keys


def request(text: str, agent: str) -> dict[str, Any]:
    return {
        "interaction_id": f"sim-{random.getrandbits(48):x}",
        "channel": "chat",
        "locale": "en-US",
        "agent_id": agent,
        "team_id": "floor",
        "turns": [{"role": "customer", "text": text}],
        "k": 3,
    }


def measure(settings: Settings, cases: list[tuple[str, str]]) -> dict[str, float]:
    """Rank the held-out cases as a serving process would now (library, learned examples and decisions
    as stored): top-1 over every case (as ``advisor eval`` counts it) and the share answered right."""
    library = LibraryCache(build_ranker_factory(settings), decisions_refresh_s=0)
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        ranker, _ = library.ranker(TENANT, PatternRepository(session))
        book = library.acceptance(TENANT, DecisionLog(session))
    engine.dispose()
    first = answered = 0
    for text, intent in cases:
        body = request(text, "agent-eval")
        del body["k"]
        ranked = ranker.rank(InteractionContext.model_validate(body), 3, acceptance=book)
        first += bool(ranked.considered) and ranked.considered[0].spec.id == intent
        answered += bool(ranked.candidates) and ranked.candidates[0].spec.id == intent
    return {"top1": round(first / len(cases), 4), "answered_right": round(answered / len(cases), 4)}


def review(client: TestClient, key: str) -> int:
    """The lead approves every pending learned example (all come from right suggestions here)."""
    headers = {"Authorization": f"Bearer {key}"}
    approved = 0
    while True:
        page = client.get("/v1/learned-examples", params={"status": "pending", "limit": 100}, headers=headers)
        if page.status_code == 404:
            return approved
        items = page.json()
        if not items:
            return approved
        ids = [item["id"] for item in items]
        answer = client.post("/v1/learned-examples/review", json={"approve": ids}, headers=headers)
        if answer.status_code == 409:  # a pattern is at its bound of approved examples: one at a time,
            for one in ids:  # and the reviewer declines what does not fit
                single = client.post("/v1/learned-examples/review", json={"approve": [one]}, headers=headers)
                if single.is_success:
                    approved += 1
                else:
                    client.post("/v1/learned-examples/review", json={"reject": [one]}, headers=headers)
            continue
        answer.raise_for_status()
        approved += len(ids)


def run(args: argparse.Namespace) -> dict[str, Any]:
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    work = Path(tempfile.mkdtemp(prefix="advisor-curve-"))
    build_fewshot(DATA, 10, 0, work / "b77")
    shots = {e for spec in load_patterns(work / "b77" / "patterns") for e in spec.examples}
    rest = [(r["text"], r["category"]) for r in rows if r["text"] not in shots]
    rng = random.Random(1)
    rng.shuffle(rest)
    test, stream = rest[: args.test], rest[args.test :]
    acceptance.EXPLORATION = args.exploration
    settings, keys = setup(work / "advisor.db", work / "b77" / "patterns")
    intents = len({row["category"] for row in rows})
    points: list[dict[str, Any]] = []
    decisions = accepted = 0
    with TestClient(create_app(settings)) as client:
        points.append({"round": 0, "decisions": 0, "accepted_per_intent": 0.0, **measure(settings, test)})
        print(json.dumps(points[-1]), flush=True)
        for round_ in range(1, args.rounds + 1):
            started = time.perf_counter()
            batch = stream[(round_ - 1) * args.per_round : round_ * args.per_round]
            for n, (text, intent) in enumerate(batch):
                agent = AGENTS[n % len(AGENTS)]
                headers = {"Authorization": f"Bearer {keys[agent]}"}
                shown = client.post("/v1/recommendations", json=request(text, agent), headers=headers).json()
                suggestions = shown["recommendations"]
                if not suggestions:
                    continue
                right = next((s for s in suggestions if s["pattern_id"] == intent), None)
                event: dict[str, Any] = {"client_event_id": f"r{round_}-{n}"}
                if right is not None:
                    event |= {"recommendation_id": right["recommendation_id"], "action": "accepted"}
                    accepted += 1
                else:
                    event |= {
                        "recommendation_id": suggestions[0]["recommendation_id"],
                        "action": "rejected",
                        "reason": "wrong_intent",
                    }
                    if args.corrections:
                        event["used_pattern_id"] = intent
                client.post("/v1/feedback", json=event, headers=headers).raise_for_status()
                decisions += 1
            approved = review(client, keys["lead"])
            points.append(
                {
                    "round": round_,
                    "decisions": decisions,
                    "accepted_per_intent": round(accepted / intents, 1),
                    "approved_examples": approved,
                    **measure(settings, test),
                    "seconds": round(time.perf_counter() - started, 1),
                }
            )
            print(json.dumps(points[-1]), flush=True)
    return {
        "embedder": settings.ranking.embedder,
        "exploration": args.exploration,
        "corrections": args.corrections,
        "test_cases": len(test),
        "per_round": args.per_round,
        "points": points,
    }


def plot(files: list[Path], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for path in files:
        result = json.loads(path.read_text())
        xs = [p["accepted_per_intent"] for p in result["points"]]
        ys = [100 * p["top1"] for p in result["points"]]
        label = f"{result.get('embedder', 'minilm-static-cs')}, exploration {result['exploration']}"
        if result.get("corrections"):
            label += ", with corrections"
        ax.plot(xs, ys, marker="o", label=label)
    ax.axhline(92, color="grey", linestyle=":", label="target 92 %")
    ax.set_xlabel("accepted decisions per intent (simulated agents, BANKING77)")
    ax.set_ylabel("top-1 on held-out cases (%)")
    ax.set_title("advisor learning from agents' decisions (10-shot start)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=700)
    parser.add_argument("--test", type=int, default=1500)
    parser.add_argument("--exploration", type=float, default=acceptance.EXPLORATION)
    parser.add_argument(
        "--corrections", action="store_true", help="agents name the right pattern when rejecting"
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument("--plot", type=Path, nargs="+")
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "learning_curve.png")
    args = parser.parse_args()
    if args.plot:
        plot(args.plot, args.png)
        return
    result = run(args)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
