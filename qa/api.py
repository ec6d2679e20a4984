"""The HTTP API (FastAPI) over the Assistant, with the web chat from app.py mounted at /: `create_app`."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from itertools import chain
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from qa.assistant import Assistant
from qa.errors import (
    BadFilterError,
    BadQuestionError,
    CorruptIndexError,
    EmbeddingModelError,
    ModelMismatchError,
    NoIndexError,
    QAError,
    RejectedInput,
    StoreUnavailableError,
    UnknownArticleError,
)
from qa.records import Answer
from qa.settings import Settings

log = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides its status.
ERROR_STATUS: tuple[tuple[type[QAError], int, str], ...] = (
    (BadQuestionError, 422, "bad_question"),
    (BadFilterError, 422, "bad_filter"),
    (RejectedInput, 422, "rejected_input"),
    (UnknownArticleError, 404, "unknown_article"),
    (StoreUnavailableError, 503, "store_unavailable"),
    (NoIndexError, 503, "no_index"),
    (ModelMismatchError, 503, "model_mismatch"),
    (CorruptIndexError, 503, "corrupt_index"),
    (EmbeddingModelError, 503, "embedding_model"),
)
HTTP_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "upload_too_large",
}
INTERNAL_MESSAGE = "Something went wrong on the server; the details are in its log."


def error_body(kind: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"type": kind, "message": message}}


def qa_error(exc: QAError) -> tuple[int, dict[str, dict[str, str]]]:
    """(status, body) for one of the project's errors; its message is written for the reader, so it is sent."""
    for cls, status, kind in ERROR_STATUS:
        if isinstance(exc, cls):
            return status, error_body(kind, str(exc))
    return 500, error_body("error", str(exc))


# -- request and response shapes (the responses are documented here; the bodies are the records' to_dict()) ---


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class FiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    article_ids: list[str] | None = Field(None, description="Only these articles (ids from GET /api/articles).")
    outlets: list[str] | None = Field(None, description="Only articles from these outlets.")
    date_from: str | None = Field(None, description="Only articles dated on or after (yyyy-mm-dd).")
    date_to: str | None = Field(None, description="Only articles dated on or before (yyyy-mm-dd).")


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The question, in plain words.")
    history: list[Turn] | None = Field(None, description="Earlier turns, oldest first, for follow-up questions.")
    filters: FiltersIn | None = None
    k: int | None = Field(None, ge=1, le=50, description="Chunks to retrieve (default QA_K).")

    def arguments(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "history": [t.model_dump() for t in self.history] if self.history is not None else None,
            "filters": self.filters.model_dump(exclude_none=True) if self.filters is not None else None,
            "k": self.k,
        }


class CitationOut(BaseModel):
    n: int
    article_id: str
    title: str
    paragraph: int
    text: str = Field(description="The whole cited paragraph.")
    quote: str = Field(description="The cited sentence, verbatim in text.")
    outlet: str | None
    date: str | None


class HitOut(BaseModel):
    article_id: str
    paragraphs: list[int]
    text: str
    score: float


class AnswerOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    question: str
    answer: str
    abstained: bool
    citations: list[CitationOut]
    hits: list[HitOut]


class ErrorDetail(BaseModel):
    type: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


# Module level: FastAPI resolves the (postponed) annotations of route functions in this module's globals.
_bearer = HTTPBearer(auto_error=False, description="The server's QA_API_TOKEN, when it sets one.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 413, 422, 500, 503)
}


def create_app(assistant: Assistant, settings: Settings) -> FastAPI:
    """The API under /api, its OpenAPI page at /docs, and the web chat at /."""
    # FastAPIOffline serves the /docs page's scripts from the package, not from a CDN: nothing calls out.
    api = FastAPIOffline(
        title="newsroom-qa",
        description="Answers about news articles, quoting the sentences they rest on and citing article and "
        'paragraph, or abstaining ("The articles don\'t say.").',
        version="1",
        redoc_url=None,
        static_url="/api-docs-static",
    )
    api.add_middleware(_DeclaredUploadLimit, path="/api/articles", limit=settings.max_upload_bytes)
    # Added last, so outermost: its headers are on every answer, errors included.
    api.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
    )
    _install_error_handlers(api, settings.max_upload_bytes)

    def check_token(credentials: HTTPAuthorizationCredentials | None) -> None:
        token = settings.api_token
        assert token is not None
        if credentials is None:
            raise StarletteHTTPException(
                401, "This API needs 'Authorization: Bearer <token>' (the server's QA_API_TOKEN)"
            )
        if not secrets.compare_digest(credentials.credentials.encode(), token.encode()):
            raise StarletteHTTPException(401, "The bearer token is not the server's QA_API_TOKEN")

    def reader(credentials: Credentials) -> None:
        if settings.api_token is not None:
            check_token(credentials)

    def writer(credentials: Credentials) -> None:
        # Reads may be open on a trusted machine, but changing the index over HTTP always takes a token.
        if settings.api_token is None:
            raise StarletteHTTPException(
                403,
                "Adding or removing articles over the API is off: start the server with QA_API_TOKEN set "
                "and send 'Authorization: Bearer <token>'",
            )
        check_token(credentials)

    read = [Depends(reader)]
    write = [Depends(writer)]

    @api.post("/api/ask", dependencies=read, response_model=AnswerOut, responses=ERRORS, tags=["ask"])
    def ask(body: AskIn) -> JSONResponse:
        """Answer a question: quoted sentences with numbered citations, or an abstention."""
        answer = assistant.ask(**body.arguments())
        # The record's own to_dict() is the contract; returned as is, not re-shaped by the response model.
        return JSONResponse(answer.to_dict())

    @api.post(
        "/api/ask/stream",
        dependencies=read,
        responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}, **ERRORS},
        tags=["ask"],
    )
    def ask_stream(body: AskIn) -> StreamingResponse:
        """Server-sent events: `delta` events ({"text"}) as the answer is written, then one `answer` event
        with the full answer (the /api/ask contract). A failure after the stream started is an `error` event."""
        pieces = assistant.ask_stream(**body.arguments())
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

    @api.post(
        "/api/articles",
        dependencies=write,
        responses=ERRORS,
        tags=["articles"],
        max_body_size=settings.max_upload_bytes,
    )
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

    from app import mount_ui  # gradio is heavy: imported only when a server is built

    return mount_ui(api, assistant, settings)


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


def too_large(limit: int) -> str:
    return f"The upload is over the limit of {limit:,} bytes (QA_MAX_UPLOAD_BYTES); send fewer or smaller files"


class _DeclaredUploadLimit:
    """413 as JSON for an upload whose Content-Length is over the limit, before any of it is read.

    The route's own max_body_size counts the bytes of bodies sent without a length; for a declared length it
    would answer in plain text."""

    def __init__(self, app: ASGIApp, path: str, limit: int) -> None:
        self.app, self.path, self.limit = app, path, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == self.path:
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isdigit() and int(declared) > self.limit:
                response = JSONResponse(error_body("upload_too_large", too_large(self.limit)), status_code=413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _install_error_handlers(api: FastAPI, max_upload_bytes: int) -> None:
    """Every error is JSON {"error": {"type", "message"}} with its status; never a stack trace."""

    @api.exception_handler(QAError)
    async def on_qa_error(request: Request, exc: QAError) -> JSONResponse:
        status, body = qa_error(exc)
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse(body, status_code=status)

    @api.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(error_body("bad_request", "The request body is not valid JSON"), status_code=400)
        parts = []
        for e in errors:
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else str(e.get("msg", "invalid")))
        return JSONResponse(error_body("invalid_request", "; ".join(parts)), status_code=422)

    @api.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 413:
            message = too_large(max_upload_bytes)
        return JSONResponse(
            error_body(HTTP_TYPES.get(exc.status_code, "http_error"), message),
            status_code=exc.status_code,
            headers={"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None,
        )

    @api.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse(error_body("internal_error", INTERNAL_MESSAGE), status_code=500)


def app_from_env() -> FastAPI:
    """The app as each `qa serve --workers N` process builds it: settings from the QA_* environment."""
    from qa.cli import set_offline_env

    set_offline_env()
    settings = Settings()
    return create_app(Assistant.open(settings=settings, create=True), settings)
