"""Question lists: every format read row by row, bad rows reported in place, rows written as they come."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from qa.batch import BatchRow, CitedSentence, Question, RowWriter, answer_all, parse_questions, read_questions
from qa.errors import BadQuestionError, BadQuestionSetError
from qa.records import Answer, Citation


def test_csv_takes_the_question_column_else_the_first() -> None:
    with_header = parse_questions('id,question\n7,"Who won, and when?"\n8,\n', "csv")
    assert [(q.row, q.text) for q in with_header] == [(2, "Who won, and when?"), (3, "")]
    without = parse_questions("Who won?\nWhen?\n", "csv")
    assert [q.text for q in without] == ["Who won?", "When?"]


def test_jsonl_rows_keep_their_line_numbers_and_problems() -> None:
    rows = parse_questions('{"question": "Who?"}\n\nnot json\n"When?"\n{"q": 1}\n', "jsonl")
    assert [(q.row, q.text, q.problem is None) for q in rows] == [
        (1, "Who?", True), (3, "not json", False), (4, "When?", True), (5, '{"q": 1}', False),
    ]  # fmt: skip
    assert "not JSON" in (rows[1].problem or "") and '"question"' in (rows[3].problem or "")


def test_txt_is_one_question_per_line(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text("\ufeffWho?\n\n  When?  \n", encoding="utf-8")
    assert [(q.row, q.text) for q in read_questions(path)] == [(1, "Who?"), (3, "When?")]
    with pytest.raises(BadQuestionSetError, match=r"not '\.xlsx'"):
        read_questions(tmp_path / "q.xlsx")


def test_a_bad_row_is_reported_and_the_batch_goes_on() -> None:
    def ask(text: str) -> Answer:
        if not text:
            raise BadQuestionError("The question is empty")
        citation = Citation(1, "a1", "T", 3, "p", "Forty.")
        return Answer(text, "40 [1]", False, (citation,), short_answer="40", confidence=0.9)

    seen: list[int] = []
    rows = list(answer_all(ask, [Question(1, "How many?"), Question(2, ""), Question(3, "x", "not JSON")],
                           progress=lambda row: seen.append(row.row)))  # fmt: skip
    assert seen == [1, 2, 3]
    assert rows[0].citations == [CitedSentence(1, "a1", 3, "Forty.")] and rows[0].short_answer == "40"
    assert rows[1].error == "The question is empty" and rows[2].error == "not JSON"


def test_rows_are_written_as_csv_cells_and_json_lines() -> None:
    row = BatchRow(4, "How many?", "40 [1]", "40", False, 0.91, [CitedSentence(1, "a1", 3, "Forty.")])
    out = io.StringIO()
    RowWriter(out, "csv").write(row)
    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert table[0] == ["row", "question", "answer", "short_answer", "abstained", "confidence", "citations", "error"]
    assert table[1] == ["4", "How many?", "40 [1]", "40", "no", "0.91", "[1] a1 ¶3: “Forty.”", ""]
    lines = io.StringIO()
    RowWriter(lines, "jsonl").write(row)
    assert json.loads(lines.getvalue())["citations"][0]["paragraph"] == 3
    with pytest.raises(BadQuestionSetError):
        RowWriter(io.StringIO(), "xlsx")
