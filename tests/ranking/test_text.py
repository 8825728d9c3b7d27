"""Tokenising: request texts are cached, library documents are not, and both give the same terms."""

from __future__ import annotations

from advisor.ranking.text import document_terms, iter_terms, term_spans, terms


def test_terms_skip_stopwords_and_stem() -> None:
    assert terms("I was charged twice for my orders") == ["charg", "twice", "order"]


def test_spans_locate_each_term_in_the_text() -> None:
    text = "My parcel never arrived"
    assert [(t, text[s:e]) for t, s, e in iter_terms(text)] == [
        ("parcel", "parcel"),
        ("never", "never"),
        ("arriv", "arrived"),
    ]


def test_a_document_gives_the_terms_a_request_would_without_entering_the_cache() -> None:
    text = "Refund to the original card within 5 days, {customer.first_name}"
    before = term_spans.cache_info().currsize
    words = document_terms(text)
    assert term_spans.cache_info().currsize == before
    assert words == terms(text) == [t for t, _, _ in term_spans(text)]
