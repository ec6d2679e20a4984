"""What every request passes: CORS only for /api, the Host header (DNS rebinding), the request body limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import AUTH, CMS, TOKEN, Served, open_assistant, served

pytestmark = pytest.mark.slow

QUESTION = "How many cases did one Worcestershire social worker have?"
BIG = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The bundled articles, no token, one allowed browser origin, every other setting at its default."""
    assistant = open_assistant(tmp_path_factory.mktemp("boundaries") / "index", cors_origins=[CMS])
    with served(assistant) as running:
        yield running


def assert_bad_host(response: httpx.Response, host: str) -> None:
    assert response.status_code == 400, (host, response.status_code, response.text[:200])
    error = response.json()["error"]
    assert error["type"] == "bad_host" and error["message"], error


def assert_still_answers(server: Served) -> None:
    with server.client(timeout=5) as client:
        response = client.get("/api/health")
    assert response.status_code == 200, response.text


# -- 3. CORS -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/config"),
        ("GET", "/gradio_api/info"),
        ("GET", "/gradio_api/queue/join"),
        ("OPTIONS", "/gradio_api/queue/join"),
        ("OPTIONS", "/gradio_api/upload"),
    ],
)
def test_cors_origin_allowed_for_the_api_is_refused_for_the_web_chat(server: Served, method: str, path: str) -> None:
    """Attack: a page on an origin allowed to call /api (QA_CORS_ORIGINS) reads or drives the web chat's routes
    from its visitors' browsers."""
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    with server.client() as client:
        api = client.get("/api/health", headers={"Origin": CMS})
        assert api.headers.get("access-control-allow-origin") == CMS  # the setting still works where it belongs
        api_preflight = client.options("/api/ask", headers={"Origin": CMS, **preflight})
        assert api_preflight.headers.get("access-control-allow-origin") == CMS
        response = client.request(method, path, headers={"Origin": CMS, **(preflight if method == "OPTIONS" else {})})
    assert "access-control-allow-origin" not in response.headers, (method, path, dict(response.headers))


# -- 4. the Host header ------------------------------------------------------------------------------------------

HOSTILE_HOSTS = ["evil.example", "evil.example:{port}", "localhost.evil.example", "127.0.0.1.evil.example:{port}"]


@pytest.mark.parametrize("path", ["/api/health", "/", "/gradio_api/info"])
def test_foreign_host_header_is_refused(server: Served, path: str) -> None:
    """Attack: DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 calls the server; its
    requests carry Host: evil.example."""
    with server.client() as client:
        for template in HOSTILE_HOSTS:
            host = template.format(port=server.port)
            assert_bad_host(client.get(path, headers={"Host": host}), host)
        for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", "localhost"):
            response = client.get(path, headers={"Host": host})
            assert response.status_code == 200, (host, response.status_code, response.text[:200])


def test_allowed_hosts_setting_names_the_hosts_served(serve: Callable[..., Served]) -> None:
    """Attack: DNS rebinding against a server published under its own name (QA_ALLOWED_HOSTS); the name it is
    published under works, with or without a port."""
    server = serve(allowed_hosts=["news.example.org"])
    with server.client() as client:
        for host in ("news.example.org", "news.example.org:8443"):
            response = client.get("/api/health", headers={"Host": host})
            assert response.status_code == 200, (host, response.status_code, response.text[:200])
        for host in ("evil.example", "news.example.org.evil.example", "evil.example:8443"):
            assert_bad_host(client.get("/api/health", headers={"Host": host}), host)
            assert_bad_host(client.get("/", headers={"Host": host}), host)


# -- 5. the request body limit -----------------------------------------------------------------------------------


def padded(head: bytes, size: int = BIG) -> bytes:
    """A valid JSON object of `size` bytes: `head` (an object's opening and members), whitespace, then '}'."""
    return head + b" " * (size - len(head) - 1) + b"}"


def pieces(body: bytes) -> Iterator[bytes]:
    """The body sent chunked, with no Content-Length."""
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


@pytest.mark.parametrize("chunked", [False, True], ids=["content_length", "chunked"])
@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream"])
def test_oversized_json_body_is_refused_with_413(server: Served, path: str, chunked: bool) -> None:
    """Attack: a 10 MB JSON body (valid: a question padded with whitespace) to the question routes."""
    body = padded(b'{"question": "' + QUESTION.encode() + b'"')
    with server.client() as client:
        response = client.post(
            path, content=pieces(body) if chunked else body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 413, (response.status_code, response.text[:200])
    error = response.json()["error"]
    assert error["type"] == "request_too_large" and error["message"], error
    assert_still_answers(server)


@pytest.mark.parametrize("chunked", [False, True], ids=["content_length", "chunked"])
def test_oversized_body_to_the_web_chat_is_refused_with_413(server: Served, chunked: bool) -> None:
    """Attack: a 10 MB body to the web chat's queue (/gradio_api/queue/join)."""
    body = padded(b'{"data": [], "fn_index": 6, "session_hash": "big-body", "event_data": null')
    with server.client() as client:
        response = client.post(
            "/gradio_api/queue/join",
            content=pieces(body) if chunked else body,
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 413, (response.status_code, response.text[:200])
    assert_still_answers(server)


def test_oversized_json_body_is_refused_with_the_token_while_uploads_keep_their_own_limit(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    """Attack: a 10 MB JSON body from a client that has the token; an upload of 2.5 MB (over the request limit,
    under QA_MAX_UPLOAD_BYTES) is still accepted."""
    server = serve(api_token=TOKEN)
    body = padded(b'{"question": "' + QUESTION.encode() + b'"')
    with server.client() as client:
        response = client.post("/api/ask", content=body, headers={**AUTH, "Content-Type": "application/json"})
        assert response.status_code == 413, (response.status_code, response.text[:200])
        assert response.json()["error"]["type"] == "request_too_large"
        # A short story padded with blank lines: a big upload, a small article.
        story = (
            "Harbour board publishes its report\n\n"
            "The harbour board met on Tuesday to discuss ferry fares and pier repairs.\n" + "\n" * 2_500_000
        )
        upload = client.post("/api/articles", files=[("files", ("long_report.txt", story.encode()))], headers=AUTH)
    assert upload.status_code == 200, upload.text[:300]
    assert upload.json()["counts"]["added"] == 1, upload.json()
