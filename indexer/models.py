"""The small typed values that flow through the indexer and out to the search app: documents
and chunks as read and chunked, and as a generation stores them."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

KINDS = ("statement", "report", "article", "slides", "document")


@dataclass(frozen=True)
class Section:
    """A heading and where its section starts in the document text."""

    start: int
    title: str
    level: int = 1


@dataclass(frozen=True)
class Document:
    """One readable document: the exact text the app shows, plus what a citation needs.

    `text` is the cleaned text (page banners removed, hard wraps joined); every chunk's
    offsets point into it. `page_starts[i]` is the offset where page i+1 begins (PDFs only).
    """

    doc_id: str
    source: str  # path relative to the corpus folder, with forward slashes
    title: str
    text: str
    date: str | None = None  # ISO YYYY-MM-DD
    kind: str = "document"
    sections: tuple[Section, ...] = ()
    page_starts: tuple[int, ...] = ()
    external_id: str | None = None  # the id inside a .jsonl file
    extra: dict = field(default_factory=dict, compare=False)

    def section_at(self, offset: int) -> str | None:
        """The heading of the section that contains `offset`, if any."""
        starts = [s.start for s in self.sections]
        i = bisect.bisect_right(starts, offset) - 1
        return self.sections[i].title if i >= 0 else None

    def page_at(self, offset: int) -> int | None:
        """1-based page number that contains `offset`, or None for unpaged documents."""
        return page_at(self.page_starts, offset)


@dataclass(frozen=True)
class Chunk:
    """A passage: `document.text[start:end] == text` always holds."""

    doc_id: str
    ordinal: int
    start: int
    end: int
    text: str
    heading: str | None = None
    page: int | None = None

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.ordinal}"


@dataclass(frozen=True)
class ChunkSpan:
    """Where a chunk sits, without its text (ranking needs only this)."""

    id: int
    doc_id: str
    ordinal: int
    start: int
    end: int
    page: int | None
    heading: str | None

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.ordinal}"


@dataclass(frozen=True)
class StoredChunk(ChunkSpan):
    text: str = ""


@dataclass(frozen=True)
class DocumentInfo:
    """A document's metadata without its text (listings, citations)."""

    doc_id: str
    source: str
    title: str
    date: str | None
    kind: str
    external_id: str | None
    chunks: int


@dataclass(frozen=True)
class ChunkFilter:
    """Which passages a search may return: of these documents (none: all), dated within
    [date_from, date_to] (ISO dates; None: open), naming one of these countries and one of
    these organisations (none: any; facets.py)."""

    docs: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    countries: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.docs or self.date_from or self.date_to or self.countries or self.organisations)

    def sql(self) -> tuple[str, list]:
        """A WHERE clause over chunks `c` joined with documents `d`, and its parameters."""
        clauses, params = [], []
        if self.docs:
            clauses.append(f"c.doc_id IN ({','.join('?' * len(self.docs))})")
            params.extend(self.docs)
        if self.date_from:
            clauses.append("d.date >= ?")
            params.append(self.date_from)
        if self.date_to:
            clauses.append("d.date <= ?")
            params.append(self.date_to)
        # Within a facet any value will do; across facets, all must hold.
        for facet, values in (("countries", self.countries), ("organisations", self.organisations)):
            if values:
                clauses.append("c.id IN (SELECT chunk FROM facets WHERE facet = ? "
                               f"AND value IN ({','.join('?' * len(values))}))")
                params.extend((facet, *values))
        return " AND ".join(clauses) or "1", params


@dataclass(frozen=True)
class FileRecord:
    """A corpus file as the last build saw it: its hash, its metadata's hash, the documents it
    gave, and why it was skipped (None when it was read)."""

    path: str
    sha256: str
    size: int
    meta_hash: str
    doc_ids: tuple[str, ...]
    skipped: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph of a document: what people cite ("para. 4"), with its offsets
    in the document text and its page (PDFs only)."""

    n: int
    start: int
    end: int
    page: int | None = None


def page_at(page_starts, offset: int) -> int | None:
    """1-based page holding `offset`, given where each page starts; None for unpaged text."""
    if not page_starts:
        return None
    return max(1, bisect.bisect_right(page_starts, offset))
