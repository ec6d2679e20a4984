"""Fit the answer confidence (logistic regression) on the Reuters dev set and choose the answering threshold.

    .venv/bin/python eval/calibrate.py                       # fit on eval/dev-reuters.jsonl, write qa/calibration.json
    .venv/bin/python eval/calibrate.py --check eval/test-reuters.jsonl   # also report the held-out set (no fitting)
    .venv/bin/python eval/calibrate.py --keep-weights        # keep the shipped weights, choose the threshold again

Every candidate sentence the engine weighs for a dev question is a training row: its features (qa.confidence)
and whether it is right (an answerable question, the sentence holds the evidence, and for a name, date, number
or amount the short answer is one of the expected ones). The threshold is the lowest at which at most 5% of the
answers given on the dev set are wrong. Prints the fit, a reliability table and 5-fold cross-validated figures;
reads the Reuters corpus from ../shared (never copied here)."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.offline import set_offline_env  # noqa: E402

set_offline_env()

from qa.answer import Candidate, compose  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.confidence import FEATURES, Calibration, choose_threshold, fit, fitted, reliability  # noqa: E402
from qa.evaluate import (  # noqa: E402
    Case,
    corpus_ids,
    corpus_subset,
    holds,
    load_cases,
    norm,
    reuters_corpus,
    score,
    states_expected,
    with_located_evidence,
)
from qa.settings import Settings  # noqa: E402

CORPUS = reuters_corpus(ROOT)
MAX_WRONG = 0.05


def index_for(path: Path, workdir: Path) -> Assistant:
    cases = load_cases(path).cases
    settings = Settings(index_dir=workdir / f"index-{path.stem}")
    assistant = Assistant.open(settings=settings, create=True)
    with tempfile.TemporaryDirectory() as folder:
        subset = Path(folder) / f"{path.stem}.jsonl"
        corpus_subset(CORPUS, corpus_ids(cases), subset)
        assistant.ingest([subset])
    return assistant


def right(case: Case, candidate: Candidate) -> bool:
    """Answering `case` with `candidate` would be right. For a description, a sentence of the passage that
    states the answer (its paragraph, or the one next to it) is right too: what someone said about something
    is usually said over two or three sentences, and the set names one of them."""
    if not case.answerable or candidate.miss is not None:
        return False
    if case.answer_type == "description" and candidate.article.id in case.article_ids:
        near = {
            n + d for n, p in enumerate(candidate.article.paragraphs, 1) if holds(p, case.evidence) for d in (-1, 0, 1)
        }
        if candidate.paragraph in near:
            return True
    stated = states_expected(case, candidate.article.id, candidate.quote)
    if case.evidence and not holds(candidate.quote, case.evidence) and not stated:
        return False
    if candidate.answer is not None and case.answer_contains:
        short = norm(candidate.answer.text)
        return any(any(norm(alt) in short or short in norm(alt) for alt in group) for group in case.answer_contains)
    return True


def collect(assistant: Assistant, cases: list[Case]) -> list[tuple[Case, list[Candidate]]]:
    out = []
    for case in with_located_evidence(cases, assistant.retriever.articles):
        if len(case.turns) > 1:
            continue
        _, found = assistant.candidates(case.question)
        out.append((case, [c for c in found if c.miss is None]))
    return out


def answer_to(case: Case, found: list[Candidate], model: Calibration, assistant: Assistant) -> tuple[float, bool]:
    """(confidence, right) of the answer the engine would give with `model`, scored as `qa eval` scores it."""
    for candidate in found:
        candidate.probability = model.probability(candidate.features)
    ranked = sorted(found, key=lambda c: -c.probability)
    answer = compose(assistant.analyse(case.question), ranked, assistant.config, model.threshold, force=True)

    def passage(article_id: str, paragraph: int) -> str:
        article = assistant.article(article_id)
        return " \n ".join(article.paragraphs[max(paragraph - 2, 0) : paragraph + 1])

    metrics = score(case, answer.to_dict(), 5, passage)
    cited = metrics.get("citation_recall") if case.answer_type == "description" else metrics.get("first_citation")
    return answer.confidence, case.answerable and cited == 1.0 and metrics.get("answer_contains") in (None, 1.0)


Rows = list[tuple[Case, list[Candidate]]]


def judged(rows: Rows, model: Calibration, assistant: Assistant) -> list[tuple[Case, float, bool]]:
    """(case, confidence, right) of each question's answer with `model`; questions with no candidate are left
    out (they are refused whatever the threshold)."""
    return [(case, *answer_to(case, found, model, assistant)) for case, found in rows if found]


def outcome(rows: Rows, model: Calibration, assistant: Assistant) -> dict[str, float]:
    answered = correct = wrong = answered_unanswerable = 0
    answerable = sum(case.answerable for case, _ in rows)
    unanswerable = len(rows) - answerable
    for case, confidence, ok in judged(rows, model, assistant):
        if confidence >= model.threshold:
            answered += 1
            correct += ok
            wrong += not ok
            answered_unanswerable += not case.answerable
    refused_right = unanswerable - answered_unanswerable
    return {
        "answered correctly": correct / max(answerable, 1),
        "refused (unanswerable)": refused_right / max(unanswerable, 1),
        "wrong of given": wrong / max(answered, 1),
        "given": answered,
    }


def fitted_on(rows: Rows, l2: float, assistant: Assistant) -> Calibration:
    x = [c.features for _, found in rows for c in found]
    y = [int(right(case, c)) for case, found in rows for c in found]
    weights, bias = fit(x, y, l2=l2)
    # Rounded as qa/calibration.json stores them, so the threshold is chosen on the confidences shipped.
    return with_threshold(Calibration(tuple(round(w, 6) for w in weights), round(bias, 6), 1.0), rows, assistant)


def with_threshold(model: Calibration, rows: Rows, assistant: Assistant) -> Calibration:
    """`model` with the lowest threshold at which at most MAX_WRONG of the answers it gives on `rows` are wrong."""
    results = judged(rows, model, assistant)
    threshold = choose_threshold([p for _, p, _ in results], [ok for _, _, ok in results], MAX_WRONG)
    return Calibration(model.weights, model.bias, threshold, model.fitted_on)


def show(title: str, figures: dict[str, float]) -> None:
    print(f"{title}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", type=Path, default=ROOT / "eval" / "dev-reuters.jsonl")
    parser.add_argument("--check", type=Path, action="append", default=[], help="held-out sets to report")
    parser.add_argument("--l2", type=float, default=1.0, help="L2 penalty on the weights")
    parser.add_argument("--workdir", type=Path, default=ROOT / "eval" / "out" / "calibrate")
    parser.add_argument("--dry-run", action="store_true", help="do not write qa/calibration.json")
    parser.add_argument(
        "--keep-weights",
        action="store_true",
        help="keep the shipped weights and choose only the threshold (after a rule change moves the confidences)",
    )
    args = parser.parse_args()

    assistant = index_for(args.dev, args.workdir)
    dev = collect(assistant, load_cases(args.dev).cases)
    if args.keep_weights:
        shipped = fitted()
        label = f"{shipped.fitted_on.split(';')[0]}; threshold chosen again on {args.dev.name}"
        model = with_threshold(replace(shipped, fitted_on=label), dev, assistant)
    else:
        model = fitted_on(dev, args.l2, assistant)
        model = Calibration(model.weights, model.bias, model.threshold, f"{args.dev.name}, l2={args.l2}")
    print("weights:")
    for name, weight in zip(FEATURES, model.weights, strict=True):
        print(f"  {name:16} {weight:+.3f}")
    print(f"  {'bias':16} {model.bias:+.3f}")
    print(f"threshold {model.threshold:.3f} (at most {MAX_WRONG:.0%} of dev answers wrong)")
    show("dev (fitted on it)", outcome(dev, model, assistant))

    results = judged(dev, model, assistant)
    probabilities = [p for _, p, _ in results]
    correct = [ok for _, _, ok in results]
    print("reliability (dev, the best candidate of each question that has one):")
    print("  predicted   questions   mean predicted   share right")
    for span, count, mean, share in reliability(probabilities, correct):
        print(f"  {span:9}   {count:9}   {mean:14.3f}   {share:11.3f}")

    # 5-fold cross-validation by question: the dev figures above are fitted and measured on the same questions.
    order = list(range(len(dev)))
    random.Random(7).shuffle(order)
    folds = [order[i::5] for i in range(5)]
    totals: dict[str, float] = {}
    for fold in folds:
        held = [dev[i] for i in fold]
        rest = [dev[i] for i in order if i not in set(fold)]
        trained = with_threshold(model, rest, assistant) if args.keep_weights else fitted_on(rest, args.l2, assistant)
        for key, value in outcome(held, trained, assistant).items():
            totals[key] = totals.get(key, 0.0) + value / len(folds)
    show("dev, 5-fold cross-validated", totals)

    for path in args.check:
        other = index_for(path, args.workdir)
        rows = collect(other, load_cases(path).cases)
        show(f"{path.name} (held out)", outcome(rows, model, other))

    if not args.dry_run:
        target = ROOT / "qa" / "calibration.json"
        target.write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
