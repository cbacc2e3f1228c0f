"""The HTML pages: server-rendered, usable without JavaScript. Thin adapters over the same
search and answer functions as the JSON API; Jinja autoescapes everything they echo.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .answers import answer_question
from .display import answer_markup, highlight, paragraph_views, public_source
from .errors import UnknownDocument
from .live_index import Live
from .params import parse_search_request
from .quotes import MAX_QUOTE_CHARS
from .requests import MAX_K, MODES, SearchRequest

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_SIZE = 10
# Above this many documents a <select> is unusable; the page offers a document-id box instead.
MAX_SELECT_DOCUMENTS = 200

router = APIRouter(include_in_schema=False)


def make_templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(highlight=highlight, answer_markup=answer_markup, public_source=public_source, modes=MODES)
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def render_error(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """error.html: the one rendering of every page error."""
    embedded = request.url.path.startswith("/embed")
    return render(request, "error.html", {"status": status, "title": title, "message": message,
                                          "q": request.query_params.get("q", ""), "embedded": embedded}, status)


# ------------------------------------------------------------------ search


def search_context(request: Request, action: str) -> dict:
    """Everything search.html and embed.html show, from the query string."""
    params = request.query_params
    q = params.get("q", "")
    filters = read_filters(params)
    live: Live = request.app.state.live_index.current()
    documents = live.documents
    context = {
        "q": q, "filters": filters, "action": action, "documents": documents,
        "select_documents": len(documents) <= MAX_SELECT_DOCUMENTS,
        "searched": False, "answer": None, "declined": None, "hits": [], "offset": 0,
        "prev_url": None, "next_url": None, "json_url": None, "csv_url": None,
        "facets": {}, "timeline_url": None, "feed_url": None,
    }
    if not q.strip():
        return context  # the empty state: just the form
    search_request = parse_search_request(
        q, k=PAGE_SIZE + 1, offset=params.get("offset"), doc=filters["doc"],
        date_from=filters["date_from"], date_to=filters["date_to"], mode=filters["mode"],
        country=filters["country"], org=filters["org"],
    )
    hits, answer, declined, facets = run_page_search(live, search_request, request.app.state.answer_model)
    offset = search_request.offset
    query = filter_query(q, filters)
    context.update(
        searched=True, answer=answer, declined=declined, hits=hits[:PAGE_SIZE], offset=offset,
        # One extra hit was asked for: its presence says there is a next page.
        next_url=page_url(action, query, offset + PAGE_SIZE) if len(hits) > PAGE_SIZE else None,
        prev_url=page_url(action, query, max(0, offset - PAGE_SIZE)) if offset > 0 else None,
        json_url="/api/search?" + urlencode({**query, "k": PAGE_SIZE, "offset": offset}, doseq=True),
        # The spreadsheet takes every result the API gives at once, not one page of them.
        csv_url="/api/search?" + urlencode({**query, "k": MAX_K, "format": "csv"}, doseq=True),
        facets=facets, timeline_url="/timeline?" + urlencode(query, doseq=True),
        feed_url="/feeds/search.atom?" + urlencode(query, doseq=True),
    )
    return context


def read_filters(params) -> dict:
    """The filters a page's query string sets (search, timeline, feeds), as the form shows them."""
    return {
        "doc": [d for d in params.getlist("doc") if d],
        "date_from": params.get("date_from", ""),
        "date_to": params.get("date_to", ""),
        "mode": params.get("mode", "") or "hybrid",
        "country": [c for c in params.getlist("country") if c],
        "org": [o for o in params.getlist("org") if o],
    }


def filter_query(q: str, filters: dict) -> dict:
    """The query string of a search, a timeline or a feed: the topic and the filters set."""
    query = {"q": q, **{k: filters.get(k) for k in ("doc", "date_from", "date_to", "mode", "country", "org")}}
    return {k: v for k, v in query.items() if v}


def run_page_search(live: Live, search_request: SearchRequest, answer_model):
    """The passages, and on the first page the answer (or why there is none, when it is not the
    statements): the same functions /api/search and /api/ask call."""
    if search_request.offset == 0:
        ask = answer_question(live.searcher, search_request, answer_model)
        return ask.passages, ask.answer, ask.declined, ask.facets
    result = live.searcher.search(search_request)
    return result.hits, None, None, result.facets


def page_url(action: str, query: dict, offset: int) -> str:
    params = dict(query)
    if offset:
        params["offset"] = offset
    return action + "?" + urlencode(params, doseq=True)


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request):
    return render(request, "search.html", search_context(request, "/"))


@router.get("/embed", response_class=HTMLResponse)
def embed_page(request: Request):
    return render(request, "embed.html", search_context(request, "/embed"))


# ------------------------------------------------------------------ quote check


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request):
    """The quote check as a page: GET so that a checked quote can be linked and works without script."""
    text = request.query_params.get("text", "")
    live: Live = request.app.state.live_index.current()
    result = live.quotes.check(text) if text.strip() else None
    return render(request, "check.html", {"text": text, "result": result, "max_chars": MAX_QUOTE_CHARS})


# ------------------------------------------------------------------ documents


@router.get("/documents/{doc_id:path}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str):
    live: Live = request.app.state.live_index.current()
    document = live.generation.document(doc_id)
    if document is None:
        raise UnknownDocument(doc_id)
    chunk_key = request.query_params.get("chunk", "")
    chunk = live.searcher.find_passage(doc_id, chunk_key) if chunk_key else None
    paragraphs = live.searcher.documents.paragraphs(doc_id)
    mark = (chunk.start, chunk.end) if chunk is not None else None
    info = live.searcher.document_info(doc_id)
    return render(request, "document.html", {
        "document": document, "info": info, "source": public_source(document.source),
        "paragraphs": paragraph_views(document.text, paragraphs, mark), "chunk": chunk,
        "chunk_missing": bool(chunk_key) and chunk is None,
        "json_url": "/api/documents/" + quote(doc_id, safe=""),
    })


# ------------------------------------------------------------------ API reference


@router.get("/docs", response_class=HTMLResponse)
def api_docs_page(request: Request):
    """A local, script-free rendering of /openapi.json: users may be offline, and the usual
    Swagger UI comes from a CDN and needs inline script."""
    schema = request.app.openapi()
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            operations.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "parameters": op.get("parameters", []),
                "body": "requestBody" in op,
                "responses": sorted(op.get("responses", {}).items()),
            })
    example = schema["components"]["schemas"]["ErrorOut"].get("example")
    return render(request, "docs.html", {"info": schema.get("info", {}), "operations": operations,
                                         "error_example": example})
