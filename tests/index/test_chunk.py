"""Chunking: paragraph boundaries, traceable paragraph numbers, nothing lost or duplicated."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunk import MAX_WORDS, chunk_article, chunk_sentences, split_long
from index.clean import clean
from index.errors import RejectedInput
from index.parse import RawArticle
from index.records import Article
from index.sentences import split_sentences


def article(*paragraphs: str) -> Article:
    return Article(id="a", title="t", paragraphs=tuple(paragraphs))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_short_neighbours_share_a_chunk_and_long_paragraphs_are_split() -> None:
    long = " ".join(f"Sentence number {i} says something about the council budget." for i in range(40))
    chunks = chunk_article(article("Referrals spike", "Short one.", long, "A normal paragraph " * 10))
    assert chunks[0].paragraphs == (1, 2)
    pieces = [c for c in chunks if c.paragraphs == (3,)]
    assert len(pieces) > 1
    assert all(len(c.text.split()) <= MAX_WORDS for c in pieces)
    assert all(c.text in long for c in pieces)
    assert chunks[-1].paragraphs == (4,)


def test_ids_are_stable_and_change_with_content() -> None:
    first = chunk_article(article("One paragraph of text here.", "Another paragraph."))
    again = chunk_article(article("One paragraph of text here.", "Another paragraph."))
    changed = chunk_article(article("One paragraph of text here!", "Another paragraph."))
    assert [c.id for c in first] == [c.id for c in again]
    assert {c.id for c in first}.isdisjoint(c.id for c in changed)


def test_sentences_are_verbatim_and_numbered() -> None:
    a = article("• One social worker had 40 cases. The limit is 18.", "Mr. Smith said: “It is fine.” He left.")
    for chunk in chunk_article(a):
        for number, sentence in chunk_sentences(chunk):
            assert sentence in a.paragraphs[number - 1]
            assert not sentence.startswith("•")


def test_initials_end_a_sentence_only_before_a_word_that_opens_one() -> None:
    text = "The deal was signed with the U.S. Firm Acme Corp for 17 months. Sales rose in the U.K. The firm is pleased."
    assert split_sentences(text) == [
        "The deal was signed with the U.S. Firm Acme Corp for 17 months.",
        "Sales rose in the U.K.",
        "The firm is pleased.",
    ]
    assert split_sentences("Reserves hit 40 billion U.S. Dlrs on May 9. It said so.")[0].endswith("May 9.")


text_strategy = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=2000)
words_strategy = st.lists(
    st.sampled_from(["The", "council", "said", "£24m.", "Mr.", "“Quote”", "40", "cases.", "U.S.", "—", "e.g."]),
    min_size=1,
    max_size=400,
).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(text_strategy, words_strategy), min_size=1, max_size=8))
def test_any_text_never_crashes_and_every_character_lands_once(blocks: list[str]) -> None:
    raw = RawArticle("p", tuple(blocks), "p.txt")
    try:
        cleaned = clean(raw)
    except RejectedInput:
        return
    chunks = chunk_article(cleaned)
    for number, paragraph in enumerate(cleaned.paragraphs, start=1):
        own = [c for c in chunks if number in c.paragraphs]
        assert own, "every paragraph is in a chunk"
        if len(own) == 1 and len(own[0].paragraphs) > 1:
            assert paragraph in own[0].text.split("\n\n")
        else:
            # Split paragraphs: the pieces, in order, hold every non-space character exactly once.
            assert squash("".join(c.text for c in own)) == squash(paragraph)


@settings(max_examples=100, deadline=None)
@given(words_strategy)
def test_split_long_partitions_the_text(text: str) -> None:
    pieces = split_long(text, max_words=20)
    assert squash("".join(pieces)) == squash(text)
    assert all(piece in text for piece in pieces)
