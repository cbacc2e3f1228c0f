"""The history endpoints of the JSON API: /api/timeline (a topic across the statements, oldest
first) and /api/compare (what changed from one statement to the next). Thin adapters, as
api.py: parse, call the core (timeline.py, comparison.py), shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from .api import GENERATION_HEADER
from .comparison import compare_documents
from .history_schemas import CompareOut, TimelineBody, TimelineOut, TimelineParams
from .params import parse_search_request
from .schemas import error_responses
from .timeline import build_timeline

router = APIRouter(prefix="/api", tags=["history"])
HISTORY_ERRORS = error_responses(404, 413, 422, 429, 503, 504)


def run_timeline(request: Request, response: Response, fields: dict) -> TimelineOut:
    live = request.app.state.live_index.current()
    timeline = build_timeline(live.searcher, parse_search_request(**fields))
    response.headers[GENERATION_HEADER] = live.generation.name
    return TimelineOut.model_validate(timeline)


@router.get("/timeline", response_model=TimelineOut, responses=HISTORY_ERRORS,
            summary="Every statement that addresses a topic, oldest first, with its best passages")
def timeline_get(request: Request, response: Response, params: Annotated[TimelineParams, Query()]):
    return run_timeline(request, response, params.model_dump())


@router.post("/timeline", response_model=TimelineOut, responses=HISTORY_ERRORS,
             summary="A topic's timeline (JSON body)")
def timeline_post(request: Request, response: Response, body: TimelineBody):
    return run_timeline(request, response, body.model_dump())


@router.get("/compare", response_model=CompareOut, responses=HISTORY_ERRORS,
            summary="Two statements paragraph by paragraph: same, reworded (with a diff), only in a, only in b")
def compare(request: Request, response: Response,
            a: Annotated[str, Query(description="The earlier (or first) statement's doc_id.")] = "",
            b: Annotated[str, Query(description="The statement compared with it.")] = ""):
    live = request.app.state.live_index.current()
    comparison = compare_documents(live.searcher, a.strip(), b.strip())
    response.headers[GENERATION_HEADER] = live.generation.name
    return CompareOut.model_validate(comparison)
