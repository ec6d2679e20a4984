"""The LLM engine with the real local model: in-process through llama-cpp-python, and through a real
OpenAI-compatible server (llama.cpp's) started on 127.0.0.1 by the test."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.evaluate import holds, load_cases
from qa.llm import open_gguf
from tests.servers import free_port, wait_for

pytestmark = pytest.mark.slow

pytest.importorskip("llama_cpp", reason="needs the local-llm extra: pip install -e '.[local-llm]'")

ROOT = Path(__file__).resolve().parent.parent.parent
CASES = {c.id: c for c in load_cases(ROOT / "eval" / "questions.jsonl").cases}
# A few questions from the project's set: numbers, a quote, a name, and two the articles cannot answer.
ANSWERABLE = ["s02", "s30", "s33", "s43"]
UNANSWERABLE = ["u01", "u06"]


@pytest.fixture(scope="module")
def gguf(tmp_path_factory: pytest.TempPathFactory, real: Assistant) -> Path:
    from qa.local_model import local_model_path

    return local_model_path(real.settings.model_cache)


@pytest.fixture(scope="module")
def in_process(real: Assistant, gguf: Path) -> Assistant:
    settings = real.settings.with_overrides({"answer": {"engine": "llm"}})
    llm = open_gguf(
        gguf, threads=settings.llm.threads, context=settings.llm.context, max_tokens=settings.llm.max_tokens
    )
    return Assistant(settings, real.store, real.embedder, real.annotator, llm=llm)


def check_answerable(assistant: Assistant, case_id: str) -> None:
    case = CASES[case_id]
    answer = assistant.ask(case.question)
    assert not answer.abstained, (case_id, answer.to_dict())
    # Written by the model or, when it failed the check, the extractive fallback: either way cited and right.
    assert answer.citations and holds(answer.citations[0].text, case.evidence), (case_id, answer.to_dict())
    for citation in answer.citations:
        assert citation.quote in citation.text
    assert "[1]" in answer.answer


@pytest.mark.parametrize("case_id", ANSWERABLE)
def test_in_process_model_answers_with_checked_citations(in_process: Assistant, case_id: str) -> None:
    check_answerable(in_process, case_id)


@pytest.mark.parametrize("case_id", UNANSWERABLE)
def test_in_process_model_refuses_what_the_articles_do_not_say(in_process: Assistant, case_id: str) -> None:
    answer = in_process.ask(CASES[case_id].question)
    assert answer.abstained and not answer.citations, answer.to_dict()


def test_the_model_writes_at_least_some_answers_itself(in_process: Assistant) -> None:
    engines = [in_process.ask(CASES[c].question).engine for c in ANSWERABLE]
    assert "llm" in engines, "every answer fell back: the model path is not working"


@pytest.fixture(scope="module")
def server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("llm-server") / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_threads",
            "2",
            "--n_ctx",
            "4096",
            "--use_mmap",
            "False",
            "--model_alias",
            "local",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/v1/models", timeout=120, process=process)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_openai_compatible_server_by_three_settings(real: Assistant, server: str) -> None:
    settings = real.settings.with_overrides(
        {"answer": {"engine": "llm"}, "llm": {"url": server, "model": "local", "api_key": "unused"}}
    )
    # The backend comes from the settings alone.
    assistant = Assistant(settings, real.store, real.embedder, real.annotator)
    check_answerable(assistant, "s30")
    refused = assistant.ask(CASES["u01"].question)
    assert refused.abstained and not refused.citations
    assert assistant.ask(CASES["s33"].question).engine == "llm"
