"""The served program: the HTTP API and the web chat on one port, behind the checks every request passes."""

from __future__ import annotations

import ipaddress
import logging
import sys
from typing import TYPE_CHECKING, Any

from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.api import create_api, error_body, token_matches, too_large
from qa.errors import ConfigError
from qa.offline import set_offline_env
from qa.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from qa.assistant import Assistant

log = logging.getLogger(__name__)

# Routes whose bodies are files; every other request body is small (a question, a gradio event).
UPLOAD_ROUTES = frozenset({"/api/articles", "/gradio_api/upload"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def create_app(assistant: Assistant, settings: Settings) -> FastAPI:
    """The API under /api (docs at /docs) and the web chat at /, with the host, body-size and CORS rules."""
    set_offline_env()  # before gradio is imported
    from app import mount_ui  # gradio is heavy: imported only when a server is built

    server = settings.server
    app = create_api(assistant, settings)
    if server.api_token is None:
        # The web chat offers no uploads then; gradio's own upload route (mounted below) must not take files
        # either, or anyone could store files on the server.
        @app.post("/gradio_api/upload", include_in_schema=False)
        def no_uploads() -> JSONResponse:
            return JSONResponse(
                error_body("forbidden", "Uploads are off: the server has no QA_SERVER_API_TOKEN"), status_code=403
            )

    # A CORS middleware that allows no origin: gradio then adds none of its own (it would allow any origin
    # when the server is reached by a name other than localhost). The API's own policy is the one below.
    app.add_middleware(CORSMiddleware, allow_origins=[])
    app.add_middleware(
        PathScoped,
        prefix="/api",
        inner=lambda wrapped: CORSMiddleware(
            wrapped,
            allow_origins=list(server.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        ),
    )
    app.add_middleware(BodyLimit, upload_limit=server.max_upload_bytes, request_limit=server.max_request_bytes)
    app.add_middleware(TrustedHosts, hosts=allowed_hosts(settings))  # outermost: checked before anything else
    return mount_ui(app, assistant, settings, token_matches)


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """The Host names requests may use: the configured ones, and the address the server binds to."""
    hosts = {h.strip().lower().strip("[]") for h in settings.server.allowed_hosts if h.strip()}
    bound = settings.server.host.strip().lower().strip("[]")
    if bound not in ("0.0.0.0", "::", ""):
        hosts.add(bound)
    if hosts & LOOPBACK:
        hosts |= LOOPBACK
    return frozenset(hosts)


def host_name(header: str) -> str:
    """'example.org:7860' -> 'example.org'; '[::1]:7860' -> '::1'."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") > 1:  # a bare IPv6 address
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value
    return value.rsplit(":", 1)[0] if ":" in value else value


class TrustedHosts:
    """400 for a request addressed to a host name the server does not answer to: a page on another site that
    rebinds its DNS name to 127.0.0.1 cannot drive a loopback server, since its requests carry its own name."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app, self.hosts = app, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = host_name(Headers(scope=scope).get("host", ""))
            if host not in self.hosts:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                message = f"This server does not answer to the host name {host!r} (QA_SERVER_ALLOWED_HOSTS)"
                await JSONResponse(error_body("bad_host", message), status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """413 as JSON for a request body over the limit: uploads have theirs, every other request a small one.

    A declared Content-Length is checked before anything is read; a body sent without one (chunked) is read up
    to the limit, then handed on."""

    def __init__(self, app: ASGIApp, upload_limit: int, request_limit: int) -> None:
        self.app, self.upload_limit, self.request_limit = app, upload_limit, request_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"] in UPLOAD_ROUTES
        limit = self.upload_limit if upload else self.request_limit
        setting = "QA_SERVER_MAX_UPLOAD_BYTES" if upload else "QA_SERVER_MAX_REQUEST_BYTES"
        kind = "upload_too_large" if upload else "request_too_large"
        reject = JSONResponse(error_body(kind, too_large(limit, setting)), status_code=413)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > limit:
                await reject(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        read: list[Message] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                read.append(message)
                break
            size += len(message.get("body", b""))
            if size > limit:
                await reject(scope, receive, send)
                return
            read.append(message)
            if not message.get("more_body", False):
                break
        pending = iter(read)

        async def replay() -> Message:
            return next(pending, None) or await receive()

        await self.app(scope, replay, send)


class PathScoped:
    """Applies a middleware (`inner`, built around the app) to requests under `prefix` only."""

    def __init__(self, app: ASGIApp, prefix: str, inner: Any) -> None:
        self.app, self.prefix = app, prefix.rstrip("/")
        self.inner: ASGIApp = inner(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == self.prefix or path.startswith(self.prefix + "/"):
            await self.inner(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def app_from_env() -> FastAPI:
    """The app as each `qa serve --workers N` process builds it: settings from the QA_* environment."""
    set_offline_env()
    from qa.assistant import Assistant

    settings = Settings()
    return create_app(Assistant.open(settings=settings, create=True), settings)


def serve(settings: Settings, log_level: str) -> None:
    """Run the web server in the foreground until Ctrl-C."""
    import os

    import uvicorn

    server = settings.server
    if server.host not in LOOPBACK and not server.api_token:
        print(
            f"warning: serving on {server.host} without QA_SERVER_API_TOKEN: anyone who can reach it can read "
            "the articles; nobody can change them over HTTP",
            file=sys.stderr,
        )
    if server.workers > 1:
        if not settings.chroma_url:
            raise ConfigError(
                "Several workers need a shared vector store: start `chroma run --path DIR --host 127.0.0.1 "
                "--port 8000` and pass --chroma-url http://127.0.0.1:8000 (or set QA_CHROMA_URL)"
            )
        # Each worker process builds its own Assistant from the environment, all over the same chroma server.
        for key, value in {"QA_INDEX_DIR": settings.index_dir, "QA_CHROMA_URL": settings.chroma_url}.items():
            os.environ[key] = str(value)
        print(f"Web chat: http://{server.host}:{server.port}/ with {server.workers} workers", file=sys.stderr)
        uvicorn.run(
            "qa.serve:app_from_env",
            factory=True,
            workers=server.workers,
            host=server.host,
            port=server.port,
            log_level=log_level,
        )
        return
    from qa.assistant import Assistant

    # create=True: an empty index is fine, articles can be added over HTTP.
    app = create_app(Assistant.open(settings=settings, create=True), settings)
    print(f"Web chat: http://{server.host}:{server.port}/  (HTTP API docs: /docs; Ctrl-C stops)", file=sys.stderr)
    uvicorn.run(app, host=server.host, port=server.port, log_level=log_level)
