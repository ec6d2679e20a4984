"""The HTTP API under /api (FastAPI) over the Assistant: routes, the bearer token, and errors as JSON."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from itertools import chain
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa.assistant import Assistant
from qa.batch import rows_csv
from qa.errors import (
    AnnotatorError,
    BadFilterError,
    BadQuestionError,
    BadQuestionSetError,
    ConfigError,
    CorruptIndexError,
    EmbeddingModelError,
    LLMError,
    ModelMismatchError,
    NoIndexError,
    QAError,
    RejectedInput,
    StoreUnavailableError,
    UnknownArticleError,
    UnknownJobError,
    UnknownWatchError,
)
from qa.records import Answer, Entity, EntityType, QuoteRow, SearchPage, Side
from qa.request import AskRequest, BatchRequest, WatchRequest, describe, error_kind
from qa.settings import Settings

log = logging.getLogger(__name__)


class QuoteList(BaseModel):
    quotes: list[QuoteRow]


class EntityList(BaseModel):
    entities: list[Entity]


# Every error class the project raises, with its HTTP status and the `type` clients see (tested to be complete).
ERROR_STATUS: dict[type[QAError], tuple[int, str]] = {
    BadQuestionError: (422, "bad_question"),
    BadFilterError: (422, "bad_filter"),
    BadQuestionSetError: (422, "bad_question_set"),
    RejectedInput: (422, "rejected_input"),
    UnknownArticleError: (404, "unknown_article"),
    UnknownJobError: (404, "unknown_job"),
    UnknownWatchError: (404, "unknown_watch"),
    StoreUnavailableError: (503, "store_unavailable"),
    NoIndexError: (503, "no_index"),
    ModelMismatchError: (503, "model_mismatch"),
    CorruptIndexError: (503, "corrupt_index"),
    EmbeddingModelError: (503, "embedding_model"),
    AnnotatorError: (503, "annotator"),
    LLMError: (503, "llm_unavailable"),
    ConfigError: (500, "config_error"),
}
HTTP_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
}
INTERNAL_MESSAGE = "Something went wrong on the server; the details are in its log."


def error_body(kind: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"type": kind, "message": message}}


def qa_error(exc: QAError) -> tuple[int, dict[str, dict[str, str]]]:
    """(status, body) for one of the project's errors; its message is written for the reader, so it is sent."""
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            status, kind = ERROR_STATUS[cls]
            return status, error_body(kind, str(exc))
    return 500, error_body("internal_error", INTERNAL_MESSAGE)


class ErrorDetail(BaseModel):
    type: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 413, 422, 500, 503)
}

# Module level: FastAPI resolves the (postponed) annotations of route functions in this module's globals.
_bearer = HTTPBearer(auto_error=False, description="The server's QA_SERVER_API_TOKEN, when it sets one.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def token_matches(given: str | None, token: str) -> bool:
    """In constant time, so the comparison says nothing about how much of a guess was right."""
    return given is not None and secrets.compare_digest(given.encode(), token.encode())


def create_api(assistant: Assistant, settings: Settings) -> FastAPI:
    """The API under /api and its OpenAPI page at /docs."""
    # FastAPIOffline serves the /docs page's scripts from the package, not from a CDN: nothing calls out.
    api = FastAPIOffline(
        title="newsroom-qa",
        description="Answers about news articles, quoting the sentences they rest on and citing article and "
        'paragraph, or abstaining ("The articles don\'t say.").',
        version="1",
        redoc_url=None,
        static_url="/api-docs-static",
    )
    _install_error_handlers(api, settings)
    token = settings.server.api_token

    def check_token(credentials: HTTPAuthorizationCredentials | None) -> None:
        assert token is not None
        if credentials is None:
            raise StarletteHTTPException(
                401, "This API needs 'Authorization: Bearer <token>' (the server's QA_SERVER_API_TOKEN)"
            )
        if not token_matches(credentials.credentials, token):
            raise StarletteHTTPException(401, "The bearer token is not the server's QA_SERVER_API_TOKEN")

    def reader(credentials: Credentials) -> None:
        if token is not None:
            check_token(credentials)

    def writer(credentials: Credentials) -> None:
        # Reads may be open on a trusted machine, but changing the index over HTTP always takes a token.
        if token is None:
            raise StarletteHTTPException(
                403,
                "Adding or removing articles over HTTP is off: start the server with QA_SERVER_API_TOKEN set "
                "and send 'Authorization: Bearer <token>'",
            )
        check_token(credentials)

    read = [Depends(reader)]
    write = [Depends(writer)]

    @api.post("/api/ask", dependencies=read, response_model=Answer, responses=ERRORS, tags=["ask"])
    def ask(body: AskRequest) -> JSONResponse:
        """Answer a question: quoted sentences with numbered citations, or an abstention."""
        return JSONResponse(assistant.ask(body).to_dict())

    @api.post(
        "/api/ask/stream",
        dependencies=read,
        responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}, **ERRORS},
        tags=["ask"],
    )
    def ask_stream(body: AskRequest) -> StreamingResponse:
        """Server-sent events: `delta` events ({"text"}) as the answer is written, then one `answer` event
        with the full answer (the /api/ask contract). A failure after the stream started is an `error` event."""
        pieces = assistant.ask_stream(body)
        # Errors about the question or filters come before the first piece: draw it here, so they get their
        # status code instead of a 200 stream that fails.
        first = next(pieces)
        return StreamingResponse(
            _events(chain([first], pieces)), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @api.get("/api/articles", dependencies=read, responses=ERRORS, tags=["articles"])
    def list_articles() -> dict[str, list[dict[str, object]]]:
        """The indexed articles: id, title, outlet, date and paragraph count."""
        return {"articles": [info.to_dict() for info in assistant.articles()]}

    @api.get("/api/articles/{article_id}", dependencies=read, responses=ERRORS, tags=["articles"])
    def get_article(article_id: str) -> dict[str, object]:
        """One article's metadata and its numbered paragraphs (the numbers citations use)."""
        article = assistant.article(article_id)
        return {
            "id": article.id,
            "title": article.title,
            "outlet": article.outlet,
            "author": article.author,
            "date": article.date,
            "url": article.url,
            "paragraphs": [{"n": p.number, "text": p.text} for p in article.iter_paragraphs()],
        }

    @api.post("/api/articles", dependencies=write, responses=ERRORS, tags=["articles"])
    def add_articles(
        files: Annotated[list[UploadFile], File(description=".txt .md .html .jsonl files (and NAME.meta.json)")],
    ) -> dict[str, object]:
        """Ingest uploaded files; the report says per file (per line for .jsonl) whether the article was
        added, updated, skipped or rejected and why. The article id is the file name without its extension."""
        report = assistant.ingest_uploads((f.filename or "", f.file) for f in files)
        return report.to_dict()

    @api.delete("/api/articles/{article_id}", dependencies=write, responses=ERRORS, tags=["articles"])
    def delete_article(article_id: str) -> dict[str, object]:
        """Remove an article and everything indexed from it."""
        removed = assistant.delete_article(article_id)
        return {"id": article_id, "deleted": True, "chunks_removed": removed}

    @api.get("/api/search", dependencies=read, response_model=SearchPage, responses=ERRORS, tags=["search"])
    def search(
        q: Annotated[str, Query(description="Words to look for, or a question.")],
        k: Annotated[int, Query(ge=1, le=100, description="Articles per page.")] = 20,
        page: Annotated[int, Query(ge=1, le=100)] = 1,
        article: Annotated[list[str] | None, Query(description="Only these articles (repeatable).")] = None,
        outlet: Annotated[list[str] | None, Query(description="Only these outlets (repeatable).")] = None,
        since: Annotated[str | None, Query(description="Only articles dated on or after (yyyy-mm-dd).")] = None,
        until: Annotated[str | None, Query(description="Only articles dated on or before (yyyy-mm-dd).")] = None,
        person: Annotated[list[str] | None, Query(description="Only articles mentioning this person.")] = None,
        organisation: Annotated[list[str] | None, Query(description="… this organisation.")] = None,
        place: Annotated[list[str] | None, Query(description="… this place.")] = None,
    ) -> JSONResponse:
        """Distinct articles for the query, ranked by their best passage, each with title, outlet, date and the
        paragraphs that matched (numbered, with the query's words located); paged."""
        filters = {
            "article_ids": article, "outlets": outlet, "date_from": since, "date_to": until, "people": person,
            "organisations": organisation, "places": place,
        }  # fmt: skip
        found = assistant.search(q, k=k, page=page, filters={key: v for key, v in filters.items() if v})
        return JSONResponse(found.to_dict())

    @api.post("/api/watches", dependencies=write, status_code=201, responses=ERRORS, tags=["watches"])
    def add_watch(body: WatchRequest) -> dict[str, Any]:
        """Watch a question: it is answered now and again after every change to the index; when the answer
        changes (an answer where there was none, a different figure, new citations, a new report of the same
        fact) the watch records what changed and when. The same question and filters is the same watch."""
        filters = body.filters.model_dump(exclude_defaults=True) if body.filters else None
        return assistant.watch(body.question, filters=filters).to_dict()

    @api.get("/api/watches", dependencies=read, responses=ERRORS, tags=["watches"])
    def list_watches() -> dict[str, Any]:
        """Every watch with its current answer, its last change and `unread` (changes not yet read)."""
        return {"watches": [w.to_dict(with_history=False) for w in assistant.watches()]}

    @api.get("/api/watches/{watch_id}", dependencies=read, responses=ERRORS, tags=["watches"])
    def get_watch(watch_id: str) -> dict[str, Any]:
        """One watch and the history of its changes (newest last), each with the answer and citations."""
        return assistant.get_watch(watch_id).to_dict()

    @api.post("/api/watches/{watch_id}/read", dependencies=write, responses=ERRORS, tags=["watches"])
    def read_watch(watch_id: str) -> dict[str, Any]:
        """Mark a watch's news read (`unread` back to 0)."""
        return assistant.read_watch(watch_id).to_dict(with_history=False)

    @api.delete("/api/watches/{watch_id}", dependencies=write, responses=ERRORS, tags=["watches"])
    def delete_watch(watch_id: str) -> dict[str, Any]:
        """Stop watching a question."""
        assistant.unwatch(watch_id)
        return {"id": watch_id, "deleted": True}

    @api.post("/api/batch", dependencies=read, status_code=202, responses=ERRORS, tags=["batch"])
    def submit_batch(body: BatchRequest) -> dict[str, Any]:
        """Answer a list of questions in the background: returns the job's id; GET /api/batch/{id} gives its
        progress and rows (one per question: answer, short answer, abstained, confidence, citations, or the
        row's error)."""
        job = assistant.submit_batch(body.questions, body.filters.model_dump() if body.filters else None)
        return job.view(with_rows=False)

    @api.get(
        "/api/batch/{job_id}",
        dependencies=read,
        responses={200: {"content": {"text/csv": {}}, "description": "The job, or its rows as CSV"}, **ERRORS},
        tags=["batch"],
    )
    def batch_job(
        job_id: str,
        format: Annotated[Literal["json", "csv"], Query(description="csv: the rows as a spreadsheet.")] = "json",
    ) -> Response:
        """A batch job's status (queued, running, done, failed), progress and the rows answered so far."""
        job = assistant.batch_job(job_id)
        if format == "csv":
            return Response(
                rows_csv(list(job.rows)),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="answers-{job.id[:8]}.csv"'},
            )
        return JSONResponse(job.view())

    @api.get("/api/quotes", dependencies=read, response_model=QuoteList, responses=ERRORS, tags=["newsroom"])
    def list_quotes(
        speaker: Annotated[str | None, Query(description="Words of the speaker's name, role or organisation.")] = None,
        article: Annotated[str | None, Query(description="Only this article's quotes.")] = None,
        side: Annotated[Side | None, Query(description="Only quotes by speakers of this side.")] = None,
    ) -> dict[str, object]:
        """Who said what: every quote (direct or reported speech) with its speaker, role, organisation and side."""
        rows = assistant.quotes(speaker=speaker, article_id=article, side=side)
        return {"quotes": [r.to_dict() for r in rows]}

    @api.get("/api/entities", dependencies=read, response_model=EntityList, responses=ERRORS, tags=["newsroom"])
    def list_entities(
        type: Annotated[EntityType | None, Query(description="person, organisation or place.")] = None,
        q: Annotated[str | None, Query(description="Only names containing this.", max_length=300)] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    ) -> dict[str, object]:
        """The people, organisations and places the articles mention (merged by name within and across
        articles), with their mentions and articles: the names the `people`, `organisations` and `places`
        filters of /api/ask take."""
        return {"entities": [e.to_dict() for e in assistant.entities(type=type, query=q, limit=limit)]}

    @api.get("/api/health", dependencies=read, responses=ERRORS, tags=["health"])
    def health() -> dict[str, object]:
        """Index size, embedding model and answer engine; 503 when the vector store is unreachable."""
        return {"status": "ok", **assistant.health()}

    @api.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def unknown_route(request: Request) -> JSONResponse:
        # Without this, unknown /api paths would fall through to the web chat mounted at /.
        return JSONResponse(
            error_body("not_found", f"No API route {request.method} {request.url.path}; see /docs"), status_code=404
        )

    return api


def _events(items: Iterator[str | Answer]) -> Iterator[str]:
    try:
        for item in items:
            if isinstance(item, Answer):
                yield _sse("answer", item.to_dict())
            else:
                yield _sse("delta", {"text": item})
    except QAError as exc:
        yield _sse("error", qa_error(exc)[1])
    except Exception:
        log.exception("answer stream failed")
        yield _sse("error", error_body("internal_error", INTERNAL_MESSAGE))


def _sse(event: str, data: object) -> str:
    # json.dumps never writes a newline, so the data is one SSE line.
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def too_large(limit: int, setting: str) -> str:
    return f"The request is over the limit of {limit:,} bytes ({setting}); send less"


def _install_error_handlers(api: FastAPI, settings: Settings) -> None:
    """Every error is JSON {"error": {"type", "message"}} with its status; never a stack trace."""

    @api.exception_handler(QAError)
    async def on_qa_error(request: Request, exc: QAError) -> JSONResponse:
        status, body = qa_error(exc)
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse(body, status_code=status)

    @api.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(error_body("bad_request", "The request body is not valid JSON"), status_code=400)
        location = tuple(errors[0].get("loc", ()))[1:] if errors else ()
        kind = error_kind(location) if errors and errors[0].get("loc", ("",))[0] == "body" else "invalid_request"
        return JSONResponse(error_body(kind, describe(errors)), status_code=422)

    @api.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 413:
            message = too_large(settings.server.max_upload_bytes, "QA_SERVER_MAX_UPLOAD_BYTES")
        return JSONResponse(
            error_body(HTTP_TYPES.get(exc.status_code, "http_error"), message),
            status_code=exc.status_code,
            headers={"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None,
        )

    @api.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse(error_body("internal_error", INTERNAL_MESSAGE), status_code=500)
