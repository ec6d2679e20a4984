"""Benchmark: concurrent clients against `POST /api/ask` on a real `qa serve` with the real embedding model over
the bundled articles: one process on the embedded store (what `make run` starts), and API workers sharing a
`chroma run` server. Reports latency per request (p50/p95/max), throughput and errors.

Prints figures; asserts nothing. Servers run on 127.0.0.1 and are stopped at the end.

    .venv/bin/python bench/load.py                     # 20 clients x 10 questions, both set-ups
    .venv/bin/python bench/load.py --workers 2 --clients 20 --questions 10
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from qa.evaluate import load_cases  # noqa: E402
from qa.offline import set_offline_env  # noqa: E402
from tests.servers import Process, free_port  # noqa: E402


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


@contextmanager
def running(command: list[str], ready: str, env: dict[str, str], log: Path) -> Iterator[None]:
    process = Process(command, ready, log, env=env)
    process.start(timeout=180)
    try:
        yield
    finally:
        process.stop()


def load(base: str, questions: list[str], clients: int) -> dict[str, object]:
    def client_run(i: int) -> list[tuple[int, float]]:
        out = []
        with httpx.Client(base_url=base, timeout=120) as client:
            # Each client starts at another question, so the server sees a mix at every moment.
            for question in questions[i % len(questions) :] + questions[: i % len(questions)]:
                started = time.perf_counter()
                code = client.post("/api/ask", json={"question": question}).status_code
                out.append((code, 1000 * (time.perf_counter() - started)))
        return out

    with httpx.Client(base_url=base, timeout=120) as client:
        for question in questions[:3]:
            client.post("/api/ask", json={"question": question})  # warm
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        rows = [row for rows in pool.map(client_run, range(clients)) for row in rows]
    wall = time.perf_counter() - started
    latencies = [ms for _, ms in rows]
    return {
        "requests": len(rows),
        "errors": sum(code != 200 for code, _ in rows),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1),
        "answers_per_s": round(len(rows) / wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions per client")
    parser.add_argument("--workers", type=int, default=2, help="API workers in the chroma-server set-up")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "load.json")
    args = parser.parse_args()
    set_offline_env()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    cases = [c for c in load_cases(ROOT / "eval" / "questions.jsonl").cases if len(c.turns) == 1]
    questions = [c.question for c in cases[:: max(1, len(cases) // args.questions)]][: args.questions]
    results = []

    with tempfile.TemporaryDirectory(prefix="qa-load-") as tmp:
        work = Path(tmp)
        articles = str(ROOT / "data" / "articles")

        # 1. One process, embedded store: what `make run` starts.
        index = str(work / "index")
        subprocess.run([str(BIN / "qa"), "ingest", articles, "--index-dir", index], env=env, check=True)
        port = free_port()
        command = [str(BIN / "qa"), "serve", "--index-dir", index, "--port", str(port)]
        with running(command, f"http://127.0.0.1:{port}/api/health", env, work / "serve.log"):
            row = {"setup": "qa serve, embedded store", **load(f"http://127.0.0.1:{port}", questions, args.clients)}
        results.append(row)
        print(json.dumps(row), flush=True)

        # 2. API workers sharing a chroma server.
        chroma_port, port = free_port(), free_port()
        chroma = [str(BIN / "chroma"), "run", "--path", str(work / "chroma"), "--host", "127.0.0.1"]
        with running(
            [*chroma, "--port", str(chroma_port)],
            f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat",
            env,
            work / "chroma.log",
        ):
            shared = {**env, "QA_CHROMA_URL": f"http://127.0.0.1:{chroma_port}", "QA_INDEX_DIR": str(work / "cache")}
            subprocess.run([str(BIN / "qa"), "ingest", articles], env=shared, check=True)
            command = [str(BIN / "qa"), "serve", "--workers", str(args.workers), "--port", str(port)]
            with running(command, f"http://127.0.0.1:{port}/api/health", shared, work / "workers.log"):
                row = {
                    "setup": f"qa serve --workers {args.workers}, chroma server",
                    **load(f"http://127.0.0.1:{port}", questions, args.clients),
                }
        results.append(row)
        print(json.dumps(row), flush=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"clients": args.clients, "questions": questions, "results": results}, indent=2))


if __name__ == "__main__":
    main()
