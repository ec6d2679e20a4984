"""Bad text and what errors give away: lone surrogates get a 422, and no response names the server's folders."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.security.conftest import AUTH, TOKEN, Served, open_assistant, read_until_done, served, signed_in

pytestmark = pytest.mark.slow

UNKNOWN = "no-such-article"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The bundled articles behind a token (so deletes can be tried)."""
    assistant = open_assistant(tmp_path_factory.mktemp("errors") / "index", api_token=TOKEN)
    with served(assistant) as running:
        yield running


# -- 8. lone surrogates ------------------------------------------------------------------------------------------

SURROGATE_BODIES = {
    "question": rb'{"question": "\ud800 who won?"}',
    "history": rb'{"question": "How many staff back those claims?", "history": [{"role": "user", "content": '
    rb'"What did the union say about \udc00 Southampton?"}, {"role": "assistant", "content": "They spoke."}]}',
}


@pytest.mark.parametrize("body", list(SURROGATE_BODIES.values()), ids=list(SURROGATE_BODIES))
@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream"])
def test_lone_surrogate_is_refused_with_422(server: Served, path: str, body: bytes) -> None:
    """Attack: a JSON string holding a lone UTF-16 surrogate (valid JSON escape, not text) in the question or in
    a history turn: today a 500 (or a stream that breaks), it must be a clear 422."""
    with server.client() as client:
        try:
            response = client.post(path, content=body, headers={**AUTH, "Content-Type": "application/json"})
        except httpx.RemoteProtocolError as exc:
            pytest.fail(f"the server broke off its response: {exc}")
        assert response.status_code == 422, (response.status_code, response.text[:300])
        error = response.json()["error"]
        assert error["type"] == "bad_question" and error["message"], error
        assert client.get("/api/health", headers=AUTH).status_code == 200


# -- 10. server paths in responses -------------------------------------------------------------------------------


def assert_no_server_path(server: Served, text: str) -> None:
    index_dir = server.index_dir
    for path in {index_dir, index_dir.resolve(), index_dir.parent, index_dir.parent.resolve()}:
        assert str(path) not in text, f"the response names {path}: {text[:400]}"


@pytest.mark.parametrize(
    ("method", "path", "json_body", "status"),
    [
        ("GET", f"/api/articles/{UNKNOWN}", None, 404),
        ("DELETE", f"/api/articles/{UNKNOWN}", None, 404),
        ("POST", "/api/ask", {"question": "Who?", "filters": {"article_ids": [UNKNOWN]}}, 422),
        ("POST", "/api/ask/stream", {"question": "Who?", "filters": {"article_ids": [UNKNOWN]}}, 422),
    ],
    ids=["get_unknown_article", "delete_unknown_article", "ask_filter_unknown_id", "stream_filter_unknown_id"],
)
def test_api_errors_do_not_reveal_server_paths(
    server: Served, method: str, path: str, json_body: dict[str, object] | None, status: int
) -> None:
    """Attack: ask for what is not there and read the error for the server's folders."""
    with server.client() as client:
        response = client.request(method, path, json=json_body, headers=AUTH)
    assert response.status_code == status, response.text[:300]
    error = response.json()["error"]
    assert UNKNOWN in error["message"], error  # still says what was not found
    assert_no_server_path(server, response.text)


def test_health_does_not_reveal_server_paths(server: Served) -> None:
    """Attack: read /api/health for the index's location."""
    with server.client() as client:
        response = client.get("/api/health", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["articles"] == 5 and body["chunks"] > 5
    assert_no_server_path(server, response.text)


def test_web_chat_error_does_not_reveal_server_paths(server: Served) -> None:
    """Attack: open an unknown article in the web chat ("Open an article") and read the error it shows."""
    with server.client() as client:
        signed_in(client, TOKEN)
        called = client.post("/gradio_api/call/show_article", json={"data": [UNKNOWN]})
        assert called.status_code == 200, called.text[:300]
        text = read_until_done(client, f"/gradio_api/call/show_article/{called.json()['event_id']}")
    assert "event: error" in text, text[:400]
    assert UNKNOWN in text, text[:400]  # the message still names the id
    assert_no_server_path(server, text)
