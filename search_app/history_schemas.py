"""Pydantic models of the history endpoints at the API edge: /api/timeline (a topic across
statements over time) and /api/compare (what changed from one statement to another);
DESIGN.md section 4, "Added in the second round"."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .schemas import FacetsOut, FilterParams, ResultOut

_FROM = ConfigDict(from_attributes=True)


class TimelineParams(FilterParams):
    """The parameters of /api/timeline: a topic and the filters of /api/search. A period in
    the topic ("since 2020", "in 2016", "between 2015 and 2018") filters by date too."""


class TimelineBody(TimelineParams):
    model_config = ConfigDict(extra="forbid", strict=True)


class PeriodOut(BaseModel):
    model_config = _FROM

    text: str = Field(description="The period as the query wrote it: \"since 2020\".")
    date_from: date | None
    date_to: date | None


class TimelineEntryOut(BaseModel):
    model_config = _FROM

    date: str | None
    doc_id: str
    title: str
    kind: str
    relevance: float = Field(description="The closest sentence's cosine similarity to the topic.")
    passages: list[ResultOut] = Field(description="The statement's best passages on the topic, cited.")


class TimelineOut(BaseModel):
    model_config = _FROM

    query: str
    topic: str = Field(description="The query without its period.")
    period: PeriodOut | None = Field(description="The period the query names, used as a date filter.")
    took_ms: float
    facets: FacetsOut
    entries: list[TimelineEntryOut] = Field(description="Every statement that addresses the topic, oldest first "
                                                        "(undated ones last).")
    by_year: dict[str, int]
    first: str | None = Field(description="doc_id of the first statement to address the topic.")
    latest: str | None = Field(description="doc_id of the latest statement to address it.")
    silent_since: int = Field(description="Statements in scope dated after the latest mention.")
    stale: bool = Field(description="The latest mention is two or more years older than the newest statement in scope.")
    note: str | None = Field(description="A sentence saying so when the latest mention is old.")


class ParagraphRefOut(BaseModel):
    model_config = _FROM

    n: int
    text: str
    url: str = Field(description="The paragraph's permalink: /documents/<doc_id>#p<n>.")


class AlignedOut(BaseModel):
    model_config = _FROM

    label: Literal["same", "reworded", "only in a", "only in b"]
    a: ParagraphRefOut | None
    b: ParagraphRefOut | None
    similarity: float | None = Field(description="How alike the two paragraphs are (meaning and words), 0-1.")
    diff: list[tuple[str, str]] | None = Field(description="Word-level diff for reworded paragraphs: "
                                                           "[\"=\", words], [\"-\", only in a], [\"+\", only in b].")


class CompareSideOut(BaseModel):
    model_config = _FROM

    doc_id: str
    title: str
    date: str | None
    kind: str
    url: str
    paragraphs: int


class CompareSummaryOut(BaseModel):
    model_config = _FROM

    reaffirmed: list[ParagraphRefOut] = Field(description="b's paragraphs that say again what a said (same or reworded).")
    added: list[ParagraphRefOut] = Field(description="b's paragraphs with no counterpart in a.")
    dropped: list[ParagraphRefOut] = Field(description="a's paragraphs with no counterpart in b.")


class CompareOut(BaseModel):
    model_config = _FROM

    a: CompareSideOut
    b: CompareSideOut
    took_ms: float
    paragraphs: list[AlignedOut] = Field(description="Both statements' paragraphs aligned, in b's order with a's "
                                                     "dropped paragraphs where they stood.")
    summary: CompareSummaryOut
