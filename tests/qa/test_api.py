"""The HTTP API through FastAPI's TestClient: the answer contract, streaming, errors, auth, CORS, uploads."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from index.embed import HashingEmbedder
from qa.api import INTERNAL_MESSAGE
from qa.assistant import Assistant
from qa.errors import NoIndexError
from qa.serve import create_app
from qa.settings import Settings
from tests.servers import chroma_server

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "data" / "hostile_ferry.txt"
QUESTION = "How many cases did one Worcestershire social worker have?"
WORCESTER = "000_60f27155d5b16904"
TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def client_for(assistant: Assistant, **server: Any) -> TestClient:
    """A client of the served app; `server`: the server settings (api_token, cors_origins, ...)."""
    app = create_app(assistant, Settings(index_dir=Path(assistant.store.where), server=server))
    # raise_server_exceptions=False: the client sees what a tool would, the 500 JSON, not the exception.
    return TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1")


@pytest.fixture(scope="module")
def reads(fake_bundled: Assistant) -> Iterator[TestClient]:
    """The bundled articles, no token: reads are open."""
    with client_for(fake_bundled) as client:
        yield client


@pytest.fixture
def writable(fake: Assistant, articles_dir: Path) -> Iterator[TestClient]:
    """A fresh index of the bundled articles, behind a token (writes need one)."""
    fake.ingest([articles_dir])
    with client_for(fake, api_token=TOKEN) as client:
        yield client


def sse(body: str) -> list[tuple[str, Any]]:
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


# -- asking --------------------------------------------------------------------------------------------------


def test_ask_returns_exactly_the_answer_contract(reads: TestClient, fake_bundled: Assistant) -> None:
    response = reads.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert body == fake_bundled.ask(QUESTION).to_dict()
    assert not body["abstained"] and "[1]" in body["answer"]
    first = body["citations"][0]
    assert first["n"] == 1 and first["quote"] in first["text"] and first["article_id"] == WORCESTER


def test_history_filters_and_k_reach_the_assistant(reads: TestClient, fake_bundled: Assistant) -> None:
    history = [
        {"role": "user", "content": "What did the union say about Southampton?"},
        {"role": "assistant", "content": fake_bundled.ask("What did the union say about Southampton?").answer},
    ]
    request = {
        "question": "How many staff back those claims?",
        "history": history,
        "filters": {"outlets": ["The Advertiser"]},
        "k": 2,
    }
    body = reads.post("/api/ask", json=request).json()
    expected = fake_bundled.ask(
        "How many staff back those claims?", history=history, filters={"outlets": ["The Advertiser"]}, k=2
    )
    assert body == expected.to_dict()
    assert len(body["hits"]) <= 2
    assert {c["outlet"] for c in body["citations"]} <= {"The Advertiser"}


def test_an_abstention_is_an_answer_not_an_error(reads: TestClient) -> None:
    response = reads.post("/api/ask", json={"question": "What is the capital of Peru?"})
    assert response.status_code == 200
    assert response.json()["abstained"] is True
    assert response.json()["answer"].startswith("The articles don't say")


def test_stream_sends_the_text_then_one_full_answer(reads: TestClient, fake_bundled: Assistant) -> None:
    with reads.stream("POST", "/api/ask/stream", json={"question": QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse(response.read().decode())
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta"} and len(kinds) > 2
    final = events[-1][1]
    assert final == fake_bundled.ask(QUESTION).to_dict()
    assert "".join(data["text"] for kind, data in events[:-1]) == final["answer"]


@pytest.mark.parametrize(
    ("request_body", "kind"),
    [
        ({"question": ""}, "bad_question"),
        ({"question": "?!"}, "bad_question"),
        ({"question": "x" * 5000}, "bad_question"),
        ({}, "bad_question"),
        ({"question": 42}, "bad_question"),
        ({"question": "Who?", "k": 0}, "bad_question"),
        ({"question": "Who?", "history": [{"role": "system", "content": "x"}]}, "bad_question"),
        ({"question": "Who?", "filters": {"colour": ["red"]}}, "bad_filter"),
        ({"question": "Who?", "colour": "red"}, "invalid_request"),
        ({"question": "Who?", "filters": {"date_from": "March 2022"}}, "bad_filter"),
        ({"question": "Who?", "filters": {"date_from": "2023-01-01", "date_to": "2022-01-01"}}, "bad_filter"),
        ({"question": "Who?", "filters": {"article_ids": ["no-such-article"]}}, "bad_filter"),
    ],
)
def test_bad_questions_and_filters_are_422_with_a_message(
    reads: TestClient, request_body: dict[str, Any], kind: str
) -> None:
    for path in ("/api/ask", "/api/ask/stream"):
        response = reads.post(path, json=request_body)
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        assert error["type"] == kind and error["message"]


def test_malformed_json_is_400(reads: TestClient) -> None:
    response = reads.post("/api/ask", content=b'{"question": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "bad_request"


# -- articles and health -------------------------------------------------------------------------------------


def test_article_list_and_one_article_with_numbered_paragraphs(reads: TestClient, fake_bundled: Assistant) -> None:
    listed = reads.get("/api/articles").json()["articles"]
    assert [a["id"] for a in listed] == [a.id for a in fake_bundled.articles()]
    assert set(listed[0]) == {"id", "title", "outlet", "date", "paragraphs"}
    one = reads.get(f"/api/articles/{WORCESTER}").json()
    article = fake_bundled.article(WORCESTER)
    assert one["title"] == article.title and one["outlet"] == article.outlet
    assert [p["n"] for p in one["paragraphs"]] == list(range(1, len(article.paragraphs) + 1))
    assert one["paragraphs"][8]["text"].endswith("meant to be 18.")
    assert next(a for a in listed if a["id"] == WORCESTER)["paragraphs"] == len(one["paragraphs"])


def test_unknown_article_is_404(reads: TestClient) -> None:
    response = reads.get("/api/articles/no-such-article")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "unknown_article"
    assert "no-such-article" in response.json()["error"]["message"]


def test_health_reports_index_size_model_and_engine(reads: TestClient) -> None:
    body = reads.get("/api/health").json()
    assert body["status"] == "ok" and body["articles"] == 5 and body["chunks"] > 5
    assert body["embedding_model"] == HashingEmbedder().name and body["answer_engine"] == "extractive"


def test_unknown_api_route_is_a_json_404(reads: TestClient) -> None:
    response = reads.get("/api/nothing/here")
    assert response.status_code == 404 and response.json()["error"]["type"] == "not_found"


def test_an_unexpected_failure_is_a_500_without_details(
    reads: TestClient, fake_bundled: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal secret /etc/passwd")

    monkeypatch.setattr(fake_bundled, "ask", broken)
    response = reads.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 500
    assert response.json() == {"error": {"type": "internal_error", "message": INTERNAL_MESSAGE}}
    assert "secret" not in response.text and "Traceback" not in response.text


def test_no_index_is_503_with_its_message(
    reads: TestClient, fake_bundled: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise NoIndexError("No index at /somewhere; run: qa ingest PATH")

    monkeypatch.setattr(fake_bundled, "articles", missing)
    response = reads.get("/api/articles")
    assert response.status_code == 503
    assert response.json()["error"] == {"type": "no_index", "message": "No index at /somewhere; run: qa ingest PATH"}


@pytest.mark.slow
def test_an_unreachable_vector_store_is_503(tmp_path: Path, articles_dir: Path) -> None:
    with chroma_server(tmp_path / "chroma") as url:
        settings = Settings(index_dir=tmp_path / "cache", chroma_url=url)
        assistant = Assistant.open(settings=settings, embedder=HashingEmbedder(), create=True)
        assistant.ingest([articles_dir])
        client = TestClient(create_app(assistant, settings), raise_server_exceptions=False, base_url="http://127.0.0.1")
        assert client.get("/api/health").status_code == 200
    # The server is stopped now.
    asked = client.post("/api/ask", json={"question": QUESTION})
    for response in (client.get("/api/health"), client.get("/api/articles"), asked):
        assert response.status_code == 503, response.text
        assert response.json()["error"]["type"] == "store_unavailable"
        assert url not in response.json()["error"]["message"]  # server addresses stay in the server's log


# -- auth, CORS, docs ----------------------------------------------------------------------------------------


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes: list[tuple[str, str]] = []
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith("/api/") and "{rest:path}" not in path:
            routes.extend((method, path) for method in sorted(getattr(route, "methods", set())))
    return routes


def test_with_a_token_every_api_route_needs_it(writable: TestClient) -> None:
    routes = api_routes(writable.app)  # type: ignore[arg-type]
    assert len(routes) == 17
    for method, path in routes:
        url = path.replace("{article_id}", WORCESTER).replace("{watch_id}", "x").replace("{job_id}", "x")
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            response = writable.request(method, url, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.json()["error"]["type"] == "unauthorized"
            assert response.headers["www-authenticate"] == "Bearer"
    assert writable.get("/api/articles", headers=AUTH).status_code == 200
    assert writable.post("/api/ask", json={"question": QUESTION}, headers=AUTH).status_code == 200
    # The web chat and the docs are not part of the token-protected API.
    assert writable.get("/docs").status_code == 200


def test_without_a_token_reads_are_open_but_writes_are_refused(reads: TestClient) -> None:
    assert reads.get("/api/articles").status_code == 200
    refused = [
        reads.post("/api/articles", files=[("files", ("a.txt", b"Title here\n\nA paragraph of text.\n"))]),
        reads.delete(f"/api/articles/{WORCESTER}"),
    ]
    for response in refused:
        assert response.status_code == 403
        assert "QA_SERVER_API_TOKEN" in response.json()["error"]["message"]
    assert len(reads.get("/api/articles").json()["articles"]) == 5


def test_cors_allows_only_the_configured_origins(fake_bundled: Assistant) -> None:
    with client_for(fake_bundled, cors_origins=["https://cms.example"]) as client:
        allowed = client.get("/api/articles", headers={"Origin": "https://cms.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://cms.example"
        other = client.get("/api/articles", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = client.options(
            "/api/ask",
            headers={
                "Origin": "https://cms.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://cms.example"


def test_settings_default_to_loopback_and_parse_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().server.host == "127.0.0.1" and Settings().server.port == 7860
    monkeypatch.setenv("QA_SERVER_CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().server.cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("QA_SERVER_CORS_ORIGINS", '["https://c.example"]')
    assert Settings().server.cors_origins == ["https://c.example"]
    monkeypatch.setenv("QA_SERVER_API_TOKEN", "  ")
    assert Settings().server.api_token is None


def test_docs_are_served_without_any_outside_host(reads: TestClient) -> None:
    page = reads.get("/docs")
    assert page.status_code == 200
    assert "https://" not in page.text and "http://" not in page.text
    assert reads.get("/api-docs-static/swagger-ui-bundle.js").status_code == 200
    spec = reads.get("/openapi.json").json()
    assert {"/api/ask", "/api/ask/stream", "/api/articles", "/api/articles/{article_id}", "/api/health"} <= set(
        spec["paths"]
    )


# -- uploads -------------------------------------------------------------------------------------------------


def test_upload_ask_delete_round_trip(writable: TestClient) -> None:
    files = [
        ("files", ("hostile_ferry.txt", HOSTILE.read_bytes())),
        ("files", ("../../etc/sneaky.txt", b"Sneaky path\n\nThis article tried to climb out of its folder.\n")),
        ("files", ("blob.txt", b"\x00\x01\x02 binary \x00")),
        ("files", ("notes.pdf", b"%PDF-1.4")),
    ]
    response = writable.post("/api/articles", files=files, headers=AUTH)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["counts"] == {"added": 2, "updated": 0, "skipped": 0, "rejected": 2, "removed": 0}
    by_source = {item["source"]: item for item in report["items"]}
    assert set(by_source) == {"hostile_ferry.txt", "sneaky.txt", "blob.txt", "notes.pdf"}
    assert by_source["hostile_ferry.txt"]["article_id"] == "hostile_ferry"
    assert by_source["sneaky.txt"]["status"] == "added"
    for item in report["items"]:
        assert "qa-upload-" not in json.dumps(item)  # the temporary folder never shows
    assert by_source["blob.txt"]["status"] == "rejected" and by_source["blob.txt"]["detail"]

    ids = [a["id"] for a in writable.get("/api/articles", headers=AUTH).json()["articles"]]
    assert "hostile_ferry" in ids and "sneaky" in ids
    answer = writable.post("/api/ask", json={"question": "How much will the ferry fare rise to?"}, headers=AUTH).json()
    assert answer["citations"][0]["article_id"] == "hostile_ferry" and "£4" in answer["citations"][0]["quote"]

    # Uploading the same file again is a no-op, as for qa ingest.
    again = writable.post("/api/articles", files=files[:1], headers=AUTH).json()
    assert again["counts"]["skipped"] == 1

    deleted = writable.delete("/api/articles/hostile_ferry", headers=AUTH)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True and deleted.json()["chunks_removed"] > 0
    assert writable.get("/api/articles/hostile_ferry", headers=AUTH).status_code == 404
    assert writable.delete("/api/articles/hostile_ferry", headers=AUTH).status_code == 404
    answer = writable.post("/api/ask", json={"question": "How much will the ferry fare rise to?"}, headers=AUTH).json()
    assert all(c["article_id"] != "hostile_ferry" for c in answer["citations"])


def test_an_upload_with_its_sidecar_gets_its_metadata(writable: TestClient) -> None:
    files = [
        ("files", ("council.txt", b"Council votes on budget\n\nThe council voted for the budget on Tuesday.\n")),
        ("files", ("council.meta.json", json.dumps({"outlet": "Wigan Today", "date": "2022-05-03"}).encode())),
    ]
    report = writable.post("/api/articles", files=files, headers=AUTH).json()
    assert report["counts"]["added"] == 1 and report["counts"]["rejected"] == 0
    article = writable.get("/api/articles/council", headers=AUTH).json()
    assert article["outlet"] == "Wigan Today" and article["date"] == "2022-05-03"


def test_an_oversized_upload_is_413_and_changes_nothing(make_fake: Callable[..., Assistant], tmp_path: Path) -> None:
    assistant = make_fake(tmp_path / "index")
    with client_for(assistant, api_token=TOKEN, max_upload_bytes=2000) as client:
        big = [("files", ("big.txt", b"Big story\n\n" + b"word " * 1000))]
        response = client.post("/api/articles", files=big, headers=AUTH)
        assert response.status_code == 413
        error = response.json()["error"]
        assert error["type"] == "upload_too_large" and "2,000" in error["message"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts the bytes as they come
            yield b'--XX\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
            for _ in range(10):
                yield b"word " * 100
            yield b"\r\n--XX--\r\n"

        streamed = client.post(
            "/api/articles", content=chunks(), headers={**AUTH, "Content-Type": "multipart/form-data; boundary=XX"}
        )
        assert streamed.status_code == 413 and streamed.json()["error"]["type"] == "upload_too_large"
        assert client.get("/api/articles", headers=AUTH).json()["articles"] == []
        story = b"Small story\n\nThe council voted for the budget on Tuesday, and the file fits.\n"
        small = client.post("/api/articles", files=[("files", ("s.txt", story))], headers=AUTH)
        assert small.status_code == 200 and small.json()["counts"]["added"] == 1


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuántos casos tenía un trabajador social en Worcestershire?",
        "Сколько дел было у социального работника?",
        "How many\x00 cases\x1b did one social\x07 worker\u200b have?",
        "x" * 10_000,
    ],
)
def test_edge_case_questions_get_an_answer_or_a_clear_refusal(reads: TestClient, question: str) -> None:
    response = reads.post("/api/ask", json={"question": question})
    if len(question) > 2000:
        assert response.status_code == 422 and "limit" in response.json()["error"]["message"]
        return
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["abstained"] or body["citations"]
    assert "\x00" not in body["question"] and "\x1b" not in body["question"]


def test_quotes_and_entities_are_listed_and_filtered(reads: TestClient) -> None:
    union = reads.get("/api/quotes", params={"side": "union"})
    assert union.status_code == 200
    rows = union.json()["quotes"]
    assert rows and {r["side"] for r in rows} == {"union"}
    assert all(r["text"] for r in rows)
    speaker = rows[-1]["speaker"]
    by_speaker = reads.get("/api/quotes", params={"speaker": speaker}).json()["quotes"]
    assert by_speaker and all(speaker in r["speaker"] for r in by_speaker)
    one = reads.get("/api/quotes", params={"article": WORCESTER}).json()["quotes"]
    assert one and {r["article_id"] for r in one} == {WORCESTER}
    assert reads.get("/api/quotes", params={"side": "neutral"}).status_code == 422
    assert reads.get("/api/quotes", params={"article": "nope"}).json()["error"]["type"] == "unknown_article"

    people = reads.get("/api/entities", params={"type": "person"}).json()["entities"]
    assert people and all(e["type"] == "person" and e["mentions"] >= len(e["articles"]) >= 1 for e in people)
    assert reads.get("/api/entities", params={"type": "animal"}).status_code == 422
    name = people[0]["name"]
    answer = reads.post("/api/ask", json={"question": "What did they say?", "filters": {"people": [name]}}).json()
    assert {h["article_id"] for h in answer["hits"]} <= set(people[0]["articles"])
    refused = reads.post("/api/ask", json={"question": "What did they say?", "filters": {"places": ["Atlantis"]}})
    assert refused.status_code == 422 and refused.json()["error"]["type"] == "bad_filter"


def test_openapi_documents_the_newsroom_routes_and_filters(reads: TestClient) -> None:
    spec = reads.get("/openapi.json").json()
    assert {"/api/quotes", "/api/entities"} <= set(spec["paths"])
    filters = spec["components"]["schemas"]["FiltersRequest"]["properties"]
    assert {"people", "organisations", "places"} <= set(filters)
    quote = spec["components"]["schemas"]["QuoteRow"]["properties"]
    assert {"speaker", "role", "organisation", "side", "text", "paragraph"} <= set(quote)
    citation = spec["components"]["schemas"]["Citation"]["properties"]
    assert {"speaker", "role", "organisation", "side", "corroborated_by"} <= set(citation)


def test_search_returns_distinct_articles_paged_and_filtered(reads: TestClient) -> None:
    found = reads.get("/api/search", params={"q": "children services council", "k": 2})
    assert found.status_code == 200
    body = found.json()
    assert body["page"] == 1 and body["k"] == 2 and body["more"] is True
    ids = [r["article_id"] for r in body["results"]]
    assert len(ids) == len(set(ids)) == 2
    paragraph = body["results"][0]["paragraphs"][0]
    start, end = paragraph["highlights"][0]
    assert paragraph["text"][start:end].lower().startswith(("child", "servic", "council"))
    rest = reads.get("/api/search", params={"q": "children services council", "k": 2, "page": 3}).json()
    assert len(rest["results"]) == 1 and not rest["more"]  # five articles: 2 + 2 + 1
    assert not set(ids) & {r["article_id"] for r in rest["results"]}
    one = reads.get("/api/search", params={"q": "council", "outlet": "The Advertiser"}).json()
    assert {r["outlet"] for r in one["results"]} == {"The Advertiser"}
    assert reads.get("/api/search", params={"q": "council", "since": "2022-13-01"}).status_code == 422
    assert reads.get("/api/search", params={"q": "council", "k": 0}).status_code == 422


def test_a_batch_runs_in_the_background_and_reports_every_row(reads: TestClient) -> None:
    questions = [QUESTION, "", "What is the capital of Mongolia?", "x" * 3000]
    submitted = reads.post("/api/batch", json={"questions": questions})
    assert submitted.status_code == 202
    job = submitted.json()
    assert job["total"] == 4 and job["status"] in ("queued", "running", "done")
    for _ in range(600):
        job = reads.get(f"/api/batch/{job['id']}").json()
        if job["status"] == "done":
            break
        time.sleep(0.1)
    assert job["status"] == "done" and job["done"] == 4
    rows = job["results"]
    assert [r["row"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["citations"] and not rows[0]["error"]
    assert "empty" in rows[1]["error"] and "2,000" in rows[3]["error"]
    assert rows[2]["abstained"] or rows[2]["error"] is None
    as_csv = reads.get(f"/api/batch/{job['id']}", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(as_csv.text)))
    assert table[0][:3] == ["row", "question", "answer"] and len(table) == 5
    assert reads.get("/api/batch/nope").json()["error"]["type"] == "unknown_job"
    bad = reads.post("/api/batch", json={"questions": [QUESTION], "filters": {"article_ids": ["nope"]}})
    assert bad.status_code == 422 and bad.json()["error"]["type"] == "bad_filter"
    assert reads.post("/api/batch", json={"questions": []}).status_code == 422


def test_watches_need_the_token_to_change_and_record_news(writable: TestClient) -> None:
    assert writable.post("/api/watches", json={"question": QUESTION}).status_code == 401
    added = writable.post("/api/watches", json={"question": QUESTION}, headers=AUTH)
    assert added.status_code == 201
    watch = added.json()
    assert watch["question"] == QUESTION and watch["changes"] == [] and watch["unread"] == 0
    again = writable.post("/api/watches", json={"question": f"  {QUESTION} "}, headers=AUTH).json()
    assert again["id"] == watch["id"]  # the same question is the same watch
    # Removing the article that answers it is news.
    assert writable.delete(f"/api/articles/{WORCESTER}", headers=AUTH).status_code == 200
    listed = writable.get("/api/watches", headers=AUTH).json()["watches"]
    assert [w["id"] for w in listed] == [watch["id"]] and listed[0]["unread"] == 1
    history = writable.get(f"/api/watches/{watch['id']}", headers=AUTH).json()
    assert history["changes"] and history["changes"][-1]["what"]
    read = writable.post(f"/api/watches/{watch['id']}/read", headers=AUTH).json()
    assert read["unread"] == 0
    assert writable.delete(f"/api/watches/{watch['id']}", headers=AUTH).json()["deleted"] is True
    assert writable.get(f"/api/watches/{watch['id']}", headers=AUTH).json()["error"]["type"] == "unknown_watch"


def test_without_a_token_watches_can_be_read_not_changed(reads: TestClient) -> None:
    assert reads.get("/api/watches").status_code == 200
    assert reads.post("/api/watches", json={"question": QUESTION}).status_code == 403
    assert reads.delete("/api/watches/abc").status_code == 403
