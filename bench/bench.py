"""Benchmark: ingest throughput and warm query latency, over the bundled articles and the first N Reuters stories.

Prints figures; asserts nothing. The Reuters corpus (research-use licence) is read from ../shared, never copied
into the repository: the subset is written to a temporary directory.

    .venv/bin/python bench/bench.py                       # bundled + 2,000 Reuters stories
    .venv/bin/python bench/bench.py --stories 500 --queries 50
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.cli import set_offline_env  # noqa: E402

set_offline_env()

from qa.assistant import Assistant  # noqa: E402
from qa.evaluate import load_cases  # noqa: E402
from qa.settings import Settings  # noqa: E402

REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578" / "reuters21578.jsonl"


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def reuters_subset(n: int, folder: Path) -> tuple[Path, list[str]]:
    """The first n stories with a body, as a .jsonl in `folder`, and their titles (used as queries)."""
    path = folder / f"reuters-{n}.jsonl"
    titles = []
    with REUTERS.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        for line in source:
            story = json.loads(line)
            if not story.get("paragraphs"):
                continue
            out.write(json.dumps({k: story[k] for k in ("id", "title", "date", "paragraphs")}) + "\n")
            titles.append(story["title"])
            if len(titles) == n:
                break
    return path, titles


def measure(name: str, paths: list[Path], queries: list[str], workdir: Path) -> dict[str, object]:
    settings = Settings(index_dir=workdir / name)
    assistant = Assistant.open(settings=settings, create=True)
    assistant.embedder.embed(["warm up the model"])  # loading the model is start-up, not ingest
    started = time.perf_counter()
    report = assistant.ingest(paths)
    ingest_seconds = time.perf_counter() - started
    infos = assistant.articles()
    paragraphs = sum(info.paragraphs for info in infos)
    _, chunks = assistant.store.counts()

    # Raw model throughput on the same texts the ingest embedded (its sentences), for comparison.
    texts = []
    for info in infos[:300]:
        texts.extend(assistant.article(info.id).paragraphs)
    started = time.perf_counter()
    assistant.embedder.embed(texts)
    raw_paragraphs_per_s = len(texts) / (time.perf_counter() - started)

    for question in queries[:5]:
        assistant.ask(question)  # warm caches and the keyword index
    latencies = []
    abstained = 0
    for question in queries:
        started = time.perf_counter()
        answer = assistant.ask(question)
        latencies.append(1000 * (time.perf_counter() - started))
        abstained += answer.abstained
    return {
        "corpus": name,
        "articles": len(infos),
        "paragraphs": paragraphs,
        "chunks": chunks,
        "rejected": report.counts["rejected"],
        "ingest_seconds": round(ingest_seconds, 1),
        "ingest_paragraphs_per_s": round(paragraphs / ingest_seconds, 1),
        "raw_encode_paragraphs_per_s": round(raw_paragraphs_per_s, 1),
        "queries": len(queries),
        "query_p50_ms": round(percentile(latencies, 50), 1),
        "query_p95_ms": round(percentile(latencies, 95), 1),
        "abstained": abstained,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=2000, help="Reuters stories to index (0 to skip)")
    parser.add_argument("--queries", type=int, default=100, help="queries per corpus")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}", flush=True)

    results = []
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        workdir = Path(tmp)
        questions = [case.question for case in load_cases(ROOT / "eval" / "questions.jsonl").cases]
        results.append(measure("bundled", [ROOT / "data" / "articles"], questions[: args.queries], workdir))
        print(json.dumps(results[-1]), flush=True)
        if args.stories and REUTERS.exists():
            path, titles = reuters_subset(args.stories, workdir)
            random.Random(0).shuffle(titles)
            queries = [title.capitalize() + "?" for title in titles[: args.queries]]
            results.append(measure(f"reuters-{args.stories}", [path], queries, workdir))
            print(json.dumps(results[-1]), flush=True)
        elif args.stories:
            print(f"skipping Reuters: {REUTERS} not found")

    print()
    header = ["corpus", "articles", "paragraphs", "ingest_paragraphs_per_s", "raw_encode_paragraphs_per_s",
              "query_p50_ms", "query_p95_ms"]
    print(" | ".join(header))
    for row in results:
        print(" | ".join(str(row[h]) for h in header))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
