"""What is kept of the customer's words, and which decisions confirm a suggestion (pure functions)."""

from __future__ import annotations

import pytest

from advisor.context.models import Turn
from advisor.learned.capture import (
    LIGHT_EDIT_MIN_SIMILARITY,
    MASK,
    MAX_TEXT_CHARS,
    confirms,
    keepable,
    learning_text,
    mask,
    normalise,
    text_key,
)
from advisor.metrics.consistency import text_similarity

CRM = {
    "customer.first_name": "Dana",
    "customer.full_name": "Dana Okafor",
    "customer.vip": "True",
    "order.id": "A1001",
    "order.carrier": "UPS",
    "order.shipping_address": "12 Quay St",
}


def turns(*texts: tuple[str, str]) -> list[Turn]:
    return [Turn.model_validate({"role": role, "text": text}) for role, text in texts]


class TestMask:
    @pytest.mark.parametrize(
        ("text", "kept"),
        [
            ("write to jo@example.com please", f"write to {MASK} please"),
            ("see https://t.co/abc for the photo", f"see {MASK} for the photo"),
            ("call 0161 496 0000 after 5pm", f"call {MASK} after {MASK}"),
            ("Order ID: 3348917502 never came", f"{MASK} never came"),
            ("ship it to 12 Quay St instead", f"ship it to {MASK} instead"),
            ("my ups parcel is lost", f"my {MASK} parcel is lost"),
            ("it's okafor, dana okafor", f"it's {MASK}"),
            ("true story, the parcel is lost", "true story, the parcel is lost"),
        ],
    )
    def test_identifiers_and_crm_values_are_masked(self, text: str, kept: str) -> None:
        assert mask(text, CRM) == kept

    def test_long_text_is_cut_at_a_word(self) -> None:
        text = "parcel " * 100
        kept = mask(text, {})
        assert len(kept) <= MAX_TEXT_CHARS
        assert kept.endswith("parcel")
        assert set(kept.split()) == {"parcel"}

    def test_a_text_of_identifiers_only_is_not_kept(self) -> None:
        assert not keepable(mask("A1001", CRM))
        assert learning_text(turns(("customer", "A1001 / jo@example.com")), None, CRM) is None


class TestTopicTurn:
    def test_the_named_topic_turn_is_kept(self) -> None:
        ctx = turns(
            ("customer", "my parcel never arrived, order A1001"),
            ("agent", "Can I have your e-mail?"),
            ("customer", "dana@example.com"),
        )
        assert learning_text(ctx, 0, CRM) == f"my parcel never arrived, order {MASK}"

    def test_without_a_topic_turn_the_latest_customer_turn_is_kept(self) -> None:
        ctx = turns(("customer", "hello"), ("customer", "my parcel never arrived"), ("agent", "Sorry!"))
        assert learning_text(ctx, None, CRM) == "my parcel never arrived"

    def test_a_topic_turn_that_is_not_the_customers_is_ignored(self) -> None:
        ctx = turns(("customer", "my parcel never arrived"), ("agent", "Sorry to hear that"))
        assert learning_text(ctx, 1, CRM) == "my parcel never arrived"


class TestConfirms:
    SUGGESTED = (
        "I'm sorry, Dana. I've opened a trace with UPS for order A1001 and will update you within 48 hours."
    )

    def test_accepted_confirms(self) -> None:
        assert confirms("accepted", self.SUGGESTED, None)

    def test_light_edit_confirms_and_heavy_edit_does_not(self) -> None:
        light = self.SUGGESTED.replace("I'm sorry", "So sorry") + " Thanks!"
        heavy = "Hi Dana, I'll look into it and get back to you."
        assert text_similarity(self.SUGGESTED, light) >= LIGHT_EDIT_MIN_SIMILARITY
        assert confirms("edited", self.SUGGESTED, light)
        assert not confirms("edited", self.SUGGESTED, heavy)

    @pytest.mark.parametrize("action", ["shown", "rejected"])
    def test_other_actions_do_not_confirm(self, action: str) -> None:
        assert not confirms(action, self.SUGGESTED, self.SUGGESTED)


def test_texts_differing_in_case_spaces_or_end_punctuation_are_one_candidate() -> None:
    assert normalise("  Where is my   ORDER?? ") == "where is my order"
    assert text_key("Where is my order?") == text_key("where is  my order")
    assert text_key("where is my order") != text_key("where is my refund")
