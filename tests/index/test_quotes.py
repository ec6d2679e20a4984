"""Quote attribution: who said what, with role, organisation and side, over articles annotated by the real spaCy
pipeline (small hand-written stories), and its speaker precision and recall on the labelled bundled articles."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from index.ingest import annotate
from index.quotes import SIDES, quotes, side_of
from index.records import Article, Quote
from qa.assistant import Assistant
from qa.evaluate import load_quotes, score_quotes
from tests.conftest import ANNOTATOR, ROOT


def _quotes(*paragraphs: str, title: str = "A story") -> list[Quote]:
    article = Article(id="t", title=title, paragraphs=tuple(paragraphs))
    return list(annotate(ANNOTATOR, [article])[0].quotes)


def _text(paragraphs: tuple[str, ...], quote: Quote) -> str:
    return paragraphs[quote.paragraph - 1][quote.start : quote.end]


def _in(found: list[Quote], paragraph: int) -> list[Quote]:
    return [q for q in found if q.paragraph == paragraph]


def test_named_speaker_with_role_and_organisation_from_an_appositive() -> None:
    found = _quotes(
        "Prices will rise again next year, Maria Lopez, chief economist at Northfield Bank, said on Tuesday.",
    )
    assert len(found) == 1
    quote = found[0]
    assert quote.speaker == "Maria Lopez"
    assert quote.role is not None and "chief economist" in quote.role
    assert quote.organisation == "Northfield Bank"
    assert quote.side == "expert"
    assert quote.kind == "reported"


def test_a_title_earlier_in_the_sentence_does_not_run_on_into_what_is_said() -> None:
    # "chairman of the Acme Bank Board" ends at its capitalised words: the rest is the claim, not a role.
    (quote,) = _quotes(
        "The decision by Jane Roe to leave as chairman of the Acme Bank Board is a shock for the markets, "
        "Tom Poe, senior adviser to Beta Securities, said."
    )
    assert quote.speaker == "Tom Poe" and quote.role is not None and "shock" not in quote.role, quote


def test_title_before_the_name_resolves_later_surname_and_ms() -> None:
    paragraphs = (
        "Harbour Council chief executive Janet Ellison said the budget would be balanced.",
        'Ms Ellison said: "We have made hard choices this year."',
        '"Nobody wants to see services cut," said Ellison.',
    )
    found = _quotes(*paragraphs)
    assert [q.paragraph for q in found] == [1, 2, 3]
    assert {q.speaker for q in found} == {"Janet Ellison"}
    assert all(q.side == "organisation" and q.organisation == "Harbour Council" for q in found)
    assert _in(found, 3)[0].kind == "direct"


def test_pronoun_continues_the_latest_fitting_speaker() -> None:
    found = _quotes(
        "Tom Baxter, a spokesman for Redline Rail, said the trains would run on time.",
        "He added that new carriages were on order.",
    )
    assert [q.speaker for q in found] == ["Tom Baxter", "Tom Baxter"]
    assert found[1].role is not None and "spokesman" in found[1].role


def test_a_quote_over_several_paragraphs_keeps_its_speaker() -> None:
    paragraphs = (
        'Union leader Sam Okafor said: "We have been patient for too long.',
        '"Our members deserve a fair deal. They will not wait another year.',
        '"The strike goes ahead on Monday."',
        "The talks resume next week.",
    )
    found = _quotes(*paragraphs)
    assert [q.paragraph for q in found] == [1, 2, 2, 3]
    assert {q.speaker for q in found} == {"Sam Okafor"}
    assert {q.side for q in found} == {"union"}
    assert all(q.kind == "direct" for q in found)


def test_an_anonymous_described_source_and_the_other_of_two() -> None:
    paragraphs = (
        "Two members of staff at the hospital, who asked not to be named, have raised concerns about shifts.",
        'One member of staff, who did not want to be named, said: "We are exhausted. Nobody listens to us."',
        'Their colleague added: "It has been like this for years."',
        'One said: "I have thought of leaving."',
        'The other added: "So have I."',
    )
    found = _quotes(*paragraphs)
    speakers = {q.paragraph: q.speaker.lower() for q in found}
    assert speakers[2] == "one member of staff"
    assert len(_in(found, 2)) == 2  # the quote's second sentence too
    assert speakers[3] == "their colleague"
    assert speakers[4] == "one member of staff"
    assert speakers[5] == "their colleague"
    assert all(q.side == "staff" for q in found if q.paragraph > 1)


def test_according_to_names_the_speaker() -> None:
    found = _quotes("Sales fell by a fifth in March, according to the Retail Traders Association.")
    assert len(found) == 1
    assert found[0].speaker == "Retail Traders Association"
    assert found[0].kind == "reported"


def test_sides_of_a_union_a_regulator_and_a_politician() -> None:
    found = _quotes(
        "Dana Whitfield, general secretary of the National Union of Teachers, said pay must rise.",
        "The Financial Conduct Authority said it would investigate the lender.",
        "Finance Minister Oliver Grant said the budget would not change.",
    )
    sides = {q.paragraph: q.side for q in found}
    assert sides == {1: "union", 2: "regulator", 3: "politician"}
    assert side_of("Oliver Grant", "finance minister", None) == "politician"
    assert set(sides.values()) <= set(SIDES)


def test_a_letter_quoted_whole_is_its_signers() -> None:
    paragraphs = (
        "The newspaper received this letter from staff at the depot:",
        "‘We are a group of drivers and mechanics who work at the depot. We are writing because nobody listens.",
        "The buses are unsafe. We have raised this many times.",
        "Northgate Depot Staff’",
        "The operator declined to comment.",
    )
    found = _quotes(*paragraphs)
    assert [q.paragraph for q in found] == [2, 2, 3, 3]
    assert {q.speaker for q in found} == {"Northgate Depot Staff"}
    assert {q.side for q in found} == {"staff"}


def test_a_bullet_list_of_claims_is_the_claimants() -> None:
    paragraphs = (
        "A former nurse says she saw patients left alone for hours.",
        "The claims of the former nurse include:",
        "• Wards were often left with one nurse on duty.",
        "• Staff were told not to report falls.",
    )
    found = _quotes(*paragraphs)
    assert {q.paragraph for q in found} >= {1, 3, 4}
    assert {q.speaker.lower() for q in found} == {"a former nurse"}


def test_speaker_precision_and_recall_on_the_bundled_articles(fake_bundled: Assistant) -> None:
    gold = [g for g in load_quotes(ROOT / "eval" / "quotes.jsonl") if g.corpus == "bundled"]
    articles = fake_bundled.retriever.articles(sorted({g.article_id for g in gold}))
    articles = {k: dataclasses.replace(a, quotes=quotes(a)) for k, a in articles.items()}
    scores = score_quotes(gold, articles)
    # Measured 0.98 / 0.98: the floor leaves room for small changes in the spaCy model's entities.
    assert scores["speaker_precision"] >= 0.93, scores
    assert scores["speaker_recall"] >= 0.93, scores
    assert scores["side_recall"] >= 0.88, scores


def _ingested(make_fake: Callable[..., Assistant], tmp_path: Path, folder: Path) -> dict[str, Article]:
    assistant = make_fake(tmp_path / "index")
    assistant.ingest([folder])
    ids = sorted(path.stem for path in folder.glob("*.md"))
    articles = assistant.retriever.articles(ids)
    return {k: dataclasses.replace(a, quotes=quotes(a)) for k, a in articles.items()}


# Labelled sets of stories written for these checks, each with the floors measured on it less a margin (not
# targets). "quotes": eight stories (sport, business, politics, culture, a court, local government, health,
# environment) no rule was tuned on before they were labelled; measured 1.00 / 1.00 (side 0.94), first sight,
# before the rules were generalised, 0.85 / 0.91 (side 0.54). "quotes-fresh": ten more (sport, strike, health, a
# by-election, a festival, a fire, a museum, interest rates, a school, job cuts) labelled before any rule was
# changed for them; measured 1.00 / 1.00 (role 0.99 / 0.87, organisation 1.00 / 0.91, side 0.97), first sight
# 0.84 / 0.80 (role 0.78 / 0.41, organisation 0.72 / 0.38, side 0.52). "quotes-final": ten more (a data breach, a
# car recall, a cricket selection, farm payments, a planning appeal, a marathon, an inquest, a rail timetable, a
# theatre award, a university strike) measured once, then used to tune the rules; measured 0.99 / 1.00 (role
# 0.97 / 0.83, organisation 0.93 / 0.90, side 0.95), first sight 0.92 / 0.89 (role 0.99 / 0.62, organisation
# 0.86 / 0.62, side 0.58). "quotes-blind": ten (a rugby takeover, a pharmacy closure, copper prices, a wind-farm
# inquiry, a zoo birth, a cyclist's inquest, a book prize, a water-company fine, a by-pass protest, a lifeboat
# rescue) written and labelled by someone who never saw the rules; first sight (2026-11-27) speaker 0.90 / 0.88,
# role 0.83 / 0.47, organisation 0.76 / 0.49, side 0.55 / 0.53; its misses then led to the general descriptor
# rules (any occupation before a name, in an opening appositive, "who chairs ..."), so it is no longer blind: now
# role 0.85 / 0.75, side 0.58 / 0.56. "quotes-unseen": ten (a manager sacked, supermarket results, a by-election,
# a film festival, A&E waits, a fraud trial, a product recall, a wildfire, orchestra cuts, a bus strike) by
# someone who never saw the rules, measured once and never looked into, the honest figure now: 2026-11-27 speaker
# 0.91 / 0.91, role 0.95 / 0.80, organisation 0.86 / 0.55, side 0.68 / 0.69 (before the descriptor rules: role
# recall 0.71, side 0.68).
LABELLED_SETS = {
    "quotes": {"speaker_precision": 0.95, "speaker_recall": 0.95, "side_recall": 0.88, "role_recall": 0.88},
    "quotes-fresh": {
        "speaker_precision": 0.95,
        "speaker_recall": 0.95,
        "role_recall": 0.82,
        "organisation_recall": 0.85,
        "side_recall": 0.92,
    },
    "quotes-final": {
        "speaker_precision": 0.95,
        "speaker_recall": 0.95,
        "role_recall": 0.78,
        "organisation_recall": 0.84,
        "side_recall": 0.90,
    },
    "quotes-blind": {"speaker_precision": 0.85, "speaker_recall": 0.83, "role_recall": 0.70, "side_recall": 0.50},
    "quotes-unseen": {"speaker_precision": 0.86, "speaker_recall": 0.86, "role_recall": 0.75, "side_recall": 0.63},
}


@pytest.mark.parametrize("name", list(LABELLED_SETS))
def test_speaker_role_and_side_on_labelled_stories(
    make_fake: Callable[..., Assistant], tmp_path: Path, name: str
) -> None:
    gold = load_quotes(ROOT / "tests" / "data" / f"{name}-labels.jsonl")
    articles = _ingested(make_fake, tmp_path, ROOT / "tests" / "data" / name)
    assert {g.article_id for g in gold} == set(articles)
    scores = score_quotes(gold, articles)
    below = {metric: scores[metric] for metric, floor in LABELLED_SETS[name].items() if scores[metric] < floor}
    assert not below, (below, scores)


def test_newsroom_appositive_figures_and_a_union_role(make_fake: Callable[..., Assistant], tmp_path: Path) -> None:
    articles = _ingested(make_fake, tmp_path, ROOT / "tests" / "data" / "newsroom")
    courier = articles["courier_buses"]
    found = {(q.paragraph, q.kind): q for q in courier.quotes}
    # "according to figures released on Tuesday" is a record, not a speaker
    assert all(q.paragraph != 1 for q in courier.quotes), courier.quotes
    assert all(q.paragraph != 1 for q in articles["gazette_buses"].quotes)
    assert all(q.paragraph != 2 for q in articles["ledger_buses"].quotes)
    # "NAME, chief executive of X, said": the first name speaks, whatever the model took X for
    for kind in ("reported", "direct"):
        quote = found[(2, kind)]
        assert quote.speaker == "Priya Natarajan", quote
        assert quote.role == "chief executive"
        assert quote.organisation == "Harbourton Transit"
        assert quote.side == "organisation"
    # the role stops where its organisation begins
    for kind in ("reported", "direct"):
        quote = found[(3, kind)]
        assert quote.speaker == "Tom Ellery", quote
        assert quote.role == "branch secretary"
        assert quote.organisation == "Transit Workers United"
        assert quote.side == "union"


def test_according_to_a_record_is_not_a_quote_but_a_person_is() -> None:
    found = _quotes(
        "Recycling fell to 38% last year, according to government statistics.",
        "Waiting times rose again, according to the firm's own records.",
        "The film opens in May, according to its distributor, Northlight Pictures.",
        "The vote on the measure is expected next month.",
    )
    assert [q.paragraph for q in found] == [3]
    assert found[0].speaker == "Northlight Pictures"


def test_a_participle_a_place_in_an_appositive_and_a_person_introduced_before_speaking() -> None:
    paragraphs = (
        "The Bank of Tarland kept interest rates on hold on Thursday, warning that prices were still rising.",
        "Arthur Penhale, 72, a retired builder from Norwich, said he had noticed no change.",
        "Doris Whitby, 81, was helped from her flat by a neighbour. \"I grabbed the cat and ran,\" she said.",
    )
    found = _quotes(*paragraphs)
    assert [q.speaker for q in found if q.paragraph == 1] == ["The Bank of Tarland"]
    assert found[0].side == "regulator"
    assert [q.speaker for q in found if q.paragraph == 2] == ["Arthur Penhale"]
    assert [q.speaker for q in found if q.paragraph == 3] == ["Doris Whitby"]


def test_a_role_before_the_name_and_a_description_named_in_the_next_paragraph() -> None:
    paragraphs = (
        "The software company Brightwell will cut 300 jobs, its chief executive told staff on Monday.",
        "In an email to employees, Helen Marsh wrote that the company had to \"move faster\".",
        "A Brightwell spokeswoman said redundancy terms would be generous.",
        "The museum's director, Dr Alan Pryce, said the gallery would reopen in May.",
    )
    found = _quotes(*paragraphs)
    first = _in(found, 1)[0]
    assert first.speaker == "Helen Marsh" and first.role == "chief executive", first
    assert first.organisation == "Brightwell" and first.side == "organisation"
    director = _in(found, 4)[0]
    assert director.speaker == "Alan Pryce" and director.role == "director", director


def test_a_labelled_quote_is_located_by_its_text_or_by_its_span(tmp_path: Path) -> None:
    """Reuters rows of eval/quotes.jsonl carry a span, not the story's text (its licence keeps it out of here)."""
    import pytest

    from qa.errors import BadQuestionSetError

    paragraph = 'Sales rose, the company said. "We are pleased," said Jane Roe.'
    path = tmp_path / "quotes.jsonl"
    path.write_text(
        '{"article_id": "a", "paragraph": 1, "quote": "Sales rose, the company said.", "speaker": "the company"}\n'
        '{"article_id": "a", "paragraph": 1, "span": [30, 62], "speaker": "Jane Roe"}\n'
    )
    by_text, by_span = load_quotes(path)
    assert by_text.text_in(paragraph) == "Sales rose, the company said."
    assert by_span.text_in(paragraph) == '"We are pleased," said Jane Roe.'
    path.write_text('{"article_id": "a", "paragraph": 1, "speaker": "Jane Roe"}\n')
    with pytest.raises(BadQuestionSetError, match="span"):
        load_quotes(path)
    assert all(g.quote is None for g in load_quotes(ROOT / "eval" / "quotes.jsonl") if g.corpus == "reuters")


def test_any_occupation_in_the_places_news_puts_one() -> None:
    """Jobs no role list names: before the name, in an appositive that opens the sentence, as the verb of a
    'who' clause; a title the name carries; and words that only open a sentence are no role."""
    found = _quotes(
        "Glassblower Ottilie Brandvold said the furnace had been lit for the last time.",
        "The ferry's purser, Anselm Quigley, 51, who works for Tidewater Crossings, said passengers were calm.",
        "Councillor Fenella Moyo said the decision would be reviewed.",
        "Petra Lindqvist, who chairs the residents' group Save Alder Green, said the plan was rushed.",
        "The next morning, Rupert Okafor said he had seen nothing.",
        "Yesterday Imelda Strachan said the road would reopen.",
    )
    by = {q.paragraph: q for q in found}
    assert (by[1].speaker, by[1].role) == ("Ottilie Brandvold", "glassblower")
    assert (by[2].speaker, by[2].role, by[2].organisation) == ("Anselm Quigley", "purser", "Tidewater Crossings")
    assert by[2].side == "staff"  # works for the company, does not speak for it
    assert (by[3].role, by[3].side) == ("councillor", "politician")
    assert (by[4].role, by[4].organisation) == ("chair", "Save Alder Green")
    assert by[5].speaker == "Rupert Okafor" and by[5].role is None
    assert by[6].speaker == "Imelda Strachan" and by[6].role is None


def test_who_a_body_serves_is_not_its_staff_and_a_managing_partner_speaks_for_it() -> None:
    assert side_of("Jo Ames", "driver", "Acme Haulage") == "staff"
    assert side_of("Jo Ames", "regular customer", "Acme Haulage") == "other"
    assert side_of("Jo Ames", "managing partner", "Acme Capital") == "organisation"
