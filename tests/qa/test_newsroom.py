"""Newsroom features on articles written for the purpose (tests/data/newsroom: three outlets report one story,
two give a different figure): who said what, entity filters, corroboration, different figures, sides."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.catalogue import entity_key
from qa.assistant import Assistant
from qa.errors import BadFilterError, UnknownArticleError
from qa.records import Answer, Citation
from qa.settings import Settings
from qa.sources import by_side, who
from tests.conftest import ANNOTATOR

pytestmark = pytest.mark.slow

NEWSROOM = Path(__file__).resolve().parents[1] / "data" / "newsroom"
COMPLAINTS = "How many complaints about late buses did the transport authority receive in March?"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The three newsroom articles with the real model."""
    folder = tmp_path_factory.mktemp("newsroom") / "index"
    assistant = Assistant.open(settings=Settings(index_dir=folder), annotator=ANNOTATOR, create=True)
    assert assistant.ingest([NEWSROOM]).counts["added"] == 3
    yield assistant


def figures_in(text: str) -> set[str]:
    return set(re.findall(r"\b\d+\b", text))


# -- the same fact across articles -----------------------------------------------------------------------------


def test_different_figures_for_the_same_thing_are_both_cited(desk: Assistant) -> None:
    answer = desk.ask(COMPLAINTS)
    assert not answer.abstained
    first, *others = answer.citations
    differing = [c for c in others if c.article_id != first.article_id]
    assert differing, answer.answer
    ours, theirs = figures_in(first.quote) & {"35", "40"}, figures_in(differing[-1].quote) & {"35", "40"}
    assert ours and theirs and ours != theirs
    assert "The articles differ" in answer.answer
    for citation in (first, differing[-1]):
        assert f"[{citation.n}]" in answer.answer
        assert (citation.outlet or "") in answer.answer
    # The articles that agree with the first citation are listed with it, not cited as a difference.
    for report in first.corroborated_by:
        assert figures_in(report.quote) & ours and report.article_id != first.article_id
    # Every outlet is named with the figure it reports.
    for outlet in ("The Northern Courier", "Valley Gazette", "Evening Ledger"):
        assert outlet in answer.answer


def test_a_fact_reported_by_two_articles_says_so(desk: Assistant) -> None:
    answer = desk.ask(COMPLAINTS, filters={"article_ids": ["courier_buses", "ledger_buses"]})
    first = answer.citations[0]
    assert "40" in first.quote
    # Retrieval is filtered; the other reports are not: corroboration looks across the whole index.
    assert {r.article_id for r in first.corroborated_by} == {"courier_buses", "ledger_buses"} - {first.article_id}
    assert "Reported in 2 articles." in answer.answer
    assert "The articles differ" in answer.answer  # the third outlet's 35 is still a different figure


def test_a_sentence_about_something_else_is_not_corroboration(desk: Assistant) -> None:
    answer = desk.ask("How many new drivers will the operator recruit by the summer?")
    assert answer.short_answer == "60", answer.answer
    assert answer.citations[0].corroborated_by == ()
    assert "differ" not in answer.answer


# -- who said what ---------------------------------------------------------------------------------------------


def test_quotes_are_listed_by_speaker_side_and_article(desk: Assistant) -> None:
    union = desk.quotes(side="union")
    assert union and {q.speaker for q in union} == {"Tom Ellery"}
    assert all(q.organisation and "Transit Workers United" in q.organisation for q in union)
    by_surname = desk.quotes(speaker="ellery")
    assert [q.text for q in by_surname] == [q.text for q in union]
    assert all(q.article_id == "gazette_buses" for q in desk.quotes(article_id="gazette_buses"))
    with pytest.raises(BadFilterError, match="Unknown side"):
        desk.quotes(side="neutral")
    with pytest.raises(UnknownArticleError):
        desk.quotes(article_id="no-such-article")


def test_who_said_names_the_speaker_the_quote_is_attributed_to(desk: Assistant) -> None:
    answer = desk.ask("Who said drivers had been covering double shifts?")
    assert answer.short_answer == "Tom Ellery", answer.answer
    cited = answer.citations[0]
    assert cited.speaker == "Tom Ellery" and cited.side == "union"
    assert "double shifts" in cited.quote


def test_a_cited_quote_carries_its_speaker(desk: Assistant) -> None:
    answer = desk.ask("What did the union say about the drivers?")
    assert not answer.abstained
    assert all(c.speaker == "Tom Ellery" for c in answer.citations), answer.to_dict()["citations"]


def test_the_sides_of_a_described_answer_are_kept_apart() -> None:
    def cite(n: int, quote: str, speaker: str, side: str) -> Citation:
        return Citation(n, f"a{n}", "T", 1, quote, quote, speaker=speaker, side=side)  # type: ignore[arg-type]

    answer = Answer(
        "What do they say?",
        "We were ignored. [1] We listened. [2] It was worse. [3]",
        False,
        (cite(1, "We were ignored.", "a driver", "staff"), cite(2, "We listened.", "Jane Doe", "organisation"),
         cite(3, "It was worse.", "a driver", "staff")),
    )  # fmt: skip
    lines = by_side(answer).answer.splitlines()
    assert lines == [
        "Staff: a driver — “We were ignored.” [1]",
        "Staff: a driver — “It was worse.” [3]",
        "The organisation: Jane Doe — “We listened.” [2]",
    ]
    one_side = Answer("Q?", "A. [1]", False, (cite(1, "A.", "Jane Doe", "organisation"),))
    assert by_side(one_side) == one_side


def test_a_speaker_line_leaves_out_what_the_name_already_says() -> None:
    assert who("Jane Doe", "chief executive", "Acme") == "Jane Doe, chief executive, Acme"
    assert who("A spokesperson for Acme", "spokesperson", "Acme") == "A spokesperson for Acme"
    assert who(None, None, None) == ""


# -- people, organisations and places --------------------------------------------------------------------------


def test_entities_are_merged_by_name_with_their_articles(desk: Assistant) -> None:
    people = {e.name: e for e in desk.entities(type="person")}
    assert set(people["Tom Ellery"].articles) == {"courier_buses"}
    found = desk.entities(query="ellery")
    assert [e.name for e in found] == ["Tom Ellery"]
    assert all(e.type == "place" for e in desk.entities(type="place"))
    with pytest.raises(BadFilterError, match="Unknown entity type"):
        desk.entities(type="animal")
    assert entity_key("Ms Doe's") == entity_key("doe") == "doe"


def test_entity_filters_keep_answers_to_the_articles_that_mention_them(desk: Assistant) -> None:
    answer = desk.ask("What did they say about drivers?", filters={"people": ["Tom Ellery"]})
    assert {h.article_id for h in answer.hits} == {"courier_buses"}
    surname = desk.ask("What did they say about drivers?", filters={"people": ["Ellery"]})
    assert {h.article_id for h in surname.hits} == {"courier_buses"}
    with pytest.raises(BadFilterError, match="No article mentions the person 'Nobody Else'"):
        desk.ask("What did they say?", filters={"people": ["Nobody Else"]})
    with pytest.raises(BadFilterError, match="at most"):
        desk.ask("What did they say?", filters={"places": ["x" * 301]})
