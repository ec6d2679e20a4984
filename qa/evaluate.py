"""Evaluation: question sets (JSONL), running them through the Assistant, and citation-level metrics."""

from __future__ import annotations

import json
import logging
import os
import re
import statistics
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from index.records import MODES, Article, Mode
from index.tokenize import terms
from qa.errors import BadQuestionSetError, QAError
from qa.records import Engine
from qa.request import describe

if TYPE_CHECKING:
    from qa.assistant import Assistant

log = logging.getLogger(__name__)

TYPES = ("single-fact", "multi-article", "follow-up", "unanswerable")


def _groups(value: object) -> object:
    """answer_contains: a list of groups, each a list of alternatives; a bare string is a group of one."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError("must be a list of lists of strings")
    return [[item] if isinstance(item, str) else item for item in value]


NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Located(BaseModel):
    """A passage of a story by position, not by text: for a corpus whose stories may not be copied here
    (Reuters-21578), the text is read from the index when the set is run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    article_id: NonEmpty
    paragraph: int = Field(ge=1)
    span: tuple[int, int]

    def text_in(self, article: Article) -> str:
        if self.paragraph > len(article.paragraphs):
            raise BadQuestionSetError(f"{article.id} has no paragraph {self.paragraph}")
        return article.paragraphs[self.paragraph - 1][self.span[0] : self.span[1]]


class Case(BaseModel):
    """One question of a question set (a line of a JSONL file)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v), StringConstraints(min_length=1)]
    turns: tuple[NonEmpty, ...] = Field(min_length=1, description="Earlier turns are asked first; the last is scored.")
    answerable: bool = True
    type: str = ""
    article_ids: tuple[NonEmpty, ...] = ()
    evidence: tuple[NonEmpty, ...] = ()
    evidence_at: tuple[Located, ...] = ()  # evidence by position, its text read from the index (see Located)
    near_miss_at: tuple[Located, ...] = ()  # for the reader of the set: the sibling's fact a near miss tempts
    answer_contains: Annotated[tuple[tuple[NonEmpty, ...], ...], BeforeValidator(_groups)] = ()
    answer_type: str = ""
    # With a corpus (qa eval --corpus): the stories the case puts in the index, the near misses among them, and
    # the stories that would answer a near-miss question (never indexed).
    index_ids: tuple[NonEmpty, ...] = ()
    related_ids: tuple[NonEmpty, ...] = ()
    withheld_ids: tuple[NonEmpty, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _question_is_one_turn(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("each line must be a JSON object")
        if "turns" not in data:
            question = data.get("question")
            if not isinstance(question, str) or not question.strip():
                raise ValueError("needs 'question' (a string) or 'turns' (a list of strings)")
            data = {**data, "turns": [question]}
        return data

    @model_validator(mode="after")
    def _scored_and_typed(self) -> Case:
        if self.answerable and not self.evidence and not self.evidence_at and not self.answer_contains:
            raise ValueError(
                "an answerable case needs 'evidence' or 'answer_contains' to be scored (or 'evidence_at', the "
                "evidence by position)"
            )
        if not self.type:
            kind = "unanswerable" if not self.answerable else ("follow-up" if len(self.turns) > 1 else "single-fact")
            if self.answerable and len(self.turns) == 1 and len(self.article_ids) > 1:
                kind = "multi-article"
            object.__setattr__(self, "type", kind)
        return self

    @property
    def question(self) -> str:
        return self.turns[-1]


@dataclass(frozen=True)
class CaseResult:
    case: Case
    answer: dict[str, Any]
    metrics: dict[str, float | None]
    seconds: float
    error: str | None = None

    @property
    def passed(self) -> bool:
        m = self.metrics
        if self.error:
            return False
        if not self.case.answerable:
            return m.get("refused") == 1.0
        # A description is answered by the sentences quoted together; a name, date or figure by the first.
        cited = m.get("citation_recall") if self.case.answer_type == "description" else m.get("first_citation")
        return cited == 1.0 and m.get("answer_contains") in (None, 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "type": self.case.type,
            "question": self.case.question,
            "turns": list(self.case.turns),
            "answerable": self.case.answerable,
            "passed": self.passed,
            "seconds": round(self.seconds, 4),
            "error": self.error,
            "metrics": self.metrics,
            "answer": self.answer,
        }


@dataclass
class LoadResult:
    cases: list[Case] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "file:line: what is wrong"


def parse_case(data: Any) -> Case:
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise ValueError(describe(list(exc.errors()))) from None


def load_cases(path: str | Path) -> LoadResult:
    """Read a question set; a malformed line is reported with its number and skipped."""
    path = Path(path)
    result = LoadResult()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadQuestionSetError(f"Cannot read the question set {path}: {exc}") from exc
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            case = parse_case(json.loads(line))
            if case.id in seen:
                raise ValueError(f"duplicate id {case.id!r}")
            seen.add(case.id)
            result.cases.append(case)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            result.problems.append(f"{path}:{number}: {exc}")
    return result


def with_located_evidence(cases: list[Case], articles: Callable[[list[str]], dict[str, Article]]) -> list[Case]:
    """The cases with the text of their `evidence_at` added to `evidence`, read from the indexed stories
    (`articles`: ids to the articles found)."""
    wanted = sorted({loc.article_id for case in cases for loc in case.evidence_at})
    if not wanted:
        return cases
    found = articles(wanted)
    missing = [i for i in wanted if i not in found]
    if missing:
        raise BadQuestionSetError(
            f"The question set locates its evidence in stories that are not in the index ({', '.join(missing[:5])}); "
            "run it with --corpus PATH, which indexes them (Reuters-21578 is read from ../shared, never copied here)"
        )
    return [
        case.model_copy(
            update={"evidence": case.evidence + tuple(loc.text_in(found[loc.article_id]) for loc in case.evidence_at)}
        )
        if case.evidence_at
        else case
        for case in cases
    ]


def corpus_ids(cases: list[Case]) -> list[str]:
    """The stories a question set needs indexed; refuses a set whose withheld answers would be indexed."""
    wanted = {i for c in cases for i in (*c.index_ids, *c.article_ids, *c.related_ids)}
    withheld = {i for c in cases for i in c.withheld_ids}
    clash = sorted(wanted & withheld)
    if clash:
        raise BadQuestionSetError(
            f"Stories {', '.join(clash[:5])} answer a near-miss question but another case indexes them: the set "
            "would not test what it claims"
        )
    return sorted(wanted)


def corpus_subset(corpus: Path, ids: list[str], target: Path) -> int:
    """Write the stories `ids` of a JSONL corpus (Reuters-21578's fields: id, title, date, paragraphs) to
    `target` in the .jsonl article format; returns how many were found. Read at run time, never copied into the
    repository."""
    from index.clean import parse_date

    wanted = set(ids)
    found = 0
    try:
        with corpus.open(encoding="utf-8") as source, target.open("w", encoding="utf-8") as out:
            for line in source:
                story = json.loads(line)
                if story.get("id") not in wanted or not story.get("paragraphs"):
                    continue
                date = parse_date(str(story.get("date") or ""))
                record = {"id": story["id"], "title": story.get("title") or story["id"]}
                record["paragraphs"] = story["paragraphs"]
                if date:
                    record["date"] = date
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                found += 1
    except (OSError, ValueError) as exc:
        raise BadQuestionSetError(f"Cannot read the corpus {corpus}: {exc}") from exc
    return found


def norm(text: str) -> str:
    """Compare texts with typographic quotes, dashes, case and runs of whitespace folded."""
    text = unicodedata.normalize("NFKC", text)
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"), ("\u00a0", " ")):
        text = text.replace(a, b)
    return " ".join(text.lower().split())


def holds(text: str, evidence: Iterable[str]) -> bool:
    folded = norm(text)
    return any(norm(e) in folded for e in evidence)


def states_expected(case: Case, article_id: str, quote: str) -> bool:
    """A quote states the expected answer: it has one of each group of expected words, and it comes from an
    article the set names or says much the same as the set's evidence (the same fact reported twice)."""
    if not case.answer_contains:
        return False
    folded = norm(quote)
    if not all(any(norm(alt) in folded for alt in group) for group in case.answer_contains):
        return False
    if article_id in case.article_ids:
        return True
    said = set(terms(quote))
    return any(len(set(terms(e)) & said) >= 0.5 * max(len(set(terms(e))), 1) for e in case.evidence)


Passage = Callable[[str, int], str]  # (article id, paragraph) -> that paragraph with the ones beside it


def score(case: Case, answer: dict[str, Any], k: int, passage: Passage | None = None) -> dict[str, float | None]:
    """The per-question metrics; None where a metric does not apply to this case. For a description, a
    citation of the passage that states the answer (`passage`: the cited paragraph and its neighbours) holds
    it: what someone said is usually said over two or three sentences, and a set names one of them."""
    citations = answer.get("citations", [])
    hits = answer.get("hits", [])
    abstained = bool(answer.get("abstained"))
    metrics: dict[str, float | None] = {
        "hit@1": None,
        "hit@k": None,
        "mrr": None,
        "citation_precision": None,
        "citation_recall": None,
        "first_citation": None,
        "evidence_coverage": None,
        "answer_contains": None,
        "refused": None,
        "false_refusal": None,
    }
    if not case.answerable:
        metrics["refused"] = 1.0 if abstained else 0.0
        if citations:
            # Citations on an unanswerable question cannot hold evidence: all are wrong.
            metrics["citation_precision"] = 0.0
        return metrics

    metrics["false_refusal"] = 1.0 if abstained else 0.0
    if case.evidence:
        rank = next((i for i, h in enumerate(hits[:k], start=1) if holds(h.get("text", ""), case.evidence)), None)
        metrics["hit@1"] = 1.0 if rank == 1 else 0.0
        metrics["hit@k"] = 1.0 if rank is not None else 0.0
        metrics["mrr"] = 1.0 / rank if rank else 0.0
        # A citation holds the evidence when its paragraph has the sentence the set names, or, for a question
        # with expected answers, when its quote from one of the named articles states them.
        holding = [
            holds(c.get("text", ""), case.evidence)
            or states_expected(case, c.get("article_id", ""), c.get("quote", ""))
            or (
                passage is not None
                and case.answer_type == "description"
                and c.get("article_id") in case.article_ids
                and holds(passage(c["article_id"], int(c.get("paragraph", 0))), case.evidence)
            )
            for c in citations
        ]
        metrics["citation_recall"] = 1.0 if any(holding) else 0.0
        metrics["first_citation"] = 1.0 if holding and holding[0] else 0.0
        if citations:
            good = [h or (c.get("article_id") in case.article_ids) for h, c in zip(holding, citations, strict=True)]
            metrics["citation_precision"] = sum(good) / len(good)
        if case.type == "multi-article" or len(case.article_ids) > 1:
            cited = " \n ".join(norm(c.get("text", "")) for c in citations)
            metrics["evidence_coverage"] = sum(norm(e) in cited for e in case.evidence) / len(case.evidence)
    elif citations:
        metrics["citation_precision"] = sum(c.get("article_id") in case.article_ids for c in citations) / len(citations)
    if case.answer_contains:
        said = [answer.get("answer", "")]
        if passage is not None and case.answer_type == "description":
            # A description is answered by the passage its citations point at.
            said += [passage(c["article_id"], int(c.get("paragraph", 0))) for c in citations if c.get("article_id")]
        text = norm(" \n ".join(said))
        metrics["answer_contains"] = (
            1.0 if all(any(norm(alt) in text for alt in group) for group in case.answer_contains) else 0.0
        )
    return metrics


def run_case(
    assistant: Assistant, case: Case, k: int, mode: Mode | None = None, engine: Engine | None = None
) -> CaseResult:
    history: list[dict[str, str]] = []
    try:
        for turn in case.turns[:-1]:
            earlier = assistant.ask(turn, history=history, k=k, mode=mode, engine=engine)
            history += [{"role": "user", "content": turn}, {"role": "assistant", "content": earlier.answer}]
        started = time.perf_counter()
        answer = assistant.ask(
            case.question,
            history=history,
            k=k,
            mode=mode,
            engine=engine,
        ).to_dict()
        seconds = time.perf_counter() - started
    except QAError as exc:
        return CaseResult(case, {}, score(case, {}, k), 0.0, error=str(exc))
    def passage(article_id: str, paragraph: int) -> str:
        article = assistant.retriever.articles([article_id]).get(article_id)
        if article is None:
            return ""
        return " \n ".join(article.paragraphs[max(paragraph - 2, 0) : paragraph + 1])

    return CaseResult(case, answer, score(case, answer, k, passage), seconds)


def run(
    assistant: Assistant,
    cases: list[Case],
    k: int = 5,
    mode: Mode | None = None,
    progress: Callable[[int, int], None] | None = None,
    engine: Engine | None = None,
) -> list[CaseResult]:
    results = []
    for i, case in enumerate(cases, start=1):
        results.append(run_case(assistant, case, k, mode, engine))
        if progress is not None:
            progress(i, len(cases))
    return results


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 4) if present else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1])


def summarize(results: list[CaseResult]) -> dict[str, Any]:
    """Means of every metric over the cases it applies to, overall and per question type, plus latency."""

    def block(rows: list[CaseResult]) -> dict[str, Any]:
        names = list(rows[0].metrics) if rows else []
        out: dict[str, Any] = {"questions": len(rows), "passed": _mean([1.0 if r.passed else 0.0 for r in rows])}
        for name in names:
            out[name] = _mean([r.metrics.get(name) for r in rows])
        given = [r for r in rows if r.answer and not r.answer.get("abstained") and not r.error]
        out["answers_given"] = len(given)
        out["wrong_of_given"] = round(sum(1 for r in given if not r.passed) / len(given), 4) if given else None
        answerable = [r for r in rows if r.case.answerable]
        out["answered_correctly"] = _mean([1.0 if r.passed else 0.0 for r in answerable])
        seconds = [r.seconds for r in rows if not r.error]
        out["latency_p50_ms"] = round(1000 * (_percentile(seconds, 50) or 0), 1)
        out["latency_p95_ms"] = round(1000 * (_percentile(seconds, 95) or 0), 1)
        out["errors"] = sum(1 for r in rows if r.error)
        return out

    by_type = {}
    for kind in sorted({r.case.type for r in results}, key=lambda t: (TYPES.index(t) if t in TYPES else 99, t)):
        by_type[kind] = block([r for r in results if r.case.type == kind])
    return {"overall": block(results), "by_type": by_type}


@dataclass
class EvalRun:
    """One `qa eval`: per configuration name, the per-question results and their summary."""

    source: str
    k: int
    results: dict[str, list[CaseResult]]
    problems: list[str]

    @property
    def summaries(self) -> dict[str, dict[str, Any]]:
        return {name: summarize(rows) for name, rows in self.results.items()}

    def write(self, out: Path) -> list[Path]:
        """results.jsonl, metrics.json and report.html in `out`."""
        from qa.report import render_report

        out.mkdir(parents=True, exist_ok=True)
        rows = {name: [r.to_dict() for r in results] for name, results in self.results.items()}
        summaries = self.summaries
        results_path, metrics_path, report_path = out / "results.jsonl", out / "metrics.json", out / "report.html"
        with results_path.open("w", encoding="utf-8") as handle:
            for name, items in rows.items():
                for item in items:
                    handle.write(json.dumps({"config": name, **item}, ensure_ascii=False) + "\n")
        metrics_path.write_text(
            json.dumps(
                {"source": self.source, "k": self.k, "problems": self.problems, "configs": summaries},
                indent=2,
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        report_path.write_text(render_report(self.source, summaries, rows, self.problems, self.k), encoding="utf-8")
        return [results_path, metrics_path, report_path]


def evaluate(
    assistant: Assistant,
    path: str | Path,
    k: int = 5,
    configs: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Run a question set once per configuration over the same index. A configuration is a retrieval mode
    (hybrid, dense, bm25), an answer engine (extractive, llm), or both joined by '+' (llm+bm25)."""
    loaded = load_cases(path)
    if not loaded.cases:
        raise BadQuestionSetError(
            f"No usable questions in {path}" + (f": {loaded.problems[0]}" if loaded.problems else "")
        )
    cases = with_located_evidence(loaded.cases, assistant.retriever.articles)
    configs = configs or [assistant.settings.retrieval.mode]
    engines = ("extractive", "llm")
    parsed: dict[str, tuple[Mode | None, Engine | None]] = {}
    for name in configs:
        parts = name.split("+")
        modes = [p for p in parts if p in MODES]
        chosen = [p for p in parts if p in engines]
        if len(modes) > 1 or len(chosen) > 1 or len(modes) + len(chosen) != len(parts):
            raise BadQuestionSetError(
                f"Unknown configuration {name!r}; use a retrieval mode ({', '.join(MODES)}), an engine "
                f"({', '.join(engines)}), or both joined by '+'"
            )
        parsed[name] = (
            cast(Mode, modes[0]) if modes else None,
            cast(Engine, chosen[0]) if chosen else None,
        )
    total = len(cases) * len(configs)
    done = 0

    def step(_: int, __: int) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    results = {
        name: run(assistant, cases, k=k, mode=mode, progress=step, engine=engine)
        for name, (mode, engine) in parsed.items()
    }
    return EvalRun(str(path), k, results, loaded.problems)


# -- the dev corpus ----------------------------------------------------------------------------------------------

CORPUS_ENV = "REUTERS_CORPUS"
_CORPUS_PATH = Path("corpora") / "reuters21578" / "reuters21578.jsonl"


def reuters_corpus(checkout: Path) -> Path:
    """Where the Reuters-21578 stories are read (research-use licence: read where they lie, never copied into
    the repository): $REUTERS_CORPUS, else the shared data folder beside the checkout or on this machine."""
    if os.environ.get(CORPUS_ENV):
        return Path(os.environ[CORPUS_ENV])
    candidates = [checkout.parent / "shared" / _CORPUS_PATH, Path("/work/shared") / _CORPUS_PATH]
    return next((path for path in candidates if path.exists()), candidates[0])


# -- who said what --------------------------------------------------------------------------------------------


class GoldQuote(BaseModel):
    """One hand-labelled quote (a line of eval/quotes.jsonl)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    article_id: str
    corpus: str = "bundled"
    paragraph: int
    # The quoted sentence, or for a story of a corpus whose text may not be copied here (Reuters-21578) its
    # character span in the paragraph, read from the index when scored.
    quote: str | None = None
    span: tuple[int, int] | None = None
    kind: str = "reported"
    speaker: str
    role: str | None = None
    organisation: str | None = None
    side: str = "other"

    @model_validator(mode="after")
    def _located(self) -> GoldQuote:
        if not self.quote and self.span is None:
            raise ValueError("a labelled quote needs 'quote' (its text) or 'span' ([start, end] in its paragraph)")
        return self

    def text_in(self, paragraph: str) -> str:
        """The labelled sentence, given the text of its paragraph."""
        if self.quote:
            return self.quote
        assert self.span is not None
        return paragraph[self.span[0] : self.span[1]]


def is_quote_set(path: str | Path) -> bool:
    """A quote set has a speaker on its lines, a question set a question."""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            return "speaker" in json.loads(line)
    return False


def load_quotes(path: str | Path) -> list[GoldQuote]:
    out = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(GoldQuote.model_validate_json(line))
        except ValidationError as exc:
            raise BadQuestionSetError(f"{path}:{number}: {describe(list(exc.errors()))}") from None
    return out


def _person_key(name: str) -> str:
    text = re.sub(r"^(?:the|a|an|one|mr|mrs|ms|dr)\s+", "", norm(name).replace("'s", ""))
    return re.sub(r"[^\w\s]", " ", text).strip()


def same_speaker(gold: str, found: str) -> bool:
    """The same speaker as the labels write them: the same name or surname, or the same description's head
    ("a former employee" and "the former employee")."""
    a, b = _person_key(gold), _person_key(found)
    if not a or not b:
        return False
    if a == b or a in b or b in a:
        return True
    return a.split()[-1] == b.split()[-1]


def _same_text(gold: str | None, found: str | None) -> bool:
    if not gold or not found:
        return not gold and not found
    a, b = set(terms(gold)), set(terms(found))
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= 0.5


def score_quotes(gold: list[GoldQuote], articles: dict[str, Article]) -> dict[str, Any]:
    """Speaker, role, organisation and side precision and recall of the quotes found in `articles` against the
    labels. A label is matched by a found quote of the same paragraph that overlaps its sentence."""
    labelled = {g.article_id for g in gold}
    found = [(a.id, q) for a in articles.values() if a.id in labelled for q in a.quotes]
    matched: dict[int, tuple[GoldQuote, Any]] = {}
    for i, (article_id, q) in enumerate(found):
        article = articles[article_id]
        text = article.paragraphs[q.paragraph - 1]
        for g in gold:
            if g.article_id != article_id or g.paragraph != q.paragraph:
                continue
            wanted = g.text_in(text)
            start = text.find(wanted) if wanted else -1
            if start >= 0 and start < q.end and q.start < start + len(wanted):
                matched[i] = (g, q)
                break
    missing = sorted(labelled - set(articles))
    if missing:
        raise BadQuestionSetError(f"Articles {', '.join(missing[:5])} of the quote set are not in the index")

    def rate(correct: int, total: int) -> float | None:
        return round(correct / total, 4) if total else None

    speaker_right = sum(same_speaker(g.speaker, q.speaker) for g, q in matched.values())
    role_pairs = [(g.role, q.role) for g, q in matched.values()]
    role_right = sum(bool(gr) and _same_text(gr, qr) for gr, qr in role_pairs)
    org_pairs = [(g.organisation, q.organisation) for g, q in matched.values()]
    org_right = sum(bool(go) and _same_text(go, qo) for go, qo in org_pairs)
    side_right = sum(g.side == q.side for g, q in matched.values())
    gold_roles = sum(1 for g in gold if g.role)
    gold_orgs = sum(1 for g in gold if g.organisation)
    return {
        "labelled": len(gold),
        "found": len(found),
        "matched": len(matched),
        "speaker_precision": rate(speaker_right, len(found)),
        "speaker_recall": rate(speaker_right, len(gold)),
        "role_precision": rate(role_right, sum(1 for _, qr in role_pairs if qr)),
        "role_recall": rate(role_right, gold_roles),
        "organisation_precision": rate(org_right, sum(1 for _, qo in org_pairs if qo)),
        "organisation_recall": rate(org_right, gold_orgs),
        "side_precision": rate(side_right, len(found)),
        "side_recall": rate(side_right, len(gold)),
    }
