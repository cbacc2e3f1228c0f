"""Read one corpus file into Documents: dispatch by extension to a reader, then apply metadata.

    read_documents(path, corpus_root, metadata, warn) -> list[Document]

One Document per file for every format, many for .jsonl. A file that cannot be used raises
UnreadableDocument with a one-line reason; partial problems go to `warn`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import UnreadableDocument
from indexer.facets import FACETS_VERSION
from indexer.paragraphs import PARAGRAPHS_VERSION
from indexer.metadata import describe, doc_id_for, find_date, load_metadata
from indexer.models import Document
from indexer.readers import Extraction
from indexer.readers.html import read_html
from indexer.readers.jsonl import read_jsonl
from indexer.readers.markdown import read_markdown
from indexer.readers.pdf import read_pdf
from indexer.readers.text import read_text
from indexer.readers.word import read_docx

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_JSONL_BYTES",
    "READERS",
    "SUPPORTED_SUFFIXES",
    "doc_id_for",
    "load_metadata",
    "read_documents",
    "reader_labels",
]

ReadFile = Callable[[bytes, Path, Callable[[str], None]], Extraction]


@dataclass(frozen=True)
class Reader:
    """One format's reader. Bump `version` whenever what it makes of a file changes: the next
    build then reads that format's files again (their unchanged chunks keep their vectors)."""

    name: str
    version: int
    read: ReadFile | None = None  # None: the format is streamed by its own function (jsonl)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


_TEXT, _MARKDOWN, _HTML = Reader("text", 1, read_text), Reader("markdown", 1, read_markdown), Reader("html", 1, read_html)
READERS: dict[str, Reader] = {
    ".txt": _TEXT,
    ".md": _MARKDOWN,
    ".markdown": _MARKDOWN,
    ".html": _HTML,
    ".htm": _HTML,
    ".pdf": Reader("pdf", 1, read_pdf),
    ".docx": Reader("docx", 1, read_docx),
    ".jsonl": Reader("jsonl", 1),
}
# The suffixes the readers above take (READERS is the registry a build consults).
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(READERS)
# Whole files are read into memory; a statement is far smaller than this. A .jsonl file is
# streamed line by line and holds a whole corpus, so it may be much larger.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_JSONL_BYTES = 500 * 1024 * 1024


def read_documents(
    path: Path,
    corpus_root: Path,
    metadata: Mapping[str, dict] | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[Document]:
    """The documents in one corpus file. `metadata` is load_metadata()'s mapping; its entry for
    this file wins over anything read from the file."""
    path = Path(path)
    warn = warn or _ignore
    relpath = relative_source(path, corpus_root)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        shown = f"'{suffix}'" if suffix else "without an extension"
        raise UnreadableDocument(path, f"unsupported file type {shown} (supported: {', '.join(sorted(READERS))})")
    entry = (metadata or {}).get(relpath, {})
    size = _file_size(path)
    limit = MAX_JSONL_BYTES if suffix == ".jsonl" else MAX_FILE_BYTES
    if size > limit:
        raise UnreadableDocument(path, f"file too large ({_megabytes(size)} MB, limit {_megabytes(limit)} MB)")
    if size == 0:
        raise UnreadableDocument(path, "empty file")
    if suffix == ".jsonl":
        return read_jsonl(path, relpath, entry, warn)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(path, exc.strerror or str(exc)) from exc
    if not data.strip():
        raise UnreadableDocument(path, "empty file")
    found = READERS[suffix].read(data, path, warn)
    described = describe(relpath, entry, found.title, found.date or find_date(found.text))
    return [
        Document(
            doc_id=doc_id_for(relpath),
            source=relpath,
            title=described.title,
            text=found.text,
            date=described.date,
            kind=described.kind,
            sections=found.sections,
            page_starts=found.page_starts,
            extra={**found.extra, **described.extra},
        )
    ]


def relative_source(path: Path, corpus_root: Path) -> str:
    """The path relative to the corpus, with forward slashes (just the name if outside it)."""
    for candidate, root in ((path, Path(corpus_root)), (path.resolve(), Path(corpus_root).resolve())):
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.name


def _file_size(path: Path) -> int:
    try:
        if path.is_dir():
            raise UnreadableDocument(path, "is a directory, not a file")
        return path.stat().st_size
    except OSError as exc:
        raise UnreadableDocument(path, exc.strerror or str(exc)) from exc


def _megabytes(size: int) -> str:
    mb = size / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 10 else f"{mb:.1f}".rstrip("0").rstrip(".")


def _ignore(message: str) -> None:
    pass


def reader_labels() -> dict[str, str]:
    """Which reader (and version) each supported suffix gets: recorded in every generation's
    manifest, so that a file whose reader is new or changed is read again."""
    return {suffix: f"{reader.label}+paragraphs@{PARAGRAPHS_VERSION}+facets@{FACETS_VERSION}" for suffix, reader in sorted(READERS.items())}
