"""Question sets, metrics and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.cli import main
from qa.errors import BadQuestionSetError
from qa.evaluate import evaluate, holds, load_cases, parse_case, score, with_located_evidence


def test_malformed_lines_are_reported_with_their_number(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "question": "Q?", "answerable": True, "evidence": ["x"]}),
                "{broken",
                json.dumps({"id": "b", "answerable": True}),
                json.dumps({"id": "a", "question": "again?", "answerable": False}),
                "",
                json.dumps({"id": "c", "turns": ["one?", "two?"], "answerable": True, "answer_contains": [["2"]]}),
                json.dumps({"id": "d", "question": "Q?", "answerable": True}),
                json.dumps({"id": "e", "question": "Q?", "answerable": "yes"}),
            ]
        ),
        encoding="utf-8",
    )
    loaded = load_cases(path)
    assert [c.id for c in loaded.cases] == ["a", "c"]
    assert loaded.cases[1].turns == ("one?", "two?") and loaded.cases[1].type == "follow-up"
    assert [p.split(":")[1] for p in loaded.problems] == ["2", "3", "4", "7", "8"]
    assert "duplicate id 'a'" in loaded.problems[2]
    assert "needs 'evidence' or 'answer_contains'" in loaded.problems[3]


def test_evidence_given_by_position_is_read_from_the_index(fake_bundled: Assistant) -> None:
    """A corpus whose stories may not be copied here (Reuters-21578) is labelled by position."""
    info = fake_bundled.articles()[0]
    paragraph = fake_bundled.article(info.id).paragraphs[1]
    located = {"article_id": info.id, "paragraph": 2, "span": [0, 40]}
    case = parse_case({"id": "p", "question": "Q?", "evidence_at": [located]})
    [resolved] = with_located_evidence([case], fake_bundled.retriever.articles)
    assert resolved.evidence == (paragraph[:40],)
    elsewhere = parse_case({"id": "q", "question": "Q?", "evidence_at": [{**located, "article_id": "reuters-1"}]})
    with pytest.raises(BadQuestionSetError, match="--corpus"):
        with_located_evidence([elsewhere], fake_bundled.retriever.articles)


def test_evidence_matching_folds_quotes_case_and_space() -> None:
    assert holds("The council’s  “culture of fear”", ['the council\'s "culture of FEAR"'])
    assert not holds("nothing here", ["culture"])


def citation(article: str, text: str, n: int = 1) -> dict[str, object]:
    return {"n": n, "article_id": article, "paragraph": 1, "text": text, "quote": text}


def test_scores_for_an_answerable_question() -> None:
    case = parse_case(
        {
            "id": "x",
            "question": "How many?",
            "type": "multi-article",
            "article_ids": ["A", "B"],
            "evidence": ["40 cases", "18"],
            "answer_contains": [["40"], ["18", "eighteen"]],
        }
    )
    answer = {
        "answer": "They had 40 cases. The limit is 18.",
        "abstained": False,
        "citations": [citation("C", "unrelated"), citation("A", "had 40 cases", 2)],
        "hits": [{"text": "nothing"}, {"text": "they had 40 cases"}],
    }
    m = score(case, answer, k=5)
    assert m["hit@1"] == 0.0 and m["hit@k"] == 1.0 and m["mrr"] == 0.5
    assert m["first_citation"] == 0.0 and m["citation_recall"] == 1.0
    assert m["citation_precision"] == 0.5
    assert m["evidence_coverage"] == 0.5
    assert m["answer_contains"] == 1.0 and m["false_refusal"] == 0.0 and m["refused"] is None


def test_scores_for_an_unanswerable_question() -> None:
    case = parse_case({"id": "u", "question": "Who won the cup?", "answerable": False})
    assert case.type == "unanswerable"
    assert score(case, {"abstained": True, "citations": []}, 5)["refused"] == 1.0
    wrong = score(case, {"abstained": False, "citations": [citation("A", "x")]}, 5)
    assert wrong["refused"] == 0.0 and wrong["citation_precision"] == 0.0


def test_eval_on_an_unseen_question_set_writes_results_metrics_and_report(
    fake_bundled: Assistant, tmp_path: Path
) -> None:
    questions = tmp_path / "new.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps(case)
            for case in [
                {
                    "id": "n1",
                    "question": "What did one social worker go to work with?",
                    "answerable": True,
                    "article_ids": ["000_60f27155d5b16904"],
                    "evidence": ["broken hand"],
                },
                {
                    # Cannot pass (the evidence is nowhere), so it is listed with its question escaped.
                    "id": "n2",
                    "question": "<script>alert(1)</script> What did the council say?",
                    "answerable": True,
                    "evidence": ["words that appear in no article"],
                },
                {"id": "n4", "question": "Who won the 2022 World Cup?", "answerable": False},
                {
                    "id": "n3",
                    "turns": ["What did Wyre Forest Labour say?", "Who spoke for them?"],
                    "answerable": True,
                    "evidence": ["Stephen Brown"],
                    "answer_contains": [["Brown"]],
                },
            ]
        )
        + "\nnot json\n",
        encoding="utf-8",
    )
    run = evaluate(fake_bundled, questions, k=5, configs=["bm25", "hybrid"])
    assert set(run.results) == {"bm25", "hybrid"} and all(len(r) == 4 for r in run.results.values())
    assert run.problems and ":5:" in run.problems[0]
    paths = run.write(tmp_path / "out")
    rows = [json.loads(line) for line in paths[0].read_text().splitlines()]
    assert len(rows) == 8 and {"config", "id", "metrics", "answer", "passed"} <= set(rows[0])
    metrics = json.loads(paths[1].read_text())
    assert set(metrics["configs"]) == {"bm25", "hybrid"}
    assert set(metrics["configs"]["hybrid"]["by_type"]) == {"single-fact", "unanswerable", "follow-up"}
    report = paths[2].read_text()
    assert report.count("<svg") == 3 and "Failed questions" in report
    assert "<script>" not in report and "&lt;script&gt;" in report


def test_qa_eval_command(fake_bundled: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "x", "question": "Who won the World Cup?", "answerable": False}) + "\n")
    # The CLI opens the index itself; point it at the fake-embedder index through a matching model setting.
    code = main(
        ["eval", str(questions), "--index-dir", str(fake_bundled.settings.index_dir), "--out", str(tmp_path / "out")]
    )
    captured = capsys.readouterr()
    # The CLI uses the real model, which the fake index refuses: a clear error, not a crash.
    assert code == 1 and "embedding model" in captured.err


def test_compare_answer_engines_side_by_side(fake_bundled: Assistant, tmp_path: Path) -> None:
    from qa.errors import QAError
    from qa.llm import ScriptedLLM

    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "x",
                "question": "What did one social worker go to work with?",
                "answerable": True,
                "evidence": ["broken hand"],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    llm = ScriptedLLM("A social worker went to work with a broken hand [1].")
    settings = fake_bundled.settings.with_overrides({"answer": {"min_confidence": 0.0}})
    assistant = Assistant(settings, fake_bundled.store, fake_bundled.embedder, fake_bundled.annotator, llm=llm)
    run = evaluate(assistant, questions, configs=["extractive", "llm+bm25"])
    assert set(run.results) == {"extractive", "llm+bm25"}
    assert run.results["extractive"][0].answer["engine"] == "extractive"
    assert llm.calls, "the llm configuration asked the model"
    with pytest.raises(QAError, match="Unknown configuration 'gpt'"):
        evaluate(assistant, questions, configs=["gpt"])
