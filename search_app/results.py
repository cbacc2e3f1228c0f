"""The typed values a search returns: passages, hits and their citations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote


@dataclass(frozen=True)
class Citation:
    doc_id: str
    title: str
    date: str | None
    source: str
    page: int | None
    section: str | None
    start: int
    end: int
    url: str
    # The numbered paragraph where the passage starts, and [first, last] it covers.
    paragraph: int | None = None
    paragraphs: tuple[int, int] | None = None


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    chunk_id: str
    text: str
    citation: Citation
    dense_score: float | None = None
    keyword_score: float | None = None


@dataclass(frozen=True)
class Candidate:
    """A chunk on its way through the stages: its row id (also its FAISS id), its score so
    far, and each retriever's own score (None when that retriever did not find it)."""

    chunk: int
    score: float
    dense: float | None = None
    keyword: float | None = None


@dataclass
class Passage:
    """One ranked passage: a chunk, trimmed of what better-ranked chunks already show. A
    citation may also name a run of chunks (`doc:3-4`), which find_passage resolves."""

    doc_id: str
    first: int  # ordinals of the first and last chunk
    last: int
    start: int
    end: int
    score: float
    page: int | None
    heading: str | None
    dense: float | None = None
    keyword: float | None = None
    chunk: int | None = None  # the row id of its (first) chunk, when it came from a search

    @property
    def chunk_id(self) -> str:
        return chunk_key(self.doc_id, self.first, self.last)


def chunk_key(doc_id: str, first: int, last: int | None = None) -> str:
    """`doc:3` for one chunk, `doc:3-4` for the run of chunks 3 and 4."""
    return f"{doc_id}:{first}" if last is None or last == first else f"{doc_id}:{first}-{last}"


def parse_chunk_key(chunk_id: str) -> tuple[str, int, int] | None:
    """(doc_id, first, last) of a chunk id, or None if it is not one of ours."""
    doc_id, sep, ordinals = chunk_id.rpartition(":")
    match = re.fullmatch(r"(\d{1,9})(?:-(\d{1,9}))?", ordinals)
    if not sep or not doc_id or not match:
        return None
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else first
    return (doc_id, first, last) if last >= first else None


@dataclass(frozen=True)
class SearchResult:
    query: str
    mode: str
    took_ms: float
    total: int
    hits: list[Hit] = field(default_factory=list)
    generation: str = ""
    # Facet -> value -> how many of the matching passages name it (facets.py).
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def passage_url(doc_id: str, chunk_id: str) -> str:
    return f"/documents/{quote(doc_id, safe='')}?chunk={quote(chunk_id, safe='')}#passage"


def paragraph_url(doc_id: str, paragraph: int | None = None) -> str:
    """The document page, opened at a numbered paragraph when one is given (/documents/<id>#p4)."""
    url = f"/documents/{quote(doc_id, safe='')}"
    return url if paragraph is None else f"{url}#p{paragraph}"
