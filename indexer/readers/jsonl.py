"""JSON Lines: one document per line, for bulk loads of exported statements and for benchmark
corpora such as BEIR SciFact ({"_id", "title", "text", "metadata"}).

The file is streamed line by line (it may be large). A bad line is skipped with a warning;
the rest of the file is kept."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from indexer.cleaning import clean_plain_text, find_plain_headings
from indexer.errors import UnreadableDocument
from indexer.metadata import (
    DESCRIPTIVE_KEYS,
    doc_id_for,
    kind_from_filename,
    parse_date,
    title_from_first_line,
)
from indexer.models import KINDS, Document

# Past this many, warnings about bad lines are summed up in one line instead of flooding.
MAX_LINE_WARNINGS = 50
# Documents without a title get the opening of their text, cut at a word.
FALLBACK_TITLE_CHARS = 80


def read_jsonl(path: Path, relpath: str, entry: Mapping, warn: Callable[[str], None]) -> list[Document]:
    """Documents from a .jsonl file. File-level metadata gives defaults for date and kind and
    extra keys; each line's own fields win for its document."""
    name = relpath.rsplit("/", 1)[-1]
    defaults = _Defaults(
        relpath=relpath,
        date=entry.get("date"),
        kind=entry.get("kind") or kind_from_filename(name) or "document",
        extra={k: v for k, v in entry.items() if k not in DESCRIPTIVE_KEYS},
    )
    documents: list[Document] = []
    first_line_of: dict[str, int] = {}  # external id -> line
    owner_of: dict[str, tuple[str, int]] = {}  # doc id -> (external id, line)
    problems: list[tuple[int, str]] = []
    lines_seen = 0

    def report(lineno: int, reason: str) -> None:
        problems.append((lineno, reason))
        if len(problems) <= MAX_LINE_WARNINGS:
            warn(f"{relpath}:{lineno}: {reason}")

    try:
        with path.open("rb") as handle:
            for lineno, raw in enumerate(handle, start=1):
                if lineno == 1:
                    raw = raw.removeprefix(codecs.BOM_UTF8)
                if not raw.strip():
                    continue
                lines_seen += 1
                # Problems with optional fields are noted, and the line is kept.
                result = _document_from_line(raw, defaults, lambda r, n=lineno: warn(f"{relpath}:{n}: {r}"))
                if isinstance(result, str):
                    report(lineno, result)
                    continue
                ext_id = result.external_id or ""
                if ext_id in first_line_of:
                    report(lineno, f"duplicate id {ext_id!r} (first on line {first_line_of[ext_id]})")
                    continue
                if result.doc_id in owner_of:
                    other, other_line = owner_of[result.doc_id]
                    report(lineno, f"id {ext_id!r} gives the same document id as {other!r} on line {other_line}")
                    continue
                first_line_of[ext_id] = lineno
                owner_of[result.doc_id] = (ext_id, lineno)
                documents.append(result)
    except OSError as exc:
        raise UnreadableDocument(path, exc.strerror or str(exc)) from exc
    if len(problems) > MAX_LINE_WARNINGS:
        warn(f"{relpath}: {len(problems) - MAX_LINE_WARNINGS} more bad lines skipped")
    if not documents:
        if not lines_seen:
            raise UnreadableDocument(path, "empty file")
        lineno, reason = problems[0]
        raise UnreadableDocument(path, f"no usable lines ({len(problems)} bad; line {lineno}: {reason})")
    return documents


@dataclass(frozen=True)
class _Defaults:
    relpath: str
    date: str | None
    kind: str
    extra: dict


def _document_from_line(raw: bytes, defaults: _Defaults, note: Callable[[str], None]) -> Document | str:
    """The document on one line, or the reason the line cannot be used."""
    try:
        obj = json.loads(raw)
    except UnicodeDecodeError:
        return "not valid UTF-8"
    except json.JSONDecodeError as exc:
        return f"invalid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    ext_id = obj.get("_id", obj.get("id"))
    if ext_id is None or ext_id == "":
        return "missing id ('_id' or 'id')"
    if isinstance(ext_id, bool) or not isinstance(ext_id, (str, int)):
        return f"id must be a string or a number, got {type(ext_id).__name__}"
    ext_id = str(ext_id).strip()
    body = obj.get("text")
    if body is None:
        return "missing text"
    if not isinstance(body, str):
        return f"text must be a string, got {type(body).__name__}"
    text = clean_plain_text(body)
    if not text:
        return "empty text"
    title = obj.get("title")
    title = " ".join(title.split()) if isinstance(title, str) else ""
    return Document(
        doc_id=doc_id_for(defaults.relpath, ext_id),
        source=defaults.relpath,
        title=title or title_from_first_line(text) or _excerpt(text),
        text=text,
        date=_line_date(obj.get("date"), note) or defaults.date,
        kind=_line_kind(obj.get("kind"), note) or defaults.kind,
        sections=find_plain_headings(text),
        external_id=ext_id,
        extra=_line_extra(obj.get("metadata"), defaults.extra),
    )


def _line_date(value: object, note: Callable[[str], None]) -> str | None:
    if value in (None, ""):
        return None
    date = parse_date(value) if isinstance(value, str) else None
    if date is None:
        note(f"date {value!r} is not a date; ignored")
    return date


def _line_kind(value: object, note: Callable[[str], None]) -> str | None:
    if value in (None, ""):
        return None
    if value not in KINDS:
        note(f"kind {value!r} is not one of {', '.join(KINDS)}; ignored")
        return None
    return str(value)


def _line_extra(metadata: object, base: dict) -> dict:
    extra = dict(base)
    if isinstance(metadata, dict) and metadata:
        extra["metadata"] = metadata
    return extra


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= FALLBACK_TITLE_CHARS:
        return flat
    return flat[:FALLBACK_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
