"""Cleaning: boilerplate never becomes a paragraph, metadata comes only from what the text states."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.clean import clean, parse_date
from index.errors import RejectedInput
from index.parse import RawArticle, read_file
from index.records import Article

# Page furniture that appears in the bundled articles; none of it may survive cleaning.
SEED_BOILERPLATE = [
    "Most Popular",
    "Read More",
    "Famous screen actor visits Wigan store",
    "To report this post you need to login first.",
    "Previous article",
    "Next article",
    "Dorset Eye is an independent not for profit news website",
    "ofsted report BCP1",
    "Ofsted report BCP 3",
    "(credit: Paweł",
    "Image of laptop and magnifying glass",
    "More from Community Care",
    "Comments are closed.",
    "By Sian Jones",
    "Monday, 20th June 2022, 12:30 pm",
    "Whistleblowers have told Wigan Today that children's services staff are suffering",
]


def cleaned(path: Path) -> Article:
    (raw,) = list(read_file(path, 5_000_000))
    assert isinstance(raw, RawArticle)
    return clean(raw)


@pytest.fixture(scope="module")
def seeds(articles_dir: Path) -> dict[str, Article]:
    return {a.id: a for a in (cleaned(p) for p in sorted(articles_dir.glob("*.txt")))}


def test_no_boilerplate_line_survives(seeds: dict[str, Article]) -> None:
    for article in seeds.values():
        for paragraph in article.paragraphs:
            for line in SEED_BOILERPLATE:
                assert line.lower() not in paragraph.lower(), (article.id, paragraph)


def test_real_paragraphs_are_kept(seeds: dict[str, Article]) -> None:
    wigan = seeds["003_7f47064f192e4465"]
    assert any("Teams are now working with the bare minimum of staff" in p for p in wigan.paragraphs)
    assert any("Our staff retainment is 89 per cent" in p for p in wigan.paragraphs)
    bcp = seeds["002_7f0bceb9a7d7c60c"]
    assert bcp.paragraphs[-1] == "For their part BCP council have responded thus:"
    southampton = seeds["004_f40178fcdc7ff358"]
    # The standfirst under the headline is article text, not a caption.
    assert southampton.paragraphs[0].startswith("Staff say leaders at Southampton")


def test_title_byline_and_date_become_metadata(seeds: dict[str, Article]) -> None:
    wigan = seeds["003_7f47064f192e4465"]
    assert wigan.title.startswith("Wigan Council bosses counter whistleblower claims")
    assert wigan.author == "Sian Jones"
    assert wigan.date == "2022-06-20"
    assert wigan.outlet == "Wigan Today"  # from the sidecar
    assert wigan.paragraphs[0].startswith("Wigan Council bosses say they are committed")


def test_no_date_or_author_is_invented(seeds: dict[str, Article]) -> None:
    for article_id in ("000_60f27155d5b16904", "001_85613e040497daa0", "002_7f0bceb9a7d7c60c"):
        assert seeds[article_id].date is None
        assert seeds[article_id].author is None


def test_paragraph_numbers_are_stable(articles_dir: Path) -> None:
    path = articles_dir / "000_60f27155d5b16904.txt"
    first, second = cleaned(path), cleaned(path)
    assert first.paragraphs == second.paragraphs
    assert first.content_hash == second.content_hash
    assert first.paragraph(9).text.startswith("• One social worker had to deal with 40 cases")


def raw(text: str, **metadata: str) -> RawArticle:
    blocks = tuple(b for b in text.strip().split("\n\n"))
    return RawArticle("x", blocks, "x.txt", dict(metadata))


def test_other_sites_furniture_is_dropped_by_general_rules() -> None:
    article = clean(
        raw(
            """Mayor resigns after expenses row

Published: 3 March 2021

By Jane Doe and Tom Roe

The mayor of Exampletown resigned on Tuesday after an inquiry found he had claimed £12,000 in expenses.

Advertisement

Share this article

Related Articles
Council tax to rise by 5%
New bridge opens

He said he had done nothing wrong and would fight to clear his name in the courts.

The mayor leaves the town hall on Tuesday evening after the vote

Councillors will choose a replacement at a meeting next month, the council said.

Sign up to our daily newsletter for the latest updates

Tags: politics, council

Copyright 2021 Example Media. All rights reserved."""
        )
    )
    assert article.title == "Mayor resigns after expenses row"
    assert article.date == "2021-03-03"
    assert article.author == "Jane Doe and Tom Roe"
    assert article.paragraphs == (
        "The mayor of Exampletown resigned on Tuesday after an inquiry found he had claimed £12,000 in expenses.",
        "He said he had done nothing wrong and would fight to clear his name in the courts.",
        "Councillors will choose a replacement at a meeting next month, the council said.",
    )


def test_hard_wrapped_paragraph_is_joined() -> None:
    article = clean(
        raw(
            "A headline\n\nThis is a long paragraph that was wrapped at a fixed width by\n"
            "the newsroom system, so its lines end without punctuation until the\nlast one."
        )
    )
    assert article.paragraphs == (
        "This is a long paragraph that was wrapped at a fixed width by the newsroom system, so its lines end "
        "without punctuation until the last one.",
    )


def test_stated_metadata_wins_and_duplicate_title_line_goes() -> None:
    article = clean(
        raw(
            "Council apologises\n\nThe council apologised for the delays in a statement.",
            title="Council apologises",
            outlet="Post",
        )
    )
    assert article.title == "Council apologises"
    assert article.outlet == "Post"
    assert article.paragraphs == ("The council apologised for the delays in a statement.",)


def test_missing_title_is_derived_from_the_opening() -> None:
    article = clean(
        raw(
            "A council has been told to improve its children's services after inspectors found serious failings "
            "in the way cases were handled across the county.\n\nMore text follows here in a second paragraph."
        )
    )
    assert article.title.endswith("…")
    assert article.title.startswith("A council has been told to improve")


def test_nothing_but_furniture_is_rejected() -> None:
    with pytest.raises(RejectedInput, match="no article text"):
        clean(raw("Home\n\nNews\n\nRead More\n\nShare"))


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Monday, 20th June 2022, 12:30 pm", "2022-06-20"),
        ("June 20, 2022", "2022-06-20"),
        ("2023-04-05T10:00:00Z", "2023-04-05"),
        ("Updated 12:30 BST, 5 Apr 2023", "2023-04-05"),
        ("no date here", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso
