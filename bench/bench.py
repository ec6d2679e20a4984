"""Benchmark: ingest throughput, start-up and warm query latency, over the bundled articles and the first N Reuters
stories, beside the plain LlamaIndex pipeline a user would write (VectorStoreIndex over chroma, the same
embedding model, the default SentenceSplitter).

Prints figures; asserts nothing. The Reuters corpus (research-use licence) is read from ../shared, never copied
into the repository: the subset is written to a temporary directory.

    .venv/bin/python bench/bench.py                                  # bundled + 2,000 stories
    .venv/bin/python bench/bench.py --stories 2000,19043 --baseline  # the README's table (about an hour)
    .venv/bin/python bench/bench.py --stories 2000 --desk            # quotes, search, batch and watches
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.offline import set_offline_env  # noqa: E402

set_offline_env()

from index.chunk import chunk_article, chunk_sentences  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.evaluate import load_cases, reuters_corpus  # noqa: E402
from qa.settings import Settings  # noqa: E402

REUTERS = reuters_corpus(ROOT)


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


def startup_seconds(code: str) -> float:
    """Wall time of a fresh process that runs `code` (which ends by answering one question)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def ours(name: str, paths: list[Path], queries: list[str], workdir: Path) -> dict[str, object]:
    index_dir = workdir / name
    assistant = Assistant.open(settings=Settings(index_dir=index_dir), create=True)
    # Loading the model is start-up, not ingest: in this process (the raw figure) and in ingest's own process.
    assistant.embedder.embed(["load the model"] * 9)
    assistant.embedder.embed(["load the model"] * 9, busy=lambda: False)
    started = time.perf_counter()
    report = assistant.ingest(paths)
    ingest_seconds = time.perf_counter() - started
    infos = assistant.articles()
    paragraphs = sum(info.paragraphs for info in infos)
    articles, chunks = assistant.store.counts()

    # The model's own speed on the texts ingest embedded (the sentences of a sample of articles).
    sample = [assistant.article(info.id) for info in random.Random(1).sample(infos, min(400, len(infos)))]
    texts = [text for a in sample for c in chunk_article(a) for _, text in chunk_sentences(c)]
    started = time.perf_counter()
    assistant.embedder.embed(texts)
    raw_seconds = time.perf_counter() - started
    raw_paragraphs_per_s = sum(len(a.paragraphs) for a in sample) / raw_seconds

    for question in queries[:5]:
        assistant.ask(question)  # warm
    latencies, abstained = [], 0
    for question in queries:
        started = time.perf_counter()
        abstained += assistant.ask(question).abstained
        latencies.append(1000 * (time.perf_counter() - started))
    start_up = startup_seconds(
        "from qa.offline import set_offline_env; set_offline_env()\n"
        "from qa.assistant import Assistant\n"
        f"Assistant.open(index_dir={str(index_dir)!r}).ask({queries[0]!r})"
    )
    return {
        "pipeline": "newsroom-qa",
        "corpus": name,
        "articles": articles,
        "paragraphs": paragraphs,
        "chunks": chunks,
        "rejected": report.counts["rejected"],
        "ingest_seconds": round(ingest_seconds, 1),
        "ingest_paragraphs_per_s": round(paragraphs / ingest_seconds, 1),
        "raw_encode_paragraphs_per_s": round(raw_paragraphs_per_s, 1),
        "ingest_share_of_raw": round(paragraphs / ingest_seconds / raw_paragraphs_per_s, 2),
        "query_p50_ms": round(percentile(latencies, 50), 1),
        "query_p95_ms": round(percentile(latencies, 95), 1),
        "startup_to_first_answer_s": round(start_up, 1),
        "abstained": f"{abstained}/{len(queries)}",
    }


def rss_mb() -> float:
    """Resident memory of this process now (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def next_stories(after: int, n: int, folder: Path) -> Path:
    """n stories with a body that come after the first `after` (an ingest of news into an existing index)."""
    path = folder / f"reuters-next-{after}-{n}.jsonl"
    seen = 0
    with REUTERS.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        for line in source:
            story = json.loads(line)
            if not story.get("paragraphs"):
                continue
            seen += 1
            if seen > after:
                out.write(json.dumps({k: story[k] for k in ("id", "title", "date", "paragraphs")}) + "\n")
            if seen == after + n:
                break
    return path


def desk(name: str, size: int, queries: list[str], workdir: Path) -> dict[str, object]:
    """The newsroom features on an index built by `ours`: the catalogue of quotes and entities, search, entity
    filters, 1,000 questions in a batch, and an ingest of 20 new stories with 0 and with 50 watches."""
    from qa.batch import Question

    assistant = Assistant.open(settings=Settings(index_dir=workdir / name))
    started = time.perf_counter()
    people = assistant.entities(type="person", limit=50)
    catalogue_s = time.perf_counter() - started
    quotes = len(assistant.quotes())

    def p50(calls: list[float]) -> float:
        return round(percentile(calls, 50), 1)

    search_ms, filtered_ms = [], []
    for i, question in enumerate(queries):
        started = time.perf_counter()
        assistant.search(question, k=20)
        search_ms.append(1000 * (time.perf_counter() - started))
        person = people[i % len(people)].name if people else None
        started = time.perf_counter()
        assistant.ask(question, filters={"people": [person]} if person else None)
        filtered_ms.append(1000 * (time.perf_counter() - started))

    batch = [Question(n + 1, queries[n % len(queries)] if n < len(queries) else f"{queries[n % len(queries)]} ({n})")
             for n in range(1000)]  # fmt: skip
    memory = [rss_mb()]
    started = time.perf_counter()
    for done, _ in enumerate(assistant.batch(batch), start=1):
        if done % 250 == 0:
            memory.append(rss_mb())
    batch_s = time.perf_counter() - started

    added = []

    def ingest_new(after: int) -> float:
        path = next_stories(after, 20, workdir)
        started = time.perf_counter()
        added.append(assistant.ingest([path]).counts["added"])
        return time.perf_counter() - started

    # When the index holds the whole corpus there is nothing after it: the last 40 stories are taken out and
    # come back as the news.
    after = size
    if len(next_stories(size, 40, workdir).read_text(encoding="utf-8").splitlines()) < 40:
        after = size - 40
        indexed = {info.id for info in assistant.articles()}
        for line in next_stories(after, 40, workdir).read_text(encoding="utf-8").splitlines():
            if json.loads(line)["id"] in indexed:  # a duplicate story was rejected at ingest
                assistant.delete_article(json.loads(line)["id"])
    without = ingest_new(after)
    for question in queries[:50]:
        assistant.watch(question)
    started = time.perf_counter()
    assistant.recheck_watches()
    answer_50 = time.perf_counter() - started
    with_50 = ingest_new(after + 20)
    return {
        "pipeline": "newsroom-qa desk",
        "corpus": name,
        "catalogue_build_s": round(catalogue_s, 1),
        "quotes": quotes,
        "search_k20_p50_ms": p50(search_ms),
        "ask_person_filter_p50_ms": p50(filtered_ms),
        "batch_1000_questions_per_s": round(1000 / batch_s, 1),
        "batch_rss_mb_at_0_250_500_750_1000": [round(m) for m in memory],
        "ingest_20_stories_s": round(without, 1),
        "stories_added_per_ingest": added,
        "ingest_20_stories_with_50_watches_s": round(with_50, 1),
        "answer_50_watches_s": round(answer_50, 1),
    }


def baseline(
    name: str, jsonl: Path | None, folder: Path | None, queries: list[str], workdir: Path
) -> dict[str, object]:
    """What a user would write with LlamaIndex: documents, default SentenceSplitter, VectorStoreIndex on chroma."""
    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embed import resolve_model_path

    model = str(resolve_model_path("all-MiniLM-L6-v2"))
    path = workdir / f"{name}-llamaindex"
    embed = HuggingFaceEmbedding(model_name=model, device="cpu")
    embed.get_text_embedding("load the model")
    documents = []
    if jsonl is not None:
        with jsonl.open(encoding="utf-8") as handle:
            for line in handle:
                story = json.loads(line)
                documents.append(Document(text="\n\n".join(story["paragraphs"]), metadata={"id": story["id"]}))
    elif folder is not None:
        documents = [
            Document(text=p.read_text(encoding="utf-8"), metadata={"id": p.stem}) for p in sorted(folder.glob("*.txt"))
        ]
    client = chromadb.PersistentClient(path=str(path))
    collection = client.get_or_create_collection("baseline", embedding_function=None)
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    started = time.perf_counter()
    index = VectorStoreIndex.from_documents(
        documents, storage_context=storage, embed_model=embed, transformations=[SentenceSplitter()]
    )
    ingest_seconds = time.perf_counter() - started
    paragraphs = sum(d.text.count("\n\n") + 1 for d in documents)
    retriever = index.as_retriever(similarity_top_k=5)
    for question in queries[:5]:
        retriever.retrieve(question)
    latencies = []
    for question in queries:
        started = time.perf_counter()
        retriever.retrieve(question)
        latencies.append(1000 * (time.perf_counter() - started))
    start_up = startup_seconds(
        "import chromadb\n"
        "from llama_index.core import VectorStoreIndex\n"
        "from llama_index.embeddings.huggingface import HuggingFaceEmbedding\n"
        "from llama_index.vector_stores.chroma import ChromaVectorStore\n"
        f"c = chromadb.PersistentClient(path={str(path)!r}).get_collection('baseline')\n"
        f"index = VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=c), "
        f"embed_model=HuggingFaceEmbedding(model_name={model!r}, device='cpu'))\n"
        f"index.as_retriever(similarity_top_k=5).retrieve({queries[0]!r})"
    )
    return {
        "pipeline": "LlamaIndex VectorStoreIndex",
        "corpus": name,
        "articles": len(documents),
        "paragraphs": paragraphs,
        "chunks": collection.count(),
        "ingest_seconds": round(ingest_seconds, 1),
        "ingest_paragraphs_per_s": round(paragraphs / ingest_seconds, 1),
        "query_p50_ms": round(percentile(latencies, 50), 1),
        "query_p95_ms": round(percentile(latencies, 95), 1),
        "startup_to_first_answer_s": round(start_up, 1),
        "note": "retrieval only: no answer, no citations, no abstention",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stories", default="2000", help="comma-separated Reuters subset sizes (0 to skip)")
    parser.add_argument("--queries", type=int, default=100, help="queries per corpus")
    parser.add_argument("--baseline", action="store_true", help="also measure the plain LlamaIndex pipeline")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "results.json")
    parser.add_argument("--keep", type=Path, help="build indexes in this empty folder and keep them")
    parser.add_argument("--desk", action="store_true", help="also the newsroom features (quotes, search, batch, "
                        "watches) on each Reuters index")  # fmt: skip
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}", flush=True)

    results: list[dict[str, object]] = []

    def record(row: dict[str, object]) -> None:
        results.append(row)
        print(json.dumps(row), flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        questions = [case.question for case in load_cases(ROOT / "eval" / "questions.jsonl").cases]
        bundled = ROOT / "data" / "articles"
        record(ours("bundled", [bundled], questions[: args.queries], workdir))
        if args.baseline:
            record(baseline("bundled", None, bundled, questions[: args.queries], workdir))
        for size in [int(s) for s in args.stories.split(",") if s.strip() and int(s) > 0]:
            if not REUTERS.exists():
                print(f"skipping Reuters: {REUTERS} not found")
                break
            path, titles = reuters_subset(size, workdir)
            random.Random(0).shuffle(titles)
            queries = [title.capitalize() + "?" for title in titles[: args.queries]]
            record(ours(f"reuters-{size}", [path], queries, workdir))
            if args.desk:
                record(desk(f"reuters-{size}", size, queries, workdir))
            if args.baseline:
                record(baseline(f"reuters-{size}", path, None, queries, workdir))

    print()
    header = [
        "pipeline",
        "corpus",
        "articles",
        "paragraphs",
        "ingest_paragraphs_per_s",
        "raw_encode_paragraphs_per_s",
        "query_p50_ms",
        "query_p95_ms",
        "startup_to_first_answer_s",
    ]
    print(" | ".join(header))
    for row in results:
        print(" | ".join(str(row.get(h, "")) for h in header))


if __name__ == "__main__":
    main()
