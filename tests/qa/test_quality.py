"""Answer quality with the real model: the quality gate on the Reuters dev set (what the confidence was fitted on,
read from ../shared) and on the bundled articles (the check set), and named regression cases.

Thresholds are the figures measured when the calibration was fitted (README, "How good is it"), less a margin."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.evaluate import corpus_ids, corpus_subset, evaluate, holds, load_cases, reuters_corpus, run_case
from qa.settings import Settings
from tests.conftest import ANNOTATOR

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
DEV = ROOT / "eval" / "dev-reuters.jsonl"
REUTERS = reuters_corpus(ROOT)
CASES = {c.id: c for c in load_cases(QUESTIONS).cases}

# Bundled cases the engine answers right today (first citation holds the evidence), and the unanswerable ones it
# refuses: a regression on any of them fails here by name.
FIRST_CITATION = [
    "s02", "s03", "s06", "s08", "s09", "s11", "s13", "s17", "s20", "s21", "s24", "s26", "s27", "s30", "s33",
    "s43", "s44", "s50",
]  # fmt: skip
FOLLOW_UPS = ["f02", "f03", "f04", "f10", "f11", "f13"]
REFUSED = [f"u{n:02d}" for n in range(1, 24)]

# Measured 2026-11-28 (README): dev answered correctly 0.869, refused 0.994, wrong 0.036 of the answers given;
# bundled passed 0.691, citation precision 0.973, refused 1.000, wrong 0.102 of the answers given (5 of 49: the
# threshold is chosen on the dev set, and the bundled set checks it; README "How good is it"). The margins allow
# for chroma building a slightly different neighbour graph on each fresh index.
DEV_GATE = {"answered_correctly": 0.80, "refused": 0.95}
DEV_MAX_WRONG = 0.06
BUNDLED_GATE = {"passed": 0.62, "citation_precision": 0.90, "refused": 0.90}
BUNDLED_MAX_WRONG = 0.14


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    if not REUTERS.exists():
        pytest.skip(f"the Reuters corpus is read from {REUTERS} (research-use licence, never copied here)")
    folder = tmp_path_factory.mktemp("dev")
    assistant = Assistant.open(settings=Settings(index_dir=folder / "index"), annotator=ANNOTATOR, create=True)
    with tempfile.TemporaryDirectory() as temp:
        subset = Path(temp) / "dev.jsonl"
        ids = corpus_ids(load_cases(DEV).cases)
        assert corpus_subset(REUTERS, ids, subset) == len(ids)
        assert assistant.ingest([subset]).counts["rejected"] == 0
    yield assistant


def test_dev_gate(dev: Assistant, tmp_path: Path) -> None:
    run = evaluate(dev, DEV, k=5)
    assert not run.problems
    overall = run.summaries["hybrid"]["overall"]
    run.write(tmp_path)
    below = {name: overall[name] for name, floor in DEV_GATE.items() if overall[name] < floor}
    assert not below, f"quality regression: {below} (gate {DEV_GATE}); report in {tmp_path / 'report.html'}"
    assert overall["wrong_of_given"] <= DEV_MAX_WRONG, overall
    assert overall["errors"] == 0


def test_bundled_gate(real: Assistant, tmp_path: Path) -> None:
    run = evaluate(real, QUESTIONS, k=5)
    assert not run.problems
    overall = run.summaries["hybrid"]["overall"]
    run.write(tmp_path)
    below = {name: overall[name] for name, floor in BUNDLED_GATE.items() if overall[name] < floor}
    assert not below, f"quality regression: {below} (gate {BUNDLED_GATE}); report in {tmp_path / 'report.html'}"
    assert overall["wrong_of_given"] <= BUNDLED_MAX_WRONG, overall
    assert overall["errors"] == 0


@pytest.mark.parametrize("case_id", FIRST_CITATION + FOLLOW_UPS)
def test_first_citation_holds_the_answer(real: Assistant, case_id: str) -> None:
    case = CASES[case_id]
    result = run_case(real, case, k=5)
    answer = result.answer
    assert not answer["abstained"], answer["answer"]
    first = answer["citations"][0]
    assert holds(first["text"], case.evidence), (case.question, answer["answer"])
    for citation in answer["citations"]:
        assert citation["quote"] in citation["text"]
        assert f"[{citation['n']}]" in answer["answer"]


@pytest.mark.parametrize("case_id", REFUSED)
def test_refuses_what_the_articles_do_not_say(real: Assistant, case_id: str) -> None:
    answer = real.ask(CASES[case_id].question)
    assert answer.abstained and not answer.citations, answer.answer
    assert answer.answer.startswith("The articles don't say.")
