"""The catalogue of names and quotes, and search's grouping and highlighting, on hand-made records."""

from __future__ import annotations

from index.catalogue import Catalogue, article_entities, entity_key
from index.records import Article, Chunk, Hit, Mention, Note, Quote
from index.retrieve import by_article
from index.tokenize import highlights


def article(article_id: str, text: str, mentions: list[tuple[str, str]], quotes: tuple[Quote, ...] = ()) -> Article:
    found = tuple(Mention(label, text.index(words), text.index(words) + len(words), words) for label, words in mentions)
    return Article(article_id, "T", (text,), notes=(Note(1, 0, len(text), found),), quotes=quotes)


def test_a_surname_or_title_is_the_person_named_in_full() -> None:
    a = article("a", "Jane Doe spoke. Ms Doe said Doe Ltd grew; Doe added more.",
                [("PERSON", "Jane Doe"), ("PERSON", "Ms Doe"), ("ORG", "Doe Ltd"), ("GPE", "Doe added")])  # fmt: skip
    found = article_entities(a)
    assert found[("person", "jane doe")] == ("Jane Doe", 2)
    assert ("organisation", "doe ltd") in found  # a longer name is another entity


def test_names_merge_across_articles_and_take_the_commonest_type() -> None:
    one = article(
        "a", "Acme said. Acme again. Acme too.", [("ORG", "Acme"), ("ORG", "Acme again"), ("PERSON", "Acme too")]
    )
    two = article("b", "Then Acme spoke.", [("ORG", "Acme")])
    catalogue = Catalogue.build([one, two])
    acme = catalogue.entities[("organisation", "acme")]
    assert acme.articles == ("a", "b") and acme.mentions == 2
    assert ("person", "acme too") in catalogue.entities  # another name
    assert catalogue.articles_mentioning("organisation", "ACME") == {"a", "b"}
    assert catalogue.articles_mentioning("place", "Acme") is None
    assert entity_key("The Acme's") == "acme"


def test_quotes_are_found_by_words_of_speaker_role_or_organisation() -> None:
    text = "Jane Doe, chief executive of Acme, said sales rose."
    q = Quote(1, 0, len(text), "reported", "Jane Doe", "chief executive", "Acme", "organisation")
    catalogue = Catalogue.build([article("a", text, [("PERSON", "Jane Doe")], (q,))])
    assert [r.text for r in catalogue.find_quotes(speaker="acme")] == [text]
    assert catalogue.find_quotes(speaker="chief executive", side="organisation")[0].speaker == "Jane Doe"
    assert catalogue.find_quotes(side="union") == [] and catalogue.find_quotes(article_id="b") == []


def test_search_groups_hits_into_articles_with_their_best_paragraphs() -> None:
    articles = {a: Article(a, "T", ("p1", "p2", "p3", "p4", "p5")) for a in ("a", "b")}

    def hit(article_id: str, paragraph: int, score: float) -> Hit:
        return Hit(Chunk(f"{article_id}:{paragraph}", article_id, (paragraph,), "x"), score)

    hits = [hit("a", 1, 0.9), hit("b", 2, 0.8), hit("a", 5, 0.7), hit("a", 3, 0.6), hit("a", 4, 0.1), hit("c", 1, 1)]
    grouped = by_article(hits, articles)
    assert [(g.article.id, g.paragraphs) for g in grouped] == [("a", (1, 3, 5)), ("b", (2,))]


def test_highlights_find_the_query_words_by_stem() -> None:
    text = "Cases rose: the union's case-load and 40 cases, said the Union."
    spans = [text[a:b] for a, b in highlights(text, "How many cases did the union have?")]
    assert spans == ["Cases", "union", "case", "cases", "Union"]


def test_past_tenses_of_irregular_verbs_meet_their_present() -> None:
    """News reports in the past what questions ask in the present: "fell" must match "fall"."""
    from index.tokenize import terms

    assert terms("Profits fell, the firm paid 3 dlrs and sold its unit as sales rose") == terms(
        "profits fall, the firm pays 3 dlrs and sells its unit as sales rise"
    )
