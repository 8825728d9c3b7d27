"""Replay ABCD dialogues turn by turn through a pattern pack: right, escalated, wrong, wrong-with-a-commitment.

One request per customer turn, with the conversation so far (ABCD customer → customer, agent →
agent, action → system) and the dialogue's CRM fields mapped to advisor's groups (``CRM`` below).
``bench/abcd_mapping.yaml`` says which patterns are right for each ABCD intent and which patterns
commit; intents it does not map are out of scope, where escalating is the right outcome. The ranker
is built as ``advisor eval`` builds it (conversation state, eligibility and flows included).

    python bench/abcd_replay.py [--patterns advisor/packs/demo] [--data ../shared/datasets/abcd/abcd-train-sample.jsonl]
        [--mapping bench/abcd_mapping.yaml] [--limit N] [--json] [--show-wrong] [--by-intent]

``--data`` also reads gzipped JSON lines (another ABCD split in the same fields); ``--by-intent`` adds
the counts per ABCD intent. The ``avail`` column is the share of turns on which a right pattern was
available at all (eligible for what the CRM shows, not already sent or done in its flow): the most any
ranking could get right.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from advisor.context.models import InteractionContext  # noqa: E402
from advisor.patterns.files import load_patterns  # noqa: E402
from advisor.patterns.models import PatternSpec  # noqa: E402
from advisor.ranking.embedding import limit_blas_threads, make_embedder  # noqa: E402
from advisor.ranking.rank import HybridRanker  # noqa: E402
from advisor.settings import Settings  # noqa: E402

DEFAULT_DATA = Path("../shared/datasets/abcd/abcd-train-sample.jsonl")
DEFAULT_PATTERNS = ROOT / "advisor" / "packs" / "demo"
DEFAULT_MAPPING = ROOT / "bench" / "abcd_mapping.yaml"
ROLES = {"customer": "customer", "agent": "agent", "action": "system"}
OUTCOMES = ("right", "escalated", "wrong", "wrong_commit")
# ABCD field → advisor CRM slot. customer_name is split into first_name/last_name; PINs and security
# answers are secrets and are never sent.
CRM = {
    ("customer", "member_level"): "customer.segment",
    ("customer", "username"): "customer.username",
    ("customer", "email"): "customer.email",
    ("customer", "phone"): "customer.phone",
    ("customer", "account_id"): "customer.account_id",
    ("order", "order_id"): "order.id",
    ("order", "full_address"): "order.shipping_address",
    ("order", "purchase_date"): "order.purchase_date",
    ("order", "payment_method"): "order.payment_method",
    ("order", "shipping_status"): "order.status",
}
STATUS = {"order received": "processing", "in transit": "in_transit", "out for delivery": "out_for_delivery"}


@dataclass(frozen=True)
class Mapping:
    """Right patterns per ABCD intent, and the patterns that do not commit."""

    right: dict[str, frozenset[str]]
    does_not_commit: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> Mapping:
        """Read the mapping file."""
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        right = {str(k): frozenset(v or ()) for k, v in raw["right"].items()}
        return cls(right=right, does_not_commit=frozenset(raw.get("does_not_commit", ())))

    def key(self, dialogue: dict[str, Any]) -> str:
        """Return the ABCD label that decides the dialogue: its scenario when mapped, else its intent."""
        scenario = dialogue.get("scenario_subflow")
        return str(scenario) if scenario in self.right else str(dialogue["subflow"])

    def expected(self, dialogue: dict[str, Any]) -> frozenset[str]:
        """Return the right pattern ids for a dialogue (empty: out of scope)."""
        return self.right.get(self.key(dialogue), frozenset())

    def unknown(self, specs: list[PatternSpec]) -> list[str]:
        """Return the ids the mapping names that the pack does not have (a typo, or an older pack)."""
        named = set(self.does_not_commit).union(*self.right.values())
        return sorted(named - {s.id for s in specs})


# What each ABCD action puts on the agent's screen: the CRM widget sends only what the agent has pulled
# up so far, as a live desk would. Customer fields not listed under an action are never revealed.
REVEALS = {
    "pull-up-account": {
        "customer.first_name",
        "customer.last_name",
        "customer.segment",
        "customer.account_id",
    },
    "verify-identity": {"customer.username", "customer.email", "customer.phone"},
    "validate-purchase": {"customer.username", "customer.email", "order.*"},
    "shipping-status": {"order.*"},
    "update-order": {"order.*"},
    "membership": {"customer.segment"},
}


def crm_fields(dialogue: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Map a dialogue's customer and order fields to advisor's CRM groups (everything, as known at the end)."""
    crm: dict[str, dict[str, str]] = {"customer": {}, "order": {}}
    name = str(dialogue["customer"].get("customer_name", "")).split(maxsplit=1)
    if name:
        crm["customer"]["first_name"] = name[0]
    if len(name) > 1:
        crm["customer"]["last_name"] = name[1]
    for (group, key), slot in CRM.items():
        value = dialogue.get(group, {}).get(key)
        if value in (None, ""):
            continue
        text = str(value)
        if slot == "order.status":
            text = STATUS.get(text.lower(), text.lower().replace(" ", "_"))
        target, field = slot.split(".")
        crm[target][field] = text
    products = dialogue.get("product", {}).get("names") or []
    if products:
        crm["order"]["item"] = str(products[0])
    return crm


def visible(crm: dict[str, dict[str, str]], actions: list[str]) -> dict[str, dict[str, str]]:
    """Return the part of ``crm`` that the actions taken so far have put on the agent's screen."""
    shown = set().union(*(REVEALS.get(a, set()) for a in actions)) if actions else set()
    return {
        group: {k: v for k, v in fields.items() if f"{group}.{k}" in shown or f"{group}.*" in shown}
        for group, fields in crm.items()
    }


def requests(
    dialogue: dict[str, Any], *, crm_upfront: bool = False
) -> Iterator[tuple[int, bool, InteractionContext]]:
    """Yield (turn index, is the opening customer turn, context) for each customer turn.

    The CRM holds what the agent's actions so far have pulled up (``REVEALS``), or everything from the
    first turn with ``crm_upfront``.
    """
    turns: list[dict[str, str]] = []
    crm = crm_fields(dialogue)
    actions = sorted((int(a["turn"]), str(a["action"])) for a in dialogue.get("actions", []))
    opening = True
    for index, turn in enumerate(dialogue["turns"]):
        text = str(turn["text"]).strip()
        if not text:
            continue
        turns.append({"role": ROLES[turn["speaker"]], "text": text[:8_000]})
        if turn["speaker"] != "customer":
            continue
        done = [name for at, name in actions if at < index]
        context = InteractionContext.model_validate(
            {
                "interaction_id": f"abcd-{dialogue['id']}",
                "channel": "chat",
                "locale": "en-US",
                "agent_id": "abcd-agent",
                "turns": turns[-200:],
                "crm": crm if crm_upfront else visible(crm, done),
            }
        )
        yield index, opening, context
        opening = False


def empty_counts() -> dict[str, int]:
    """Return zeroed counters for one report cell."""
    return {"turns": 0, **dict.fromkeys(OUTCOMES, 0), "right_by_identity_check": 0, "available": 0}


def replay(
    dialogues: list[dict[str, Any]],
    ranker: HybridRanker,
    mapping: Mapping,
    *,
    crm_upfront: bool = False,
    per_intent: dict[str, dict[str, int]] | None = None,
    reach: HybridRanker | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Replay every customer turn; return the report and the wrong turns.

    The report has ``in_scope`` and ``out_of_scope``, each with ``all``, ``opening`` and ``later``
    cells counting turns, right, escalated, wrong and wrong_commit (a subset of wrong). ``per_intent``,
    when given, receives the same counts per ABCD intent (the key the mapping decides it by).
    ``reach``: the same library ranked without a candidate limit (``build(..., unlimited=True)``); each
    in-scope cell then also counts the turns on which a right pattern was available at all: eligible for
    what the CRM shows, and not dropped by its flow (already sent, or a step already done). No ranking
    can be right on the others.
    """
    report: dict[str, Any] = {
        scope: {part: empty_counts() for part in ("all", "opening", "later")}
        for scope in ("in_scope", "out_of_scope")
    }
    wrong: list[dict[str, Any]] = []
    for dialogue in dialogues:
        expected = mapping.expected(dialogue)
        scope = "in_scope" if expected else "out_of_scope"
        intent = mapping.key(dialogue)
        for index, opening, context in requests(dialogue, crm_upfront=crm_upfront):
            ranked = ranker.rank(context, k=3)
            chosen = ranked.candidates
            top = chosen[0].spec.id if chosen else None
            if top is None:
                outcome = "escalated"
            elif top in expected:
                outcome = "right"
            else:
                outcome = "wrong"
            commits = outcome == "wrong" and top not in mapping.does_not_commit
            available = (
                bool(expected)
                and reach is not None
                and any(c.spec.id in expected for c in reach.rank(context, k=1).considered)
            )
            cells = [report[scope][part] for part in ("all", "opening" if opening else "later")]
            if per_intent is not None:
                cells.append(per_intent.setdefault(intent, empty_counts()))
            for cell in cells:
                cell["turns"] += 1
                cell[outcome] += 1
                cell["wrong_commit"] += int(commits)
                cell["available"] += int(available)
                cell["right_by_identity_check"] += int(outcome == "right" and top == "identity_check")
            if outcome == "wrong":
                wrong.append(
                    {
                        "dialogue": dialogue["id"],
                        "intent": dialogue.get("scenario_subflow") or dialogue["subflow"],
                        "turn": index,
                        "scope": scope,
                        "text": context.turns[-1].text,
                        "suggested": top,
                        "commits": commits,
                        "confidence": round(chosen[0].confidence, 3),
                        "expected": sorted(expected),
                    }
                )
    return report, wrong


def build(patterns: Path, *, unlimited: bool = False) -> tuple[HybridRanker, list[PatternSpec]]:
    """Build the ranker as ``advisor eval`` does (settings' embedder, threshold and candidate count);
    ``unlimited`` considers every eligible pattern (to tell which right patterns were available)."""
    limit_blas_threads()
    settings = Settings()
    specs = load_patterns(patterns)
    embedder = make_embedder(settings.ranking.embedder)
    ranker = HybridRanker(
        specs,
        embedder,
        threshold=settings.ranking.escalate_below,
        candidates=len(specs) if unlimited else settings.ranking.candidates,
        library_head=settings.ranking.library_head,
    )
    return ranker, specs


def read_dialogues(path: Path, limit: int | None = None, fold: str = "all") -> list[dict[str, Any]]:
    """Read ABCD dialogues (one JSON object per line, gzipped when the name ends in .gz);
    ``fold`` "a"/"b" keeps every other one (for 2-fold fits)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    if fold != "all":
        lines = lines[{"a": 0, "b": 1}[fold] :: 2]
    return [json.loads(line) for line in lines[:limit]]


def write_cases(dialogues: list[dict[str, Any]], mapping: Mapping, path: Path) -> int:
    """Write one ``advisor eval`` case per customer turn (expected: the mapped patterns; [] out of scope)."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for dialogue in dialogues:
            expected = sorted(mapping.expected(dialogue))
            for index, opening, context in requests(dialogue):
                case = {
                    "id": f"abcd-{dialogue['id']}-{index}",
                    "kind": "opening" if opening else "continuation",
                    "expected": expected,
                    "context": context.model_dump(mode="json", exclude_none=True),
                }
                handle.write(json.dumps(case) + "\n")
                count += 1
    return count


def rates(c: dict[str, int]) -> str:
    """Format one cell's right, escalated, wrong and committing shares of its turns."""
    n = max(c["turns"], 1)
    return (
        f"{c['right'] / n:6.1%} {c['escalated'] / n:6.1%} {c['wrong'] / n:6.1%} {c['wrong_commit'] / n:7.1%}"
    )


def table(report: dict[str, Any]) -> str:
    """Format the report as a plain-text table with rates."""
    rows = ["scope         part     turns  right  escal  wrong  commit  avail  (right by identity_check)"]
    for scope, parts in report.items():
        for part, c in parts.items():
            avail = f"{c['available'] / max(c['turns'], 1):6.1%}"
            rows.append(
                f"{scope:13s} {part:8s} {c['turns']:5d} {rates(c)} {avail}  ({c['right_by_identity_check']})"
            )
    return "\n".join(rows)


def intent_table(per_intent: dict[str, dict[str, int]], mapping: Mapping) -> str:
    """Format the counts per ABCD intent, most turns first (scope: in, or out of the demo's scope)."""
    rows = ["\nintent                             scope  turns  right  escal  wrong  commit"]
    for intent, c in sorted(per_intent.items(), key=lambda item: (-item[1]["turns"], item[0])):
        scope = "in" if mapping.right.get(intent) else "out"
        rows.append(f"{intent:34s} {scope:5s} {c['turns']:6d} {rates(c)}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    """Run the replay and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", type=Path, default=DEFAULT_PATTERNS)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="relative to the repository")
    parser.add_argument("--mapping", type=Path, default=DEFAULT_MAPPING)
    parser.add_argument("--limit", type=int, default=None, help="replay only the first N dialogues")
    parser.add_argument("--fold", choices=("all", "a", "b"), default="all", help="every other dialogue")
    parser.add_argument(
        "--write-cases", type=Path, help="write the turns as eval cases to this file and stop"
    )
    parser.add_argument("--crm-upfront", action="store_true", help="send the whole CRM from the first turn")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--show-wrong", action="store_true", help="print every wrong turn")
    parser.add_argument("--by-intent", action="store_true", help="add the counts per ABCD intent")
    args = parser.parse_args(argv)
    data = args.data if args.data.is_absolute() or args.data.exists() else ROOT / args.data
    mapping = Mapping.load(args.mapping)
    ranker, specs = build(args.patterns)
    unknown = mapping.unknown(specs)
    if unknown:
        print(f"note: the pack has no pattern {', '.join(unknown)} (named in the mapping)", file=sys.stderr)
    dialogues = read_dialogues(data, args.limit, args.fold)
    if args.write_cases:
        print(json.dumps({"cases": write_cases(dialogues, mapping, args.write_cases)}))
        return
    per_intent: dict[str, dict[str, int]] | None = {} if args.by_intent else None
    reach = build(args.patterns, unlimited=True)[0]
    report, wrong = replay(
        dialogues, ranker, mapping, crm_upfront=args.crm_upfront, per_intent=per_intent, reach=reach
    )
    summary: dict[str, Any] = {"dialogues": len(dialogues), "ranker": ranker.version, "report": report}
    if per_intent is not None:
        summary["by_intent"] = per_intent
    if args.json:
        print(json.dumps({**summary, "wrong": wrong} if args.show_wrong else summary, indent=2))
        return
    print(f"{len(dialogues)} dialogues, ranker {ranker.version}")
    print(table(report))
    if per_intent is not None:
        print(intent_table(per_intent, mapping))
    if args.show_wrong:
        for w in wrong:
            flag = " COMMITS" if w["commits"] else ""
            print(
                f"\n[{w['scope']}] dialogue {w['dialogue']} ({w['intent']}) turn {w['turn']}{flag}\n"
                f"  customer: {w['text']!r}\n  suggested: {w['suggested']} (confidence {w['confidence']})\n"
                f"  right: {', '.join(w['expected']) or 'escalate'}"
            )


if __name__ == "__main__":
    main()
