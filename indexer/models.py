"""The small typed values that flow through the indexer and out to the search app."""

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
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))


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
