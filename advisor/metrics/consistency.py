"""Consistency: how close sent text stays to the suggestion, how concentrated pattern choices are per
intent, and which agents behave differently from their team."""

from __future__ import annotations

import re
from collections import defaultdict

from rapidfuzz.distance import Levenshtein

from advisor.metrics.models import ChoiceCount, Decision, OutcomeCount
from advisor.metrics.stats import chi_square, concentration, two_proportion_z, wilson

_SPACES = re.compile(r"\s+")
OUTCOMES = [d.value for d in Decision]


def normalise(text: str) -> str:
    """Case-fold and collapse whitespace, so that only real wording changes count."""
    return _SPACES.sub(" ", text.casefold()).strip()


def text_similarity(suggested: str, sent: str) -> float:
    """Normalised Levenshtein similarity of the sent text to the suggested text (1 = unchanged)."""
    return float(Levenshtein.normalized_similarity(normalise(suggested), normalise(sent)))


def choice_rows(counts: list[ChoiceCount], level: str) -> list[dict[str, object]]:
    """Per intent and per agent or team: how concentrated the choice of pattern is.

    ``counts`` are the suggestions used (accepted or edited); ``level`` is ``agent`` or ``team``.
    """
    grouped: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for count in counts:
        who = (count.team or "", count.agent) if level == "agent" else (count.team or "",)
        grouped[(*who, count.intent)][count.pattern] += count.n
    rows: list[dict[str, object]] = []
    for key, by_pattern in sorted(grouped.items()):
        summary = concentration(dict(by_pattern))
        row: dict[str, object] = {"team": key[0] or None}
        if level == "agent":
            row["agent"] = key[1]
        row.update(
            intent=key[-1],
            choices=summary.choices,
            patterns_used=summary.options,
            modal_pattern=summary.modal,
            modal_share=summary.modal_share,
            normalised_entropy=summary.entropy,
            consistency=summary.consistency,
        )
        rows.append(row)
    return rows


def outlier_rows(counts: list[OutcomeCount], alpha: float) -> list[dict[str, object]]:
    """Compare each agent with the rest of their team.

    ``counts`` are grouped by team and agent. Acceptance (accepted over shown) is compared with a
    two-proportion z-test; the whole outcome mix with a chi-square test.
    """
    mix: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for row in counts:
        mix[str(row.group["team"] or "")][str(row.group["agent"])][row.decision] += row.n
    rows: list[dict[str, object]] = []
    for team, agents in sorted(mix.items()):
        team_totals = {o: sum(a.get(o, 0) for a in agents.values()) for o in OUTCOMES}
        for agent, own in sorted(agents.items()):
            rest = {o: team_totals[o] - own.get(o, 0) for o in OUTCOMES}
            n_own, n_rest = sum(own.values()), sum(rest.values())
            acc_own, acc_rest = wilson(own.get("accepted", 0), n_own), wilson(rest.get("accepted", 0), n_rest)
            z = two_proportion_z(own.get("accepted", 0), n_own, rest.get("accepted", 0), n_rest)
            chi = chi_square([[own.get(o, 0) for o in OUTCOMES], [rest[o] for o in OUTCOMES]])
            p_values = [p for p in (z.p_value, chi.p_value) if p is not None]
            rows.append(
                {
                    "team": team or None,
                    "agent": agent,
                    "shown": n_own,
                    "team_rest_shown": n_rest,
                    "acceptance_rate": acc_own.rate,
                    "team_rest_acceptance_rate": acc_rest.rate,
                    **{f"{o}_share": round(own.get(o, 0) / n_own, 6) if n_own else None for o in OUTCOMES},
                    "z": z.statistic,
                    "z_p_value": z.p_value,
                    "chi2": chi.statistic,
                    "chi2_p_value": chi.p_value,
                    "differs": bool(p_values) and min(p_values) < alpha,
                }
            )
    return rows
