"""Property tests (hypothesis): any text and any CRM values never crash the input models, the ranker or
the slot renderer, and a CRM value is inserted verbatim, once, never read as a template itself."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from advisor.context.models import InteractionContext
from advisor.patterns.files import load_patterns
from advisor.patterns.rendering import render
from advisor.ranking.embedding import StaticEmbedder
from advisor.ranking.rank import HybridRanker
from tests.builders import TEST_PACK

BOUNDED = settings(
    max_examples=60, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
SLOTS = ["customer.first_name", "order.id", "order.carrier", "order.eta", "case.id", "agent.first_name"]
CRM_KEYS = ["first_name", "segment", "id", "status", "carrier", "eta", "total", "member_level", "email"]

crm_values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["{customer.first_name}", "{order.id}", "<script>alert(1)</script>", "{{x}}", "\\n"]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
crm_group = st.dictionaries(
    st.one_of(st.sampled_from(CRM_KEYS), st.text(min_size=1, max_size=20)), crm_values, max_size=8
)
turn_text = st.text(min_size=1, max_size=300).filter(lambda t: t.strip() != "")


@pytest.fixture(scope="module")
def ranker() -> HybridRanker:
    return HybridRanker(load_patterns(TEST_PACK), StaticEmbedder("minilm-static-cs"))


@BOUNDED
@given(
    pieces=st.lists(
        st.one_of(
            st.text(max_size=20).filter(lambda t: "{" not in t and "}" not in t),
            st.sampled_from(SLOTS).map(lambda s: ("slot", s)),
        ),
        max_size=12,
    ),
    values=st.dictionaries(
        st.sampled_from(SLOTS),
        st.text(max_size=30) | st.sampled_from(["{order.id}", "{customer.first_name}"]),
    ),
)
def test_a_slot_value_is_inserted_verbatim_and_once(pieces: list[Any], values: dict[str, str]) -> None:
    body = "".join(f"{{{p[1]}}}" if isinstance(p, tuple) else p for p in pieces)
    expected = "".join((values.get(p[1], f"{{{p[1]}}}") if isinstance(p, tuple) else p) for p in pieces)
    rendered = render(body, values)
    assert rendered.text == expected  # a value holding "{order.id}" stays that text, not order.id's value
    missing = [p[1] for p in pieces if isinstance(p, tuple) and p[1] not in values]
    assert rendered.unfilled == list(dict.fromkeys(missing))


@BOUNDED
@given(
    payload=st.fixed_dictionaries(
        {
            "interaction_id": st.text(max_size=140),
            "channel": st.sampled_from(["chat", "voice", "email", "messaging", "fax", ""]),
            "agent_id": st.text(max_size=140),
            "turns": st.lists(
                st.fixed_dictionaries(
                    {
                        "role": st.sampled_from(["customer", "agent", "system", "bot"]),
                        "text": st.text(max_size=50),
                    }
                ),
                max_size=4,
            ),
            "crm": st.fixed_dictionaries({"customer": crm_group, "order": crm_group}),
        },
        optional={
            "locale": st.text(max_size=12),
            "team_id": st.none() | st.text(max_size=10),
            "extra": st.integers(),
        },
    )
)
def test_any_request_body_is_accepted_or_refused_never_crashes(payload: dict[str, Any]) -> None:
    try:
        context = InteractionContext.model_validate(payload)
    except ValidationError:
        return  # the API turns this into a 422 problem naming the field
    assert all(isinstance(v, str) for v in context.slot_values().values())


@BOUNDED
@given(
    turns=st.lists(
        st.tuples(st.sampled_from(["customer", "agent", "system"]), turn_text), min_size=1, max_size=6
    ).filter(lambda ts: any(role == "customer" for role, _ in ts)),
    customer=crm_group,
    order=crm_group,
    case=crm_group,
    channel=st.sampled_from(["chat", "voice", "email", "messaging"]),
)
def test_the_ranker_takes_any_conversation_and_renders_only_request_values(
    ranker: HybridRanker,
    turns: list[tuple[str, str]],
    customer: dict[str, Any],
    order: dict[str, Any],
    case: dict[str, Any],
    channel: str,
) -> None:
    body = {
        "interaction_id": "prop-1",
        "channel": channel,
        "agent_id": "agent-1",
        "turns": [{"role": role, "text": text} for role, text in turns],
        "crm": {"customer": customer, "order": order, "case": case},
    }
    try:
        context = InteractionContext.model_validate(body)
    except ValidationError:
        return
    ranked = ranker.rank(context, k=3)
    library = {s.id: s for s in load_patterns(TEST_PACK)}
    values = context.slot_values()
    for candidate in ranked.candidates:
        assert candidate.spec == library[candidate.spec.id]  # an approved pattern, unchanged
        assert 0.0 <= candidate.confidence <= 1.0
        rendered = render(candidate.spec.body, values)
        assert set(rendered.filled.items()) <= set(values.items())  # only values the request carried
    assert ranked.escalate or ranked.candidates
