"""One reader per file format. Each turns a file's bytes into an Extraction; documents.py
applies metadata and file-name fallbacks on top."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.models import Section


@dataclass(frozen=True)
class Extraction:
    """What a reader found in one file: the final text with its offsets, and the title and
    date the document gives for itself (None when it gives none)."""

    text: str
    sections: tuple[Section, ...] = ()
    page_starts: tuple[int, ...] = ()
    title: str | None = None
    date: str | None = None
    extra: dict = field(default_factory=dict)
