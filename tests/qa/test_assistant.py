"""The Assistant facade: uploads, questions and filters it refuses, and what it reports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.errors import BadFilterError, BadQuestionError

STORY = b"The council said its new budget for children's services would rise by 4% next year, officials said.\n"


def test_uploads_are_kept_and_survive_a_prune(fake: Assistant, articles_dir: Path) -> None:
    fake.ingest([articles_dir])
    report = fake.ingest_uploads([("../../etc/budget.txt", io.BytesIO(STORY)), ("junk.txt", io.BytesIO(b"\x00\x01"))])
    assert {i.source: i.status for i in report.items} == {"budget.txt": "added", "junk.txt": "rejected"}
    uploads = fake.settings.index_dir / "uploads"
    assert (uploads / "budget.txt").read_bytes() == STORY
    assert not (uploads / "junk.txt").exists()  # a rejected upload leaves nothing behind
    pruned = fake.ingest([articles_dir], prune=True)
    assert pruned.counts["removed"] == 0
    assert "budget" in [a.id for a in fake.articles()]


def test_a_broken_replacement_upload_keeps_the_good_file(fake: Assistant) -> None:
    fake.ingest_uploads([("budget.txt", io.BytesIO(STORY))])
    report = fake.ingest_uploads([("budget.txt", io.BytesIO(b""))])
    assert report.counts["rejected"] == 1
    assert (fake.settings.index_dir / "uploads" / "budget.txt").read_bytes() == STORY
    assert fake.article("budget").paragraphs == (STORY.decode().strip(),)


@pytest.mark.parametrize(
    ("question", "error"),
    [
        ("", "empty"),
        ("   \t\n", "empty"),
        ("x" * 10_000, "the limit is 2,000"),
        ("?!... ---", "no words"),
        (None, "valid string"),
    ],
)
def test_unusable_questions_are_refused_clearly(fake_bundled: Assistant, question: object, error: str) -> None:
    with pytest.raises(BadQuestionError, match=error):
        fake_bundled.ask(question)  # type: ignore[arg-type]


def test_control_characters_and_other_languages_are_fine(fake_bundled: Assistant) -> None:
    answer = fake_bundled.ask("How many\x00 cases\x1b did one social\x07 worker have?")
    assert answer.question == "How many cases did one social worker have?"
    foreign = fake_bundled.ask("¿Cuántos casos tenía un trabajador social?")
    assert foreign.abstained or foreign.citations  # an answer or an honest refusal, never an error


@pytest.mark.parametrize(
    ("filters", "error"),
    [
        ({"article_ids": ["nope"]}, "No article 'nope'"),
        ({"date_from": "yesterday"}, "yyyy-mm-dd"),
        ({"date_from": "2023-01-01", "date_to": "2022-01-01"}, "after date_to"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"outlets": [""]}, "non-empty strings"),
        ("outlet=x", "valid dictionary"),
    ],
)
def test_bad_filters_are_refused(fake_bundled: Assistant, filters: object, error: str) -> None:
    with pytest.raises(BadFilterError, match=error):
        fake_bundled.ask("What did the council say?", filters=filters)  # type: ignore[arg-type]


def test_bad_history_is_refused(fake_bundled: Assistant) -> None:
    with pytest.raises(BadQuestionError, match=r"history\.0\.role"):
        fake_bundled.ask("And then?", history=[{"role": "narrator", "content": "x"}])  # type: ignore[list-item]


def test_health_reports_the_index(fake_bundled: Assistant) -> None:
    health = fake_bundled.health()
    assert health["articles"] == 5 and int(health["chunks"]) > 5  # type: ignore[call-overload]
    assert health["embedding_model"] == "hashing-256" and health["answer_engine"] == "extractive"
