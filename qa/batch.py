"""Many questions at once: reading a question list (.csv, .jsonl, .txt), answering it row by row without
stopping for a bad row, and writing the rows as CSV (one row per question, readable in a spreadsheet) or JSONL."""

from __future__ import annotations

import csv
import io
import json
import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Annotated, Any

from pydantic import Field

from qa.errors import BadQuestionError, BadQuestionSetError, QAError
from qa.records import Answer

log = logging.getLogger(__name__)

BATCH_SUFFIXES = (".csv", ".jsonl", ".txt")
MAX_BATCH_QUESTIONS = 10_000
CSV_COLUMNS = (
    "row", "question", "answer", "short_answer", "abstained", "confidence", "citations", "error",
)  # fmt: skip


@dataclass(frozen=True)
class Question:
    """A question of the list, with its row (the line number in the file, or its place in a list)."""

    row: int
    text: str
    problem: str | None = None  # why the row cannot be asked (empty, malformed): reported, never asked


@dataclass(frozen=True)
class CitedSentence:
    n: int
    article_id: str
    paragraph: int
    quote: str


@dataclass(frozen=True)
class BatchRow:
    """One question's result: the answer, or why the row was not answered (`error`)."""

    row: int
    question: str
    answer: str = ""
    short_answer: str | None = None
    abstained: bool = False
    confidence: float | None = None
    citations: Annotated[list[CitedSentence], Field(description="[n] article, paragraph and quote.")] = field(
        default_factory=list
    )
    error: str | None = None

    @classmethod
    def of(cls, question: Question, answer: Answer) -> BatchRow:
        return cls(
            row=question.row,
            question=question.text,
            answer=answer.answer,
            short_answer=answer.short_answer,
            abstained=answer.abstained,
            confidence=answer.confidence,
            citations=[CitedSentence(c.n, c.article_id, c.paragraph, c.quote) for c in answer.citations],
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def csv_cells(self) -> list[str]:
        """The row as spreadsheet cells: citations one per line in their cell."""
        cited = "\n".join(f"[{c.n}] {c.article_id} ¶{c.paragraph}: “{c.quote}”" for c in self.citations)
        confidence = "" if self.confidence is None else f"{self.confidence:.2f}"
        return [
            str(self.row), self.question, self.answer, self.short_answer or "", "yes" if self.abstained else "no",
            confidence, cited, self.error or "",
        ]  # fmt: skip


def parse_questions(text: str, kind: str) -> list[Question]:
    """The questions of a list in `kind` format ("csv": a `question` column, else the first; "jsonl": objects
    with a "question" or plain strings; "txt": one per line). Every row is kept: a bad one with its problem."""
    if kind == "txt":
        return [Question(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if kind == "jsonl":
        out = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                out.append(Question(n, line.strip()[:200], f"not JSON ({exc.msg})"))
                continue
            if isinstance(value, dict):
                value = value.get("question")
            if not isinstance(value, str):
                out.append(Question(n, line.strip()[:200], 'needs a "question" string'))
            else:
                out.append(Question(n, value))
        return out
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        if not rows:
            return []
        header = [cell.strip().lower() for cell in rows[0]]
        column = header.index("question") if "question" in header else 0
        start = 1 if "question" in header else 0
        return [
            Question(n, row[column] if column < len(row) else "")
            for n, row in enumerate(rows[start:], start=start + 1)
            if any(cell.strip() for cell in row)
        ]
    raise BadQuestionSetError(f"Unknown question list format {kind!r}; use {', '.join(BATCH_SUFFIXES)}")


def read_questions(path: Path) -> list[Question]:
    """The questions of a .csv, .jsonl or .txt file."""
    suffix = path.suffix.lower()
    if suffix not in BATCH_SUFFIXES:
        raise BadQuestionSetError(f"{path.name}: a question list is {', '.join(BATCH_SUFFIXES)}, not {suffix!r}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadQuestionSetError(f"Cannot read the question list {path}: {exc}") from None
    return limited(parse_questions(text, suffix.lstrip(".")))


def limited(questions: list[Question]) -> list[Question]:
    if len(questions) > MAX_BATCH_QUESTIONS:
        raise BadQuestionSetError(
            f"The list has {len(questions):,} questions; a batch takes at most {MAX_BATCH_QUESTIONS:,}: split it"
        )
    return questions


def answer_all(
    ask: Callable[[str], Answer],
    questions: Iterable[Question],
    progress: Callable[[BatchRow], None] | None = None,
) -> Iterator[BatchRow]:
    """Each question's row, in order, as it is answered. A bad row (empty, too long, malformed) is reported in
    its row's `error` and the batch goes on; only a failure of the index itself stops it."""
    for question in questions:
        if question.problem is not None:
            row = BatchRow(question.row, question.text, error=question.problem)
        else:
            try:
                row = BatchRow.of(question, ask(question.text))
            except BadQuestionError as exc:
                row = BatchRow(question.row, question.text, error=str(exc))
        if progress is not None:
            progress(row)
        yield row


class RowWriter:
    """Writes rows as they come to a .csv or .jsonl file (nothing is held in memory)."""

    def __init__(self, out: IO[str], kind: str) -> None:
        if kind not in ("csv", "jsonl"):
            raise BadQuestionSetError(f"Answers are written as .csv or .jsonl, not {kind!r}")
        self.kind = kind
        self.out = out
        self.csv = csv.writer(out) if kind == "csv" else None
        if self.csv is not None:
            self.csv.writerow(CSV_COLUMNS)

    def write(self, row: BatchRow) -> None:
        if self.csv is not None:
            self.csv.writerow(row.csv_cells())
        else:
            self.out.write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
        self.out.flush()


def rows_csv(rows: Iterable[BatchRow]) -> str:
    buffer = io.StringIO()
    writer = RowWriter(buffer, "csv")
    for row in rows:
        writer.write(row)
    return buffer.getvalue()


# -- batch jobs (the HTTP API's POST /api/batch) -----------------------------------------------------------------


@dataclass
class Job:
    """A batch being answered in the background: its progress and the rows so far."""

    id: str
    total: int
    status: str = "queued"  # queued, running, done or failed
    rows: list[BatchRow] = field(default_factory=list)
    error: str | None = None

    def view(self, with_rows: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "status": self.status, "done": len(self.rows), "total": self.total,
                               "error": self.error}  # fmt: skip
        if with_rows:
            out["results"] = [row.to_dict() for row in self.rows]
        return out


class Jobs:
    """Batch jobs answered one at a time by one background thread (answering uses the CPU the questions in the
    chat need too: one batch at a time keeps the chat responsive). The last `keep` jobs are kept in memory; a
    restart forgets them."""

    def __init__(self, keep: int = 50) -> None:
        self._keep = keep
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Job, Callable[[], Iterator[BatchRow]]]] = queue.Queue()
        self._worker: threading.Thread | None = None

    def submit(self, total: int, rows: Callable[[], Iterator[BatchRow]]) -> Job:
        job = Job(uuid.uuid4().hex, total)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].status in ("queued", "running"):
                    break
                del self._jobs[oldest]
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="batch-jobs", daemon=True)
                self._worker.start()
        self._queue.put((job, rows))
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self) -> None:
        while True:
            job, rows = self._queue.get()
            job.status = "running"
            try:
                for row in rows():
                    job.rows.append(row)
                job.status = "done"
            except Exception as exc:  # the job reports it; the server goes on
                log.exception("batch job %s failed", job.id)
                job.status, job.error = "failed", "The batch stopped: " + (
                    str(exc) if isinstance(exc, QAError) else "something went wrong; the server log has the details"
                )
            finally:
                self._queue.task_done()
