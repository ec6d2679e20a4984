"""Beyond one process: API workers sharing a chroma server, load, faults, ingest while answering, and an
ingest killed halfway. Real processes on 127.0.0.1, stopped by the tests themselves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from index.chunk import chunk_article, chunk_sentences
from index.clean import clean
from index.parse import RawArticle, read_file
from tests.servers import BIN, Process, chroma_process, free_port

pytestmark = pytest.mark.slow

QUESTIONS = [
    "How many cases did one social worker have?",
    "What did the union say about Southampton?",
    "Who is the chief executive of Worcestershire County Council?",
    "What did Ofsted say about the pace of progress?",
    "How many social workers has Wigan recruited?",
    "Who won the 2022 World Cup?",
    "What are agencies offering for contracts with BCP?",
    "What did the Labour politician say about austerity?",
    "How many employees back the Southampton claims?",
    "What did Colette Dutton say about training?",
]


def qa_env(tmp: Path, chroma_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_CHROMA_URL=chroma_url, QA_INDEX_DIR=str(tmp / "cache"), QA_EMBEDDING_MODEL="hashing")
    return env


def qa(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "qa"), *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def stack(tmp_path: Path, articles_dir: Path) -> Iterator[tuple[Process, str, dict[str, str]]]:
    """A chroma server holding the bundled articles and `qa serve --workers 2` answering from it."""
    chroma_port, api_port = free_port(), free_port()
    chroma = chroma_process(tmp_path / "chroma", chroma_port)
    chroma.start()
    env = qa_env(tmp_path, f"http://127.0.0.1:{chroma_port}")
    ingested = qa(env, "ingest", str(articles_dir))
    assert ingested.returncode == 0, ingested.stderr
    api = Process(
        [str(BIN / "qa"), "serve", "--workers", "2", "--port", str(api_port)],
        f"http://127.0.0.1:{api_port}/api/health",
        tmp_path / "api.log",
        env=env,
    )
    try:
        api.start(timeout=180)
        yield chroma, f"http://127.0.0.1:{api_port}", env
    finally:
        api.stop()
        chroma.stop()


def test_workers_share_the_store_load_and_faults(stack: tuple[Process, str, dict[str, str]], tmp_path: Path) -> None:
    chroma, base, env = stack
    # Several workers, one store: every connection sees the same five articles.
    for _ in range(6):
        with httpx.Client(base_url=base, timeout=30) as client:
            assert len(client.get("/api/articles").json()["articles"]) == 5

    # Load: 20 clients x 10 questions, zero errors.
    def client_run(_: int) -> list[int]:
        with httpx.Client(base_url=base, timeout=120) as client:
            return [client.post("/api/ask", json={"question": q}).status_code for q in QUESTIONS]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = [code for codes in pool.map(client_run, range(20)) for code in codes]
    assert codes == [200] * 200, {c: codes.count(c) for c in set(codes)}
    print(f"200 questions from 20 clients in {time.perf_counter() - started:.1f}s")

    # An article ingested by another process is seen by every worker, without a restart.
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "ferry.txt").write_text(
        "The island ferry service will be cut to two sailings a day from March, the operator said.\n", "utf-8"
    )
    assert qa(env, "ingest", str(tmp_path / "new")).returncode == 0
    deadline = time.monotonic() + 30
    seen = 0
    while time.monotonic() < deadline and seen < 4:
        answer = httpx.post(
            f"{base}/api/ask", json={"question": "How many ferry sailings a day from March?"}, timeout=60
        )
        cited = [c["article_id"] for c in answer.json()["citations"]]
        seen = seen + 1 if cited[:1] == ["ferry"] else 0
        time.sleep(0.5)
    assert seen >= 4, "the workers did not all pick up the new article"

    # The vector store goes away: a clear 503, then answers resume when it is back, no API restart.
    chroma.stop()
    down = httpx.post(f"{base}/api/ask", json={"question": QUESTIONS[0]}, timeout=60)
    assert down.status_code == 503, down.text
    assert "unreachable" in down.json()["error"]["message"] and "Traceback" not in down.text
    chroma.start()
    back = httpx.post(f"{base}/api/ask", json={"question": QUESTIONS[0]}, timeout=60)
    assert back.status_code == 200 and back.json()["citations"]


def test_questions_during_an_ingest_never_fail(stack: tuple[Process, str, dict[str, str]], tmp_path: Path) -> None:
    _, base, env = stack
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(60):
        (folder / f"story-{i:03d}.txt").write_text(
            f"Council {i} said its children's services had {i + 3} social worker vacancies this year.\n\n"
            f"The union said staff at council {i} were working unpaid hours to keep up with cases.\n",
            encoding="utf-8",
        )
    failures: list[str] = []
    answers = 0
    stop = threading.Event()

    def ask_loop() -> None:
        nonlocal answers
        with httpx.Client(base_url=base, timeout=60) as client:
            while not stop.is_set():
                response = client.post("/api/ask", json={"question": "How many social worker vacancies?"})
                if response.status_code != 200:
                    failures.append(response.text)
                    continue
                for c in response.json()["citations"]:
                    if c["quote"] not in c["text"]:
                        failures.append(f"quote not in its paragraph: {c}")
                answers += 1

    threads = [threading.Thread(target=ask_loop) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        result = qa(env, "ingest", str(folder))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    assert result.returncode == 0, result.stderr
    assert not failures, failures[:3]
    assert answers > 0


def expected_counts(path: Path) -> tuple[int, int, int]:
    articles = chunks = sentences = 0
    for raw in read_file(path, 5_000_000):
        assert isinstance(raw, RawArticle)
        found = chunk_article(clean(raw))
        articles += 1
        chunks += len(found)
        sentences += sum(len(chunk_sentences(c)) for c in found)
    return articles, chunks, sentences


def test_an_ingest_killed_halfway_finishes_on_the_next_run(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    with feed.open("w", encoding="utf-8") as out:
        for i in range(1500):
            paragraphs = [
                f"Story {i}: the council in town {i % 97} approved a budget of {i * 7} thousand pounds.",
                f"Councillors in ward {i % 13} said the plan for story {i} would protect {i % 50} jobs.",
                f"The opposition called item {i} a waste, and the vote was {i % 30} to {i % 17}.",
            ]
            out.write(json.dumps({"id": f"story-{i}", "title": f"Budget {i}", "paragraphs": paragraphs}) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_INDEX_DIR=str(tmp_path / "index"), QA_EMBEDDING_MODEL="hashing")
    process = subprocess.Popen(
        [str(BIN / "qa"), "ingest", str(feed)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # Kill it once some articles are in, well before the end.
    probe = [
        sys.executable,
        "-c",
        "from qa.assistant import Assistant; from index.embed import HashingEmbedder; "
        f"print(Assistant.open(index_dir={str(tmp_path / 'index')!r}, embedder=HashingEmbedder()).store.counts()[0])",
    ]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.5)
        check = subprocess.run(probe, env=env, capture_output=True, text=True)
        if check.returncode == 0 and int(check.stdout.strip() or 0) >= 100:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = int(subprocess.run(probe, env=env, capture_output=True, text=True).stdout.strip())
    assert 0 < killed_at < 1500, "the kill did not land in the middle of the ingest"

    again = qa(env, "ingest", str(feed), "--json", timeout=600)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)["counts"]
    assert report["added"] + report["skipped"] == 1500 and report["rejected"] == 0

    from index.embed import HashingEmbedder
    from qa.assistant import Assistant

    store = Assistant.open(index_dir=tmp_path / "index", embedder=HashingEmbedder()).store
    want_articles, want_chunks, want_sentences = expected_counts(feed)
    assert store.counts() == (want_articles, want_chunks)
    assert store.sentences.count() == want_sentences
