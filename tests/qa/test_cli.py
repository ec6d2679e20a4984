"""The `qa` command line, end to end with the real model on the bundled articles."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.cli import main

pytestmark = pytest.mark.slow

CONTRACT_KEYS = {
    "question", "answer", "abstained", "citations", "hits", "engine", "fallback", "dropped", "short_answer",
    "confidence", "related",
}  # fmt: skip
CITATION_KEYS = {
    "n", "article_id", "title", "paragraph", "text", "quote", "outlet", "date", "span", "speaker", "role",
    "organisation", "side", "corroborated_by",
}  # fmt: skip


def test_help_is_instant_and_imports_nothing_heavy() -> None:
    started = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, qa.cli; qa.cli._parser(); "
            "print(sorted(m for m in ('torch', 'chromadb', 'gradio', 'sentence_transformers') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"
    help_run = subprocess.run([str(Path(sys.executable).parent / "qa"), "--help"], capture_output=True, text=True)
    assert help_run.returncode == 0 and "ingest" in help_run.stdout and "ask" in help_run.stdout
    assert time.perf_counter() - started < 5


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, articles_dir: Path) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("cli") / "index"
    assert main(["ingest", str(articles_dir), "--index-dir", str(path)]) == 0
    yield path


def test_ingest_reports_per_file_and_is_idempotent(
    index_dir: Path, articles_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(articles_dir), "--index-dir", str(index_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"added": 0, "updated": 0, "skipped": 5, "rejected": 0, "removed": 0}
    assert {item["status"] for item in report["items"]} == {"skipped"}


def test_ask_json_prints_exactly_the_contract(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["ask", "How many cases did one Worcestershire social worker have?", "--json", "--index-dir", str(index_dir)]
    )
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer) == CONTRACT_KEYS
    assert not answer["abstained"]
    first = answer["citations"][0]
    assert set(first) == CITATION_KEYS
    assert "40 cases" in first["quote"] and first["quote"] in first["text"]
    assert first["article_id"] == "000_60f27155d5b16904" and first["paragraph"] == 9
    assert "[1]" in answer["answer"]
    assert {"article_id", "paragraphs", "text", "score"} == set(answer["hits"][0])


def test_ask_prints_answer_and_numbered_sources(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["ask", "How many cases did one Worcestershire social worker have?", "--index-dir", str(index_dir)]) == 0
    )
    out = capsys.readouterr().out
    assert "Sources:" in out and "[1]" in out and "paragraph 9" in out


def test_ask_with_history_file(index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps(
            [
                {"role": "user", "content": "What did the union say about Southampton?"},
                {"role": "assistant", "content": "The union said the service was failing to keep children safe."},
            ]
        )
    )
    assert (
        main(
            [
                "ask",
                "How many staff back those claims?",
                "--history",
                str(history),
                "--json",
                "--index-dir",
                str(index_dir),
            ]
        )
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    # The follow-up was searched with the conversation: the story it refers to comes first.
    assert answer["hits"][0]["article_id"] == "004_f40178fcdc7ff358"
    assert all(c["article_id"] == "004_f40178fcdc7ff358" for c in answer["citations"])


def test_filters_on_the_command_line(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "ask",
                "What did staff say about pressure?",
                "--article",
                "003_7f47064f192e4465",
                "--json",
                "--index-dir",
                str(index_dir),
            ]
        )
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert {h["article_id"] for h in answer["hits"]} == {"003_7f47064f192e4465"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "question is empty"),
        (["ask", "x" * 5000], "the limit is 2,000"),
        (["ask", "?!?!"], "no words"),
        (["ask", "anything", "--since", "last week"], "yyyy-mm-dd"),
        (["ask", "anything", "--article", "no-such-article"], "No article 'no-such-article'"),
        (["ask", "anything", "--history", "/nonexistent/history.json"], "Cannot read the history file"),
        (["remove", "no-such-article"], "No article 'no-such-article'"),
    ],
)
def test_bad_input_exits_1_with_a_message(
    index_dir: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*args, "--index-dir", str(index_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_missing_index_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "anything", "--index-dir", str(tmp_path / "none")]) == 1
    assert f"No index at {tmp_path / 'none'}; run: qa ingest PATH" in capsys.readouterr().err


def test_model_change_is_refused_then_done_by_rebuild(
    tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    article, index = str(articles_dir / "000_60f27155d5b16904.txt"), str(tmp_path / "index")
    monkeypatch.setenv("QA_EMBEDDING_MODEL", "hashing")
    assert main(["ingest", article, "--index-dir", index]) == 0
    monkeypatch.delenv("QA_EMBEDDING_MODEL")
    capsys.readouterr()
    assert main(["ingest", article, "--index-dir", index]) == 1
    assert "qa ingest --rebuild" in capsys.readouterr().err
    assert main(["ingest", article, "--index-dir", index, "--rebuild", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["added"] == 1


def test_ingest_with_only_bad_files_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["ingest", str(tmp_path / "empty.txt"), "--index-dir", str(tmp_path / "index")]) == 1
    assert "rejected" in capsys.readouterr().out


def test_articles_list(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["articles", "--json", "--index-dir", str(index_dir)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 5
    wigan = next(a for a in listed if a["id"] == "003_7f47064f192e4465")
    assert wigan["outlet"] == "Wigan Today" and wigan["date"] == "2022-06-20" and wigan["paragraphs"] == 48


def test_chat_answers_follow_ups(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = iter(["Who is Stephen Brown?", "What did he say has happened to the children's services budget since 2010?",
                  "/quit"])  # fmt: skip
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert main(["chat", "--index-dir", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert "£77m since 2010" in out and "Sources:" in out  # the follow-up knew who "he" was


def test_quotes_and_entities_commands(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quotes", "--side", "union", "--json", "--index-dir", str(index_dir)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {r["side"] for r in rows} == {"union"}
    assert {"article_id", "paragraph", "text", "speaker", "role", "organisation", "side", "kind"} <= set(rows[0])
    speaker = rows[0]["speaker"]
    assert main(["quotes", "--speaker", speaker, "--index-dir", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert speaker in out and out.rstrip().endswith("quotes")
    assert main(["quotes", "--side", "neutral", "--index-dir", str(index_dir)]) == 1
    assert "Unknown side 'neutral'" in capsys.readouterr().err

    assert main(["entities", "--type", "person", "--json", "--index-dir", str(index_dir)]) == 0
    people = json.loads(capsys.readouterr().out)
    assert people and all(e["type"] == "person" and e["articles"] for e in people)
    name = people[0]["name"]
    assert main(["ask", "What did they say?", "--person", name, "--json", "--index-dir", str(index_dir)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert {h["article_id"] for h in answer["hits"]} <= set(people[0]["articles"])
    assert main(["ask", "What did they say?", "--person", "Nobody Else", "--index-dir", str(index_dir)]) == 1
    assert "No article mentions the person 'Nobody Else'; see: qa entities" in capsys.readouterr().err


def test_search_lists_articles_once_each(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "children services council", "--k", "2", "--index-dir", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. ") and "\n2. " in out and "**" in out  # the query's words marked
    assert 'more: qa search "children services council" --page 2' in out
    assert main(["search", "children services council", "--json", "--page", "3", "--k", "2",
                 "--index-dir", str(index_dir)]) == 0  # fmt: skip
    page = json.loads(capsys.readouterr().out)
    assert page["page"] == 3 and len(page["results"]) == 1 and page["more"] is False


def test_batch_writes_one_row_per_question_and_reports_bad_rows(
    index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "questions.csv"
    questions.write_text(
        'id,question\n1,"How many cases did one Worcestershire social worker have?"\n2,\n'
        "3,What is the capital of Mongolia?\n"
    )
    out = tmp_path / "answers.csv"
    assert main(["batch", str(questions), "--out", str(out), "--index-dir", str(index_dir)]) == 0
    printed = capsys.readouterr()
    assert "1 answered, 1 abstained, 1 bad rows" in printed.out
    assert "row 3: question: The question is empty" in printed.err
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["row"] for r in rows] == ["2", "3", "4"]
    assert "40" in rows[0]["short_answer"] and "¶9" in rows[0]["citations"]
    assert rows[1]["error"] and rows[2]["abstained"] == "yes"
    as_jsonl = tmp_path / "answers.jsonl"
    assert main(["batch", str(questions), "--out", str(as_jsonl), "--index-dir", str(index_dir)]) == 0
    assert [json.loads(line)["row"] for line in as_jsonl.read_text().splitlines()] == [2, 3, 4]
    assert main(["batch", str(questions), "--out", str(tmp_path / "a.xlsx"), "--index-dir", str(index_dir)]) == 1


def test_watch_add_list_show_remove(
    tmp_path: Path, articles_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "index"
    some = tmp_path / "some"
    some.mkdir()
    for path in articles_dir.glob("00[1-4]_*"):
        (some / path.name).write_bytes(path.read_bytes())
    assert main(["ingest", str(some), "--index-dir", str(index)]) == 0
    capsys.readouterr()
    question = "How many cases did one Worcestershire social worker have?"
    assert main(["watch", "add", question, "--index-dir", str(index), "--json"]) == 0
    watch = json.loads(capsys.readouterr().out)
    assert watch["answer"]["abstained"] is True
    assert main(["ingest", str(articles_dir), "--index-dir", str(index)]) == 0
    assert "1 watched question(s) have a new answer" in capsys.readouterr().out
    # The index may be named before the action too ("qa watch --index-dir D list").
    assert main(["watch", "--index-dir", str(index), "list"]) == 0
    assert f"{watch['id']}  [1 new] {question}" in capsys.readouterr().out
    assert main(["watch", "show", watch["id"], "--index-dir", str(index)]) == 0
    assert ": now answered" in capsys.readouterr().out
    assert main(["watch", "remove", watch["id"], "--index-dir", str(index)]) == 0
    assert main(["watch", "show", watch["id"], "--index-dir", str(index)]) == 1
    assert "No watch" in capsys.readouterr().err
