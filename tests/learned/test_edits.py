"""Agents' changes carried back to the pattern's body: slots kept, customers' values left out."""

from __future__ import annotations

from datetime import UTC, datetime

from advisor.learned.edits import EditedSuggestion, changes, common_edits

BODY = "Sorry, {customer.first_name}. I've asked {order.carrier} to trace order {order.id} within 48 hours."
SHOWN = "Sorry, Dana. I've asked UPS to trace order A1001 within 48 hours."


def made(sent: str) -> list[tuple[str, str, str]]:
    return [(c.removed, c.added, c.apply(BODY)) for c in changes(BODY, SHOWN, sent)]


def test_a_changed_word_is_carried_back_with_the_slots_intact() -> None:
    [(removed, added, body)] = made("Sorry, Dana. I've asked UPS to trace order A1001 within 24 hours.")
    assert (removed, added) == ("48", "24")
    assert body == BODY.replace("48", "24")


def test_insertions_at_either_end_and_deletions() -> None:
    assert made("Hi! " + SHOWN)[0][2] == "Hi! " + BODY
    assert made(SHOWN + " Thanks.")[0][2] == BODY + " Thanks."
    [(removed, added, body)] = made(SHOWN.replace(" within 48 hours", ""))
    assert (removed, added, body) == ("within 48 hours", "", BODY.replace(" within 48 hours", ""))
    assert made(SHOWN.replace(" hours.", " hours, promise."))[0][2] == BODY.replace(
        "hours.", "hours, promise."
    )


def test_values_of_slots_and_redacted_data_are_not_pattern_edits() -> None:
    assert made(SHOWN.replace("Dana", "Dan")) == []  # the customer's name, in a slot
    assert made(SHOWN.replace("A1001", "A1002")) == []
    assert made(SHOWN + " Mail me at [EMAIL].") == []
    assert made(SHOWN.replace(".", "!")) == []  # punctuation only


def test_a_text_that_is_not_this_body_rendered_gives_nothing() -> None:
    assert changes(BODY, "[removed after the retention period]", SHOWN + " Thanks.") == []
    assert changes("Another body entirely.", SHOWN, SHOWN + " Thanks.") == []


def test_support_needs_two_agents_and_caps_each() -> None:
    now = datetime.now(UTC)
    one = [EditedSuggestion(n, "a1", SHOWN, SHOWN + " Thanks.", now) for n in range(10)]
    assert common_edits(BODY, one) == []
    [common] = common_edits(BODY, [*one, EditedSuggestion(99, "a2", SHOWN, SHOWN + " thanks.", now)])
    assert (common.decisions, len(common.agents), common.support) == (11, 2, 4)
