"""The history pages and feeds: /timeline (a topic across the statements, with a histogram by
year drawn as server-side SVG), /compare (two statements side by side), and the Atom feeds of
a search and a timeline. Thin adapters over timeline.py, comparison.py and feeds.py, as the
JSON routes are."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .comparison import compare_documents
from .feeds import render_atom
from .live_index import Live
from .pages import MAX_SELECT_DOCUMENTS, filter_query, read_filters, render
from .params import parse_search_request
from .timeline import build_timeline

router = APIRouter(include_in_schema=False)
# The histogram's drawing box, in SVG user units (it scales with the page).
CHART_WIDTH, CHART_HEIGHT, CHART_LABEL = 600, 120, 18


@dataclass(frozen=True)
class Bar:
    year: str
    count: int
    x: float
    y: float
    width: float
    height: float


def year_bars(by_year: dict[str, int]) -> list[Bar]:
    """One bar per year from the first to the last, empty years included: gaps are news."""
    if not by_year:
        return []
    first, last = int(min(by_year)), int(max(by_year))
    years = [str(y) for y in range(first, last + 1)]
    top = max(by_year.values())
    slot = CHART_WIDTH / len(years)
    bars = []
    for i, year in enumerate(years):
        count = by_year.get(year, 0)
        height = (CHART_HEIGHT - CHART_LABEL - 14) * count / top
        bars.append(Bar(year, count, i * slot + slot * 0.15, CHART_HEIGHT - CHART_LABEL - height, slot * 0.7, height))
    return bars


def _timeline(request: Request, live: Live):
    q = request.query_params.get("q", "")
    filters = read_filters(request.query_params)
    parsed = parse_search_request(q, doc=filters["doc"], date_from=filters["date_from"], date_to=filters["date_to"],
                                  mode=filters["mode"], country=filters["country"], org=filters["org"])
    return q, filters, build_timeline(live.searcher, parsed)


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request):
    live: Live = request.app.state.live_index.current()
    q = request.query_params.get("q", "")
    context = {"q": q, "filters": read_filters(request.query_params), "action": "/timeline", "documents": live.documents,
               "select_documents": len(live.documents) <= MAX_SELECT_DOCUMENTS, "timeline": None, "bars": [], "facets": {},
               "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT}, "feed_url": None, "search_url": None}
    if q.strip():
        q, filters, timeline = _timeline(request, live)
        query = filter_query(q, filters)
        context.update(timeline=timeline, bars=year_bars(timeline.by_year), facets=timeline.facets,
                       feed_url="/feeds/timeline.atom?" + urlencode(query, doseq=True),
                       search_url="/?" + urlencode(query, doseq=True))
    return render(request, "timeline.html", context)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request):
    live: Live = request.app.state.live_index.current()
    a, b = request.query_params.get("a", "").strip(), request.query_params.get("b", "").strip()
    comparison = compare_documents(live.searcher, a, b) if (a or b) else None
    return render(request, "compare.html", {"a": a, "b": b, "documents": live.documents, "comparison": comparison,
                                            "select_documents": len(live.documents) <= MAX_SELECT_DOCUMENTS})


def _feed(request: Request, kind: str, page_path: str) -> Response:
    live: Live = request.app.state.live_index.current()
    q, filters, timeline = _timeline(request, live)
    built_at = live.generation.manifest.get("built_at") or "1970-01-01T00:00:00Z"
    body = render_atom(timeline, kind, filter_query(q, filters), str(request.base_url), page_path, built_at)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/feeds/search.atom")
def search_feed(request: Request):
    return _feed(request, "search", "")


@router.get("/feeds/timeline.atom")
def timeline_feed(request: Request):
    return _feed(request, "timeline", "timeline")
