"""Hybrid retrieval and its filters, over the bundled articles with the fake embedder."""

from __future__ import annotations

from index.records import Filters
from qa.assistant import Assistant


def test_hybrid_finds_the_paragraph_with_the_words(fake_bundled: Assistant) -> None:
    hits = fake_bundled.retriever.search("social worker broken hand deadline", k=5)
    assert hits[0].article_id == "000_60f27155d5b16904"
    assert 8 in hits[0].chunk.paragraphs
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(h.dense is not None for h in hits)


def test_modes_and_k(fake_bundled: Assistant) -> None:
    for mode in ("hybrid", "dense", "bm25"):
        hits = fake_bundled.retriever.search("Ofsted inspection rating", k=3, mode=mode)  # type: ignore[arg-type]
        assert 1 <= len(hits) <= 3
    assert len(fake_bundled.retriever.search("Ofsted", k=7)) == 7


def test_filter_by_article(fake_bundled: Assistant) -> None:
    only = Filters(article_ids=("003_7f47064f192e4465",))
    hits = fake_bundled.retriever.search("Ofsted social workers", k=5, filters=only)
    assert hits and {h.article_id for h in hits} == {"003_7f47064f192e4465"}


def test_filter_by_outlet_is_case_insensitive(fake_bundled: Assistant) -> None:
    hits = fake_bundled.retriever.search("investigation", k=5, filters=Filters(outlets=("community care",)))
    assert hits and {h.article_id for h in hits} == {"004_f40178fcdc7ff358"}


def test_filter_by_date_range_keeps_only_dated_articles(fake_bundled: Assistant) -> None:
    june = Filters(date_from="2022-06-01", date_to="2022-06-30")
    hits = fake_bundled.retriever.search("staff", k=5, filters=june)
    assert hits and {h.article_id for h in hits} == {"003_7f47064f192e4465"}
    assert fake_bundled.retriever.search("staff", k=5, filters=Filters(date_to="2021-01-01")) == []


def test_keyword_index_is_cached_by_generation(fake_bundled: Assistant) -> None:
    cache = fake_bundled.settings.keyword_cache
    from index.tokenize import TOKENIZER_VERSION

    generation = fake_bundled.store.generation()
    assert (cache / f"{generation}-t{TOKENIZER_VERSION}" / "chunks.json").exists()
    assert fake_bundled.retriever.keyword.generation == generation


def test_articles_with_a_term_are_those_whose_chunks_hold_it() -> None:
    from index.keyword import KeywordIndex
    from index.tokenize import terms

    rows = [
        ("a#c0", "Copper prices fell in Santiago on Monday.", "a", "", 0),
        ("a#c1", "Miners in Chile went on strike.", "a", "", 0),
        ("b#c0", "The strike at the Chilean mine ended.", "b", "", 0),
        ("c#c0", "Coffee growers met in Bogota.", "c", "", 0),
    ]
    index = KeywordIndex.build(rows, generation="g1")
    for word, expected in [("strike", {"a", "b"}), ("Santiago", {"a"}), ("Bogota", {"c"}), ("tin", set())]:
        [term] = terms(word) or [word]
        assert index.articles_with(term) == expected, word
