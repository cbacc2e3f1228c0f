"""Pydantic models at the API edge only: request bodies and the documented response shapes
(DESIGN.md section 4). The core returns dataclasses; api.py converts them here.

Range limits are documented (json_schema_extra) but enforced by SearchRequest, so that the
API and the pages refuse the same values with the same messages.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from .display import public_source
from .quotes import MAX_QUOTE_CHARS
from .requests import DEFAULT_ASK_K, DEFAULT_K, MAX_K, MAX_OFFSET, MAX_QUERY_CHARS, MODES

# ------------------------------------------------------------------ requests


class FilterParams(BaseModel):
    """The topic and the filters every search, timeline and feed takes."""

    model_config = ConfigDict(extra="ignore")

    q: str = Field(description=f"The question or search words, 1-{MAX_QUERY_CHARS} characters.",
                   json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_CHARS})
    doc: list[str] | str | None = Field(None, description="Only this document id; repeat (or send a list) for several.")
    date_from: str | None = Field(None, description="Only documents dated on or after (YYYY-MM-DD).",
                                  json_schema_extra={"format": "date"})
    date_to: str | None = Field(None, description="Only documents dated on or before (YYYY-MM-DD).",
                                json_schema_extra={"format": "date"})
    mode: str = Field("hybrid", description="Retrieval mode.", json_schema_extra={"enum": list(MODES)})
    country: list[str] | str | None = Field(None, description="Only passages naming this country (as the `countries` "
                                                               "facet shows it); repeat for any of several.")
    org: list[str] | str | None = Field(None, description="Only passages naming this organisation (as the "
                                                           "`organisations` facet shows it); repeat for any of several.")


class SearchParams(FilterParams):
    """The parameters of /api/search, declared once: GET reads them from the query string
    (this model), POST from a JSON body (SearchBody: the same fields, strict)."""

    k: int = Field(DEFAULT_K, description="How many results.", json_schema_extra={"minimum": 1, "maximum": MAX_K})
    offset: int = Field(0, description="Results to skip (paging).", json_schema_extra={"minimum": 0, "maximum": MAX_OFFSET})


# A JSON body is strict (`true` is not k=1) and names no unknown field.
_BODY = ConfigDict(extra="forbid", strict=True)


class SearchQuery(SearchParams):
    """/api/search's parameters: those every search takes, and the response format."""

    format: Literal["json", "csv"] | None = Field(
        None, description="json (default) or csv: the results as CSV with the citation columns. "
                          "Without it, `Accept: text/csv` asks for CSV too.")


class SearchBody(SearchQuery):
    """POST body of /api/search."""

    model_config = _BODY


class AskParams(SearchParams):
    """The parameters of /api/ask: those of search, with fewer passages by default."""

    k: int = Field(DEFAULT_ASK_K, description="How many passages.", json_schema_extra={"minimum": 1, "maximum": MAX_K})


class AskBody(AskParams):
    """POST body of /api/ask."""

    model_config = _BODY


class QuoteCheckBody(BaseModel):
    """POST body of /api/quote-check."""

    model_config = _BODY

    text: str = Field(description=f"The quotation or claim to check, up to {MAX_QUOTE_CHARS} characters; "
                                  "each of its sentences gets a verdict.",
                      json_schema_extra={"minLength": 1, "maxLength": MAX_QUOTE_CHARS})


# ------------------------------------------------------------------ responses
# Built from the core's dataclasses by attribute (from_attributes): the models say what the
# JSON holds, and api.py does not shape it again by hand.

_FROM = ConfigDict(from_attributes=True)


class CitationOut(BaseModel):
    model_config = _FROM

    doc_id: str
    title: str
    date: str | None = Field(description="YYYY-MM-DD, or null when the document has no date.")
    source: str = Field(description="The file, as corpus/<relative path>.")
    page: int | None
    section: str | None
    start: int = Field(description="Character offset of the passage in the document text.")
    end: int = Field(description="End offset: text == document_text[start:end].")
    url: str = Field(description="The passage in place: /documents/<doc_id>?chunk=<chunk_id>#passage")
    paragraph: int | None = Field(None, description="The numbered paragraph where the passage starts "
                                                    "(permalink: /documents/<doc_id>#p<n>).")
    paragraphs: tuple[int, int] | None = Field(None, description="[first, last] paragraph the passage covers.")

    @field_validator("source")
    @classmethod
    def _in_corpus(cls, source: str) -> str:
        return public_source(source)


class ResultOut(BaseModel):
    model_config = _FROM

    rank: int
    score: float
    chunk_id: str
    text: str
    citation: CitationOut


class FacetsOut(BaseModel):
    """Facet -> value -> how many matching passages name it (or come from it). Pass a value
    back as `country=` or `org=` to keep only the passages naming it."""

    countries: dict[str, int] = Field(description="Countries the passages name, as shown: \"Viet Nam\", \"Lao PDR\".")
    organisations: dict[str, int] = Field(description="Organisations the passages name, by acronym: \"IOM\".")
    people: dict[str, int] = Field(description="People the passages name after a title or honorific.")
    kinds: dict[str, int] = Field(description="Kinds of document the passages come from.")
    years: dict[str, int] = Field(description="Years of the documents the passages come from, in order.")


class SearchOut(BaseModel):
    model_config = _FROM

    query: str
    mode: Literal["hybrid", "semantic", "keyword"]
    took_ms: float
    total: int = Field(description="How many passages match in all (for paging).")
    results: list[ResultOut] = Field(validation_alias=AliasChoices("results", "hits"))
    facets: FacetsOut = Field(description="Counts over all the matching passages (`total`), per facet.")


class SpanOut(BaseModel):
    model_config = _FROM

    text: str = Field(description="The words that answer (a date, a number, a name, a place, a clause).")
    start: int = Field(description="Offset in the document text: document_text[start:end] == text.")
    end: int


class AnswerOut(BaseModel):
    model_config = _FROM

    text: str = Field(description="The sentence(s) that answer; citation start/end point at them.")
    confidence: float
    citation: CitationOut
    span: SpanOut | None = Field(None, description="The words inside the sentence that answer, with offsets into the "
                                                   "document text.")


class AskOut(BaseModel):
    model_config = _FROM

    query: str
    took_ms: float
    answer: AnswerOut | None = Field(description="null when nothing in the statements answers: no guessing.")
    passages: list[ResultOut] = Field(description="Ranked as /api/search ranks them, except that the passage the "
                                                   "answer is quoted from comes first (ranks renumbered, its score kept).")
    declined: str | None = Field(None, description="Why `answer` is null when the reason is not the statements: "
                                                   "\"language\" (answers are read from questions in English; the "
                                                   "passages are still found). null otherwise.")


class DifferenceOut(BaseModel):
    model_config = _FROM

    quoted: str = Field(description="The pasted words (\"\" when the statement has words the paste lacks).")
    statement: str = Field(description="What the statement says there (\"\" when the paste added words).")


class QuoteMatchOut(BaseModel):
    model_config = _FROM

    text: str = Field(description="What the statement says: document_text[citation.start:citation.end].")
    citation: CitationOut
    differences: list[DifferenceOut]


class SentenceCheckOut(BaseModel):
    model_config = _FROM

    text: str = Field(description="The pasted sentence.")
    start: int = Field(description="Its offset in the pasted text.")
    end: int
    verdict: Literal["exact", "near", "not_found"]
    similarity: float = Field(description="Share of words the closest stretch of a statement shares with it (1.0: exact).")
    match: QuoteMatchOut | None = Field(description="The statement's words (exact or near); null when not found.")
    closest: list[ResultOut] = Field(description="The closest passages; for not_found, \"not the same text\".")


class QuoteCheckOut(BaseModel):
    model_config = _FROM

    took_ms: float
    sentences: list[SentenceCheckOut]


class DocumentSummaryOut(BaseModel):
    model_config = _FROM

    doc_id: str
    title: str
    date: str | None
    kind: str
    source: str
    chunks: int

    @field_validator("source")
    @classmethod
    def _in_corpus(cls, source: str) -> str:
        return public_source(source)


class DocumentListOut(BaseModel):
    total: int
    documents: list[DocumentSummaryOut]


class SectionOut(BaseModel):
    model_config = _FROM

    start: int
    title: str
    level: int


class ParagraphOut(BaseModel):
    model_config = _FROM

    n: int = Field(description="The paragraph's number: the statement's own (\"12.\") where it numbers them, "
                               "else counted from 1; 0 is a numbered statement's preamble.")
    start: int
    end: int
    page: int | None


class DocumentOut(DocumentSummaryOut):
    text: str = Field(description="The full text; citation offsets point into it.")
    sections: list[SectionOut]
    paragraphs: list[ParagraphOut] = Field(default_factory=list,
                                           description="Numbered paragraphs with offsets into the text.")


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    generation: str | None
    built_at: str | None
    counts: dict[str, int] | None
    model: str
    multilingual: str | None = Field(
        default=None, description="The multilingual model that also searches questions not in English, when the server "
        "has it and the live generation holds its vectors (built with --multilingual); null otherwise.")
    reason: str | None = Field(description="Why the index is unavailable, or why a newer generation was refused.")
    hint: str | None = Field(description="What to do about it.")


class ErrorBody(BaseModel):
    status: int
    code: str = Field(description="Stable machine-readable code, e.g. invalid_parameter, unknown_document.")
    parameter: str | None = Field(description="The request parameter at fault, when there is one.")
    message: str


class ErrorOut(BaseModel):
    """Every /api error has this shape."""

    error: ErrorBody

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "error": {
                    "status": 422,
                    "code": "invalid_parameter",
                    "parameter": "k",
                    "message": "k must be between 1 and 100, got 0",
                }
            }
        }
    )


class BuildReportOut(BaseModel):
    generation: str | None = Field(description="The generation published, or null when nothing changed.")
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: int
    skipped: list[dict[str, str]]
    documents: int
    chunks: int
    chunks_embedded: int
    seconds: float


class UploadOut(BaseModel):
    saved: str = Field(description="Where the file was written, as corpus/<name>.")
    report: BuildReportOut


class ReindexBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full: bool = Field(False, description="Re-read and re-embed everything.")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting the error shape for these statuses."""
    described = {
        400: "Bad request",
        401: "Missing or wrong bearer token",
        404: "Not found (unknown route or document id)",
        405: "Method not allowed",
        409: "Another build is running",
        413: "Too large",
        415: "Unsupported file type",
        422: "A parameter is invalid; `parameter` names it",
        429: "Too many requests from this client; Retry-After says when to try again",
        500: "The build failed for a reason of the server's set-up (corpus or index folder unusable)",
        503: "No usable index",
        504: "The request ran past its time budget and was stopped",
        507: "The index could not be written (disk full or read-only); nothing was published",
    }
    return {s: {"model": ErrorOut, "description": described.get(s, "Error")} for s in statuses}
