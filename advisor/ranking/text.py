"""Tokenising for lexical scoring and for locating evidence in the customer's words."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import Stemmer

TERM_CACHE = 8192
"""Request texts whose terms are kept (a bounded LRU; library documents bypass it: ``document_terms``)."""
TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:'[a-z]+)?")
# Function words plus chat filler; content words like "not", "never", "no" stay (they change intents).
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "nor",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "got",
        "get",
        "really",
        "please",
        "pls",
        "thanks",
        "thank",
        "thx",
        "hi",
        "hello",
        "hey",
        "ok",
        "okay",
        "yes",
        "yeah",
        "im",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "ive",
        "dont",
        "don't",
        "can't",
        "cant",
        "it's",
        "its",
        "hers",
        "says",
        "said",
        "say",
    ]
)


@functools.lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def iter_terms(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield (stemmed term, start, end) for each content word of ``text``."""
    yield from term_spans(text)


@functools.lru_cache(maxsize=TERM_CACHE)
def term_spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """Return (stemmed term, start, end) for each content word of ``text`` (cached: a conversation's
    turns, their detail-free forms and the CRM values are tokenised again by every request)."""
    return tuple(_scan(text))


def _scan(text: str) -> Iterator[tuple[str, int, int]]:
    stem = _stemmer().stemWord
    for match in TOKEN_RE.finditer(text):
        word = match.group(0).lower()
        base = word.split("'")[0]
        if len(base) < 2 or word in STOPWORDS or base in STOPWORDS:
            continue
        yield stem(base), match.start(), match.end()


def only_content_words(text: str) -> bool:
    """Return whether ``text`` has words and all of them are content words: a bare value ("Crystal
    Minh", "Silver") rather than a sentence ("tell me a joke" has "me" and "a")."""
    words = TOKEN_RE.findall(text)
    return bool(words) and len(words) == len(term_spans(text))


def terms(text: str) -> list[str]:
    """Return the stemmed content words of ``text``."""
    return [t for t, _, _ in term_spans(text)]


def document_terms(text: str) -> list[str]:
    """Return the stemmed content words of a library document, without keeping them in the cache."""
    return [t for t, _, _ in _scan(text)]
