"""A long chat history must not tie the server up: limits on the history, and follow-up rewriting in linear time.

Today's rewriting is quadratic (a 63 KB history took 13.6 s; a megabyte takes hours), so the servers here run in
a subprocess that is killed afterwards, and the rewrite is timed in a subprocess too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import ROOT, served_in_subprocess

pytestmark = pytest.mark.slow

FOLLOW_UP = "How many staff back those claims?"  # a follow-up: it is rewritten with the history's words
WAIT = 10.0  # seconds before giving up on an answer (the limit under test is 1 s)


def word(n: int) -> str:
    """A distinct made-up word for each n (letters only, so the tokenizer keeps it whole)."""
    letters = ""
    n += 26 * 27
    while n:
        n, r = divmod(n, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[r]
    return letters


def prose(chars: int, seed: int) -> str:
    """`chars` characters of sentences full of distinct names and words: the worst case for the rewriting."""
    sentences: list[str] = []
    size, n = 0, seed * 10_000_000
    while size < chars:
        sentence = f"{word(n).capitalize()} {word(n + 1).capitalize()} told the {word(n + 2)} council. "
        sentences.append(sentence)
        size += len(sentence)
        n += 3
    return "".join(sentences)[:chars]


def turns(sizes: list[int]) -> list[dict[str, str]]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": prose(size, i)} for i, size in enumerate(sizes)]


def timed_ask(url: str, body: dict[str, object]) -> tuple[float, httpx.Response | None]:
    data = json.dumps(body).encode()
    start = time.monotonic()
    try:
        response = httpx.post(
            url + "/api/ask", content=data, headers={"Content-Type": "application/json"}, timeout=WAIT
        )
    except httpx.TimeoutException:
        return time.monotonic() - start, None
    return time.monotonic() - start, response


@pytest.fixture(scope="module")
def default_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_in_subprocess(tmp_path_factory.mktemp("history-default") / "index") as url:
        yield url


@pytest.fixture(scope="module")
def roomy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A body limit raised to 2 MB, so that the history limits (not the body limit) are what refuses."""
    index_dir = tmp_path_factory.mktemp("history-roomy") / "index"
    with served_in_subprocess(index_dir, max_request_bytes=2_000_000) as url:
        yield url


def test_megabyte_history_is_answered_or_refused_within_a_second(default_server: str) -> None:
    """Attack: a follow-up question with a 1 MB history (two turns of distinct names and words)."""
    history = turns([500_000, 500_000])
    elapsed, response = timed_ask(default_server, {"question": FOLLOW_UP, "history": history})
    assert response is not None, f"no answer within {WAIT:.0f} s: the server is still rewriting the question"
    assert response.status_code in (200, 413, 422), response.text[:300]
    if response.status_code != 200:
        assert response.json()["error"]["message"]
    assert elapsed < 1.0, f"took {elapsed:.2f} s"


def test_history_over_the_turn_and_size_limits_is_refused_with_422(roomy_server: str) -> None:
    """Attack: a follow-up question with ~500 KB of history in 30 turns (over max_history_turns=20 and
    max_history_chars=20,000), under the body limit."""
    history = turns([16_500] * 30)
    assert 450_000 < sum(len(t["content"]) for t in history) < 550_000
    elapsed, response = timed_ask(roomy_server, {"question": FOLLOW_UP, "history": history})
    assert response is not None, f"no answer within {WAIT:.0f} s"
    assert response.status_code == 422, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert error["type"] and error["message"], error
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    # A history within the limits still works.
    short = [
        {"role": "user", "content": "What did the union say about Southampton?"},
        {"role": "assistant", "content": "x"},
    ]
    _, answered = timed_ask(roomy_server, {"question": FOLLOW_UP, "history": short})
    assert answered is not None and answered.status_code == 200, answered and answered.text[:300]


REWRITE = """
import json, sys, time
from qa.followup import rewrite
history = json.loads(open(sys.argv[1], encoding="utf-8").read())
start = time.perf_counter()
query = rewrite(sys.argv[2], history)
print(json.dumps({"seconds": time.perf_counter() - start, "query": query[:300]}))
"""


def test_follow_up_rewriting_takes_linear_time(tmp_path: Path) -> None:
    """Attack: qa.followup.rewrite on a history of 200 turns totalling 1 MB (most of it in the last turns, which
    are the ones a follow-up is rewritten from)."""
    history = turns([1_000] * 196 + [201_000] * 4)
    assert len(history) == 200 and sum(len(t["content"]) for t in history) == 1_000_000
    path = tmp_path / "history.json"
    path.write_text(json.dumps(history), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    try:
        done = subprocess.run(
            [sys.executable, "-c", REWRITE, str(path), FOLLOW_UP],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("rewrite() did not return within 10 s on a 1 MB history")
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["query"].startswith(FOLLOW_UP)
    assert result["seconds"] < 1.0, f"rewrite() took {result['seconds']:.2f} s"
