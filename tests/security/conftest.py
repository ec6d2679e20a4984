"""The security suite's helpers: the app built in one place (`build_app`), served on 127.0.0.1 from a thread or
from a subprocess that can be killed, and every way of running the web chat's (gradio's) events over HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from qa.assistant import Assistant
from tests.conftest import ARTICLES, fake_assistant
from tests.servers import free_port, wait_for
from tests.webserver import serving

if TYPE_CHECKING:
    from fastapi import FastAPI

    from qa.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-token-for-security-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CMS = "https://cms.example.org"
WORCESTER = "000_60f27155d5b16904"
BUNDLED_IDS = sorted(p.stem for p in ARTICLES.glob("*.txt"))


def build_app(assistant: Assistant, settings: Settings) -> FastAPI:
    """The only place this suite builds the app: what `qa serve` serves."""
    from qa.serve import create_app

    return create_app(assistant, settings)


def settings_arguments(**flat: Any) -> dict[str, Any]:
    """Settings by their field names (api_token=..., allowed_hosts=...), put in their group (server={...}) as
    Settings(...) takes them."""
    from pydantic import BaseModel

    from qa.settings import Settings

    fields = Settings.model_fields
    arguments: dict[str, Any] = {}
    for name, value in flat.items():
        groups = [
            group
            for group, field in fields.items()
            if isinstance(field.annotation, type)
            and issubclass(field.annotation, BaseModel)
            and name in field.annotation.model_fields
        ]
        if name in fields or not groups:
            arguments[name] = value
        else:
            arguments.setdefault(groups[0], {})[name] = value
    return arguments


def open_assistant(index_dir: Path, bundled: bool = True, **settings: Any) -> Assistant:
    """A fake-embedder Assistant on `index_dir` with these settings (see settings_arguments), holding the five
    bundled articles unless bundled=False."""
    assistant = fake_assistant(index_dir, **settings_arguments(**settings))
    if bundled:
        report = assistant.ingest([ARTICLES])
        assert report.counts["added"] == len(BUNDLED_IDS), report.to_dict()
    return assistant


@dataclass
class Served:
    url: str
    app: FastAPI
    assistant: Assistant

    @property
    def index_dir(self) -> Path:
        return Path(self.assistant.settings.index_dir)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def client(self, **kwargs: Any) -> httpx.Client:
        """A client of this server; a new connection per request (event streams are left before their end)."""
        kwargs.setdefault("timeout", 30)
        return httpx.Client(base_url=self.url, limits=httpx.Limits(max_keepalive_connections=0), **kwargs)


@contextmanager
def served(assistant: Assistant) -> Iterator[Served]:
    """The app over `assistant` (with its settings), served from a thread on a free port of 127.0.0.1."""
    app = build_app(assistant, assistant.settings)
    with serving(app) as url:
        yield Served(url, app, assistant)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """serve(bundled=True, **settings): a fresh index under tmp_path, served until the test ends."""
    with ExitStack() as stack:
        count = 0

        def start(bundled: bool = True, **settings: Any) -> Served:
            nonlocal count
            count += 1
            assistant = open_assistant(tmp_path / f"index{count}", bundled=bundled, **settings)
            return stack.enter_context(served(assistant))

        yield start


# -- a server in a subprocess: for attacks that can keep today's server busy for hours --------------------------

SPEC_VARIABLE = "SECURITY_TEST_SERVER"  # not QA_*: tests/conftest.py clears those


def serve_from_env() -> None:
    """The subprocess's side of `served_in_subprocess`."""
    import uvicorn

    spec = json.loads(os.environ[SPEC_VARIABLE])
    assistant = open_assistant(Path(spec["index_dir"]), **spec["settings"])
    uvicorn.run(build_app(assistant, assistant.settings), host="127.0.0.1", port=spec["port"], log_level="warning")


@contextmanager
def served_in_subprocess(index_dir: Path, **settings: Any) -> Iterator[str]:
    """The app (bundled articles, these settings) served by a child process, killed afterwards however busy."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env[SPEC_VARIABLE] = json.dumps({"index_dir": str(index_dir), "port": port, "settings": settings})
    log_path = index_dir.parent / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", "from tests.security.conftest import serve_from_env; serve_from_env()"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health", timeout=120, process=process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()  # not terminate: a worker thread may be stuck in the request under test
        process.wait(timeout=30)


# -- the index, before and after an attack ----------------------------------------------------------------------


def index_snapshot(assistant: Assistant) -> dict[str, tuple[str, ...]]:
    """Every indexed article's id and paragraphs: equal snapshots mean the index was not changed."""
    return {info.id: tuple(assistant.article(info.id).paragraphs) for info in assistant.articles()}


def cited_texts(assistant: Assistant, question: str) -> list[tuple[str, str]]:
    """(article id, paragraph) of every citation and hit the answer to `question` rests on."""
    answer = assistant.ask(question).to_dict()
    return [(c["article_id"], c["text"]) for c in answer["citations"]] + [
        (h["article_id"], h["text"]) for h in answer["hits"]
    ]


# -- the web chat's events, run over HTTP the ways gradio offers ------------------------------------------------

# The web chat's events today (api names, private ones included); the attack tries them whatever the app says.
KNOWN_EVENTS = (
    "ask",
    "respond",
    "pick_answer",
    "show_source",
    "show_article",
    "reset",
    "reset_1",
    "add_articles",
    "articles",
    "load_example",
)


@dataclass(frozen=True)
class Event:
    fn_index: int | None
    api_name: str | None
    inputs: int


def gradio_blocks(app: Any) -> Any | None:
    """The gradio Blocks mounted somewhere in `app` (through mounts and wrapping middleware), or None."""
    seen: set[int] = set()
    stack = [app]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if callable(getattr(node, "get_blocks", None)):
            try:
                return node.get_blocks()
            except Exception:
                continue
        stack.extend(getattr(route, "app", None) for route in getattr(getattr(node, "router", None), "routes", []))
        stack.extend(getattr(route, "app", None) for route in (getattr(node, "routes", None) or []))
        stack.append(getattr(node, "app", None))
    return None


def web_chat_events(app: Any) -> list[Event]:
    """Every event the mounted web chat has (from its Blocks), plus today's event names and the first 12 event
    indexes in case the app hides some of them."""
    events: list[Event] = []
    blocks = gradio_blocks(app)
    if blocks is not None:
        for fn_index, fn in blocks.fns.items():
            name = fn.api_name if isinstance(fn.api_name, str) and fn.api_name else None
            events.append(Event(fn_index, name, max(1, len(fn.inputs))))
    indexes = {e.fn_index for e in events}
    names = {e.api_name for e in events}
    events += [Event(i, None, 1) for i in range(12) if i not in indexes]
    events += [Event(None, name, 1) for name in KNOWN_EVENTS if name not in names]
    return events


def signed_in(client: httpx.Client, password: str) -> httpx.Client:
    """Sign `client` in to the web chat (gradio's /login: any user name, the password); it keeps the cookie. Today
    there is no sign-in (the login route redirects), which leaves the client as it was."""
    client.post("/login", data={"username": "reporter", "password": password})
    return client


def gradio_upload(client: httpx.Client, *paths: Path) -> list[dict[str, Any]] | None:
    """Upload files the way the web chat does (/gradio_api/upload); their FileData, or None if refused."""
    response = client.post("/gradio_api/upload", files=[("files", (p.name, p.read_bytes())) for p in paths])
    if response.status_code != 200:
        return None
    return [
        {"path": server_path, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}
        for server_path, path in zip(response.json(), paths, strict=True)
    ]


def file_data(path: Path) -> dict[str, Any]:
    """A FileData naming a server-side path, as a client can forge it."""
    return {"path": str(path), "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def read_until_done(client: httpx.Client, url: str, params: dict[str, str] | None = None) -> str:
    """Read a gradio event stream until its event has finished (a minute at most); everything it said."""
    seen: list[str] = []
    deadline = time.monotonic() + 60
    with client.stream("GET", url, params=params) as stream:
        if stream.status_code != 200:
            return f"stream {stream.status_code}"
        finished = False
        for line in stream.iter_lines():  # gradio sends a heartbeat at least every 15 s
            seen.append(line)
            if finished or time.monotonic() > deadline:
                break
            if line in ("event: complete", "event: error"):
                finished = True  # its data line follows
            elif line.startswith("data:"):
                message = json.loads(line[5:]) if line[5:].strip().startswith("{") else None
                if isinstance(message, dict) and message.get("msg") in (
                    "process_completed",
                    "close_stream",
                    "unexpected_error",
                ):
                    break
    return "\n".join(seen)


def _brief(text: str) -> str:
    """What an attempt got, short: around the ingest report's counts if there is one, else its start."""
    text = text.replace("\n", " | ")
    found = re.search(r"\d+ (?:added|updated)", text)
    start = max(0, found.start() - 60) if found else 0
    return text[start : start + 240]


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _event_id(response: httpx.Response) -> str | None:
    body = _json(response) if response.status_code == 200 else None
    return body.get("event_id") if isinstance(body, dict) else None


def run_every_event(client: httpx.Client, events: list[Event], files: list[dict[str, Any]]) -> list[str]:
    """Run every event of the web chat with `files` (FileData) as each of its inputs, through every gradio route
    that runs an event (/gradio_api/call/<name>, /call/v2/<name>, /run/<name>, /queue/join with fn_index), and wait
    for each to finish. Returns what each attempt got, for failure messages."""
    info = _json(client.get("/gradio_api/info")) or {}
    endpoints = info.get("named_endpoints", {}) if isinstance(info, dict) else {}
    outcomes: list[str] = []
    for event in events:
        variants = [[list(files)] * event.inputs] + [[one] * event.inputs for one in files]
        for data in variants:
            if event.api_name:
                name = event.api_name
                called = client.post(f"/gradio_api/call/{name}", json={"data": data})
                event_id = _event_id(called)
                done = _brief(read_until_done(client, f"/gradio_api/call/{name}/{event_id}")) if event_id else ""
                outcomes.append(f"call/{name}: {called.status_code} {done}")
                ran = client.post(f"/gradio_api/run/{name}", json={"data": data})
                outcomes.append(f"run/{name}: {ran.status_code} {_brief(ran.text)}")
            if event.fn_index is not None:
                session = uuid.uuid4().hex
                body = {"data": data, "fn_index": event.fn_index, "session_hash": session, "event_data": None}
                joined = client.post("/gradio_api/queue/join", json=body)
                done = ""
                if joined.status_code == 200:
                    done = _brief(read_until_done(client, "/gradio_api/queue/data", params={"session_hash": session}))
                outcomes.append(f"queue/join fn_index={event.fn_index}: {joined.status_code} {done}")
        if event.api_name:
            name = event.api_name
            parameters = endpoints.get(f"/{name}", {}).get("parameters", [])
            keywords = {p["parameter_name"]: list(files) for p in parameters} or {"files": list(files)}
            called = client.post(f"/gradio_api/call/v2/{name}", json=keywords)
            event_id = _event_id(called)
            done = _brief(read_until_done(client, f"/gradio_api/call/v2/{name}/{event_id}")) if event_id else ""
            outcomes.append(f"call/v2/{name}: {called.status_code} {done}")
    return outcomes
