"""The JSON API (DESIGN.md section 4): thin adapters that parse, call the core, and shape.

GET takes query parameters, POST the same fields as a JSON body; both end in the same
function. Errors are raised as domain exceptions and given their one JSON shape by the
handlers in app.py.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from .answers import answer_question
from .export import results_csv, wants_csv
from .citations import FORMATS, check_format, render_citation, resolve_citation
from .errors import SearchError, UnknownDocument
from .live_index import LiveIndex
from .params import parse_search_request
from .requests import DEFAULT_ASK_K
from .schemas import (
    AskBody,
    AskOut,
    AskParams,
    DocumentListOut,
    DocumentOut,
    HealthOut,
    QuoteCheckBody,
    QuoteCheckOut,
    SearchQuery,
    SearchBody,
    SearchOut,
    error_responses,
)

router = APIRouter(prefix="/api", tags=["search"])

SEARCH_ERRORS = error_responses(404, 413, 422, 429, 503, 504)
CSV_RESULTS = {200: {"description": "The results: JSON, or CSV with format=csv (or Accept: text/csv).",
                     "content": {"text/csv": {"schema": {"type": "string"}}}}}
# Names the index generation that answered a search or ask (the whole response comes from it).
GENERATION_HEADER = "X-Index-Generation"


def error_response(status: int, code: str, message: str, parameter: str | None = None, headers=None) -> JSONResponse:
    """The one JSON error shape of every /api error."""
    # A message may quote what the client sent; a lone surrogate in it must not turn the
    # error into a 500 when the body is encoded.
    body = {"error": {"status": status, "code": code, "parameter": _sendable(parameter), "message": _sendable(message)}}
    return JSONResponse(body, status_code=status, headers=headers)


def _sendable(text: str | None) -> str | None:
    return None if text is None else text.encode("utf-8", "backslashreplace").decode("utf-8")


def search_error_response(exc: SearchError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return error_response(exc.status, exc.code, exc.message, getattr(exc, "name", None), headers)


def _live_index(request: Request) -> LiveIndex:
    return request.app.state.live_index


# ------------------------------------------------------------------ search and ask


def run_search(request: Request, response: Response, fields: dict):
    as_csv = wants_csv(fields.pop("format", None), request.headers.get("accept"))
    search_request = parse_search_request(**fields)
    # Taken once: the results and the header come from the same generation.
    live = _live_index(request).current()
    result = live.searcher.search(search_request)
    if as_csv:
        return Response(results_csv(result, str(request.base_url)), media_type="text/csv; charset=utf-8", headers={
            GENERATION_HEADER: live.generation.name,
            "Content-Disposition": 'attachment; filename="statement-search.csv"'})
    response.headers[GENERATION_HEADER] = live.generation.name
    return SearchOut.model_validate(result)


def run_ask(request: Request, response: Response, fields: dict) -> AskOut:
    search_request = parse_search_request(**fields, default_k=DEFAULT_ASK_K)
    live = _live_index(request).current()
    result = answer_question(live.searcher, search_request, request.app.state.answer_model)
    response.headers[GENERATION_HEADER] = live.generation.name
    return AskOut.model_validate(result)


@router.get("/search", response_model=SearchOut, responses={**SEARCH_ERRORS, **CSV_RESULTS}, summary="Ranked, cited passages")
def search_get(request: Request, response: Response, params: Annotated[SearchQuery, Query()]):
    return run_search(request, response, params.model_dump())


@router.post("/search", response_model=SearchOut, responses={**SEARCH_ERRORS, **CSV_RESULTS}, summary="Ranked, cited passages (JSON body)")
def search_post(request: Request, response: Response, body: SearchBody):
    return run_search(request, response, body.model_dump())


@router.get("/ask", response_model=AskOut, responses=SEARCH_ERRORS, summary="An answer with its citation, or null")
def ask_get(request: Request, response: Response, params: Annotated[AskParams, Query()]):
    return run_ask(request, response, params.model_dump())


@router.post("/ask", response_model=AskOut, responses=SEARCH_ERRORS, summary="An answer with its citation, or null (JSON body)")
def ask_post(request: Request, response: Response, body: AskBody):
    return run_ask(request, response, body.model_dump())


# ------------------------------------------------------------------ documents and health


@router.post("/quote-check", response_model=QuoteCheckOut, responses=error_responses(422, 503),
             summary="Is a quotation in the statements? A verdict per sentence: exact, near or not_found")
def quote_check(request: Request, response: Response, body: QuoteCheckBody):
    live = _live_index(request).current()
    result = live.quotes.check(body.text)
    response.headers[GENERATION_HEADER] = live.generation.name
    return QuoteCheckOut.model_validate(result)


# Errors keep the one JSON shape, so the route's own class stays JSON; a citation is returned
# as a PlainTextResponse of its own media type.
@router.get("/cite", response_model=None, responses={
    **error_responses(404, 422, 503),
    200: {"description": "The citation in the format asked for.",
          "content": {mime: {"schema": {"type": "string"}} for mime in FORMATS.values()}}},
    summary="A ready citation of a passage or a paragraph: text, BibTeX, RIS or CSL-JSON")
def cite(request: Request,
         chunk: Annotated[str | None, Query(description="A passage's chunk_id (from a search result).")] = None,
         doc: Annotated[str | None, Query(description="A document id (with paragraph, or alone for the document).")] = None,
         paragraph: Annotated[int | None, Query(description="A paragraph number of `doc`.", ge=0)] = None,
         format: Annotated[str, Query(description="text | bibtex | ris | csl-json")] = "text"):
    fmt = check_format(format)
    live = _live_index(request).current()
    record = resolve_citation(live.searcher, chunk, doc, paragraph, str(request.base_url),
                              datetime.now(timezone.utc).date())
    return PlainTextResponse(render_citation(record, fmt), media_type=FORMATS[fmt] + "; charset=utf-8")


@router.get("/documents", response_model=DocumentListOut, responses=error_responses(503), summary="All documents")
def list_documents(request: Request):
    documents = _live_index(request).current().documents
    return DocumentListOut(total=len(documents), documents=documents)


@router.get("/documents/{doc_id:path}", response_model=DocumentOut, responses=error_responses(404, 503),
            summary="One document with its full text")
def get_document(request: Request, doc_id: str):
    return document_out(_live_index(request).current(), doc_id)


def document_out(live, doc_id: str) -> DocumentOut:
    """One document with its full text and paragraphs (the API's and MCP's get_document)."""
    info = live.searcher.document_info(doc_id)
    document = live.generation.document(doc_id) if info else None
    if document is None:
        raise UnknownDocument(doc_id)
    return DocumentOut(doc_id=document.doc_id, title=document.title, date=document.date, kind=document.kind,
                       source=document.source, chunks=info.chunks, text=document.text, sections=document.sections,
                       paragraphs=live.searcher.documents.paragraphs(doc_id))


@router.get("/health", response_model=HealthOut, summary="Status, counts and the live generation")
def health(request: Request):
    live_index = _live_index(request)
    live, problem = live_index.live, live_index.problem
    reason, hint = (problem.reason, problem.hint) if problem else (None, None)
    if live is None:
        return {"status": "unavailable", "generation": None, "built_at": None, "counts": None,
                "model": live_index.embedder.name, "multilingual": None, "reason": reason, "hint": hint}
    manifest = live.generation.manifest
    searched = live.searcher.multilingual  # only when the generation holds this server's model's vectors
    return {
        "status": "ok", "generation": live.generation.name, "built_at": manifest.get("built_at"),
        "counts": live.generation.counts(), "model": manifest.get("model", {}).get("name", ""),
        "multilingual": live.generation.multilingual_model if searched is not None else None,
        "reason": reason, "hint": hint,
    }
