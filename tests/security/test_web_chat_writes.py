"""Changing the index through the web chat (gradio): forged server paths, uploads without the token, sign-in."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError

from tests.security.conftest import (
    BUNDLED_IDS,
    TOKEN,
    WORCESTER,
    Served,
    cited_texts,
    file_data,
    gradio_upload,
    index_snapshot,
    read_until_done,
    run_every_event,
    signed_in,
    web_chat_events,
)

pytestmark = pytest.mark.slow

SECRET_SENTENCE = "The quartermaster hid seventeen zebras beneath the Pimlico bandstand every Thursday."
SECRET_QUESTION = "Where did the quartermaster hide seventeen zebras?"
STORY_SENTENCE = "The lighthouse keeper's goats grazed on the Skerryvore seawall until the spring gales."
STORY_QUESTION = "Where did the lighthouse keeper's goats graze?"
FORGED_SENTENCE = "The council admitted that every whistleblower claim was invented by the union."


def write_secret(folder: Path) -> Path:
    """A server-side file nobody uploaded: a headline, a blank line, a paragraph with a unique sentence."""
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "secret_dossier.txt"
    secret.write_text(f"Quartermaster's private dossier on the zebras\n\n{SECRET_SENTENCE}\n", encoding="utf-8")
    return secret


def write_uploads(folder: Path) -> list[Path]:
    """A new story, and a .jsonl line whose id is a bundled article's (an overwrite of it, if indexed)."""
    folder.mkdir(parents=True, exist_ok=True)
    story = folder / "goats_story.txt"
    story.write_text(f"Goats return to the lighthouse seawall\n\n{STORY_SENTENCE}\n", encoding="utf-8")
    overwrite = folder / "overwrite.jsonl"
    line = {"id": WORCESTER, "title": "Forged version", "text": f"{FORGED_SENTENCE}\n\n{FORGED_SENTENCE} Really."}
    overwrite.write_text(json.dumps(line) + "\n", encoding="utf-8")
    return [story, overwrite]


def worked(outcomes: list[str]) -> str:
    """The attempts whose event changed the index (for failure messages)."""
    changed = [o for o in outcomes if any(word in o for word in ("added", "updated"))]
    return "\n".join(o[:160] for o in changed[:12])


def assert_secret_not_indexed(server: Served, before: dict[str, tuple[str, ...]], outcomes: list[str]) -> None:
    assistant = server.assistant
    ids = [info.id for info in assistant.articles()]
    assert "secret_dossier" not in ids, "a server file nobody uploaded was indexed:\n" + worked(outcomes)
    assert index_snapshot(assistant) == before
    cited = cited_texts(assistant, SECRET_QUESTION)
    assert not [text for _, text in cited if "zebras" in text], cited


def assert_uploads_not_indexed(server: Served, before: dict[str, tuple[str, ...]], outcomes: list[str]) -> None:
    assistant = server.assistant
    after = index_snapshot(assistant)
    assert sorted(after) == BUNDLED_IDS, "articles were added through the web chat:\n" + worked(outcomes)
    assert after[WORCESTER] == before[WORCESTER], "a bundled article was overwritten by a .jsonl upload"
    assert after == before
    cited = cited_texts(assistant, STORY_QUESTION)
    assert not [text for _, text in cited if "goats" in text], cited


# -- 1. forged FileData paths ------------------------------------------------------------------------------------


def test_forged_file_path_is_never_indexed_without_a_token(serve: Callable[..., Served], tmp_path: Path) -> None:
    """Attack: name a server-side file in a FileData payload to every web chat event (no token configured)."""
    server = serve()
    secret = write_secret(tmp_path / "elsewhere")
    before = index_snapshot(server.assistant)
    with server.client() as client:
        outcomes = run_every_event(client, web_chat_events(server.app), [file_data(secret)])
    assert_secret_not_indexed(server, before, outcomes)


@pytest.mark.parametrize("sign_in", [False, True], ids=["visitor", "signed_in"])
def test_forged_file_path_is_never_indexed_with_a_token_set(
    serve: Callable[..., Served], tmp_path: Path, sign_in: bool
) -> None:
    """Attack: the same forged FileData with QA_API_TOKEN set, by a visitor and by a reporter who signed in: a
    sign-in lets you upload files, never read the server's own."""
    server = serve(api_token=TOKEN)
    secret = write_secret(tmp_path / "elsewhere")
    before = index_snapshot(server.assistant)
    with server.client() as client:
        if sign_in:
            signed_in(client, TOKEN)
            assert client.get("/config").status_code == 200, "the reporter's sign-in did not work"
        outcomes = run_every_event(client, web_chat_events(server.app), [file_data(secret)])
    assert_secret_not_indexed(server, before, outcomes)


# -- 2. the index changed through the web chat without the token --------------------------------------------------


def test_web_chat_offers_no_uploads_without_a_token(serve: Callable[..., Served]) -> None:
    """Attack surface: with no QA_API_TOKEN the web chat must not offer an upload at all (the API refuses writes
    without a token; the web chat must not be the way round that)."""
    server = serve()
    with server.client() as client:
        config = client.get("/config")
    assert config.status_code == 200, config.text
    components = config.json()["components"]
    uploads = [
        (c.get("type"), c.get("props", {}).get("elem_id"))
        for c in components
        if "file" in str(c.get("type", "")).lower() or "upload" in str(c.get("type", "")).lower()
    ]
    assert uploads == []


def test_uploaded_file_is_never_indexed_through_the_web_chat_without_a_token(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    """Attack: with no QA_API_TOKEN, upload a story and a .jsonl reusing a bundled article's id through gradio's
    own upload route, then run every web chat event with them."""
    server = serve()
    files = write_uploads(tmp_path / "mine")
    before = index_snapshot(server.assistant)
    with server.client() as client:
        uploaded = gradio_upload(client, *files) or [file_data(p) for p in files]
        outcomes = run_every_event(client, web_chat_events(server.app), uploaded)
    assert_uploads_not_indexed(server, before, outcomes)


def test_uploaded_file_is_never_indexed_by_a_visitor_who_has_not_signed_in(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    """Attack: with QA_API_TOKEN set, a visitor who has not signed in uploads files (gradio's upload route) and
    runs every web chat event with them."""
    server = serve(api_token=TOKEN)
    files = write_uploads(tmp_path / "mine")
    before = index_snapshot(server.assistant)
    with server.client() as client:
        uploaded = gradio_upload(client, *files)
        if uploaded is None:  # refused, as it should be: try with a file uploaded by a signed-in session instead
            with server.client() as reporter:
                uploaded = gradio_upload(signed_in(reporter, TOKEN), *files)
        outcomes = run_every_event(client, web_chat_events(server.app), uploaded or [file_data(p) for p in files])
    assert_uploads_not_indexed(server, before, outcomes)


def test_web_chat_requires_sign_in_when_a_token_is_set(serve: Callable[..., Served]) -> None:
    """Attack: use the web chat of a server that has QA_API_TOKEN set without signing in, or with a wrong password."""
    server = serve(api_token=TOKEN)
    with server.client() as client:
        for path in ("/config", "/gradio_api/info"):
            response = client.get(path)
            assert response.status_code == 401, (path, response.status_code, response.text[:200])
        wrong = client.post("/login", data={"username": "reporter", "password": "not-the-token"})
        assert wrong.status_code in (400, 401), wrong.status_code
        assert client.get("/config").status_code == 401
    # gradio_client: AuthenticationError without a sign-in, ValueError for a refused one.
    with pytest.raises(AuthenticationError):
        Client(server.url + "/", verbose=False)
    with pytest.raises((AuthenticationError, ValueError)):
        Client(server.url + "/", auth=("reporter", "not-the-token"), verbose=False)


def file_event(config: dict[str, Any]) -> tuple[int, list[int]]:
    """The web chat's event that takes files (the "Add to the index" button): its id and its input components."""
    file_inputs = {c["id"] for c in config["components"] if c.get("type") in ("file", "uploadbutton")}
    events = [(d["id"], d["inputs"]) for d in config["dependencies"] if file_inputs & set(d["inputs"])]
    assert len(events) == 1, f"expected one event taking files, found {events}"
    return events[0][0], [i if i in file_inputs else -1 for i in events[0][1]]


def test_signed_in_reporter_can_add_an_uploaded_article(serve: Callable[..., Served], tmp_path: Path) -> None:
    """The feature still works once protected: with QA_API_TOKEN set, a reporter signed in to the web chat (any
    user name, the token as password) uploads an article and adds it, as the page does (upload, then the event
    of the "Add to the index" button through the queue)."""
    server = serve(api_token=TOKEN)
    story = write_uploads(tmp_path / "mine")[0]
    with server.client() as client:
        signed_in(client, TOKEN)
        config = client.get("/config")
        assert config.status_code == 200, config.text[:300]
        fn_index, inputs = file_event(config.json())
        uploaded = gradio_upload(client, story)
        assert uploaded is not None, "a signed-in reporter could not upload"
        session = uuid.uuid4().hex
        data = [uploaded if component != -1 else None for component in inputs]
        joined = client.post(
            "/gradio_api/queue/join",
            json={"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None},
        )
        assert joined.status_code == 200, joined.text[:300]
        events = read_until_done(client, "/gradio_api/queue/data", params={"session_hash": session})
    assert "1 added" in events and "goats_story.txt" in events, events[-600:]
    assert "goats_story" in [info.id for info in server.assistant.articles()]
    cited = cited_texts(server.assistant, STORY_QUESTION)
    assert ("goats_story", STORY_SENTENCE) in cited, cited
    # A session of its own that has not signed in still cannot see the web chat.
    assert httpx.get(server.url + "/config", timeout=30).status_code == 401
