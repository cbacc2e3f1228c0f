"""Document identity and descriptive fields: corpus/metadata.json, ids, titles, dates, kinds.

Precedence for every field: metadata.json, then what the document says about itself, then the
file name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from indexer.errors import UnreadableDocument
from indexer.models import KINDS

METADATA_FILE = "metadata.json"
# A document's own date is the first one in its opening: later dates are usually references
# to other events.
DATE_SCAN_CHARS = 800
# Longer first lines are sentences, not titles.
TITLE_MAX_CHARS = 150
DESCRIPTIVE_KEYS = ("title", "date", "kind")

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = (
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<year>\d{4})\b", re.IGNORECASE),
    re.compile(r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b", re.IGNORECASE),
)
_ISO_PREFIX_RE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_FILENAME_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[-_ .]+|$)")
_STRICT_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KIND_WORDS = {
    "statement": "statement", "statements": "statement", "communique": "statement",
    "declaration": "statement", "report": "report", "reports": "report",
    "slides": "slides", "slide": "slides", "deck": "slides", "presentation": "slides",
    "article": "article", "news": "article", "commentary": "article",
}  # fmt: skip
_JUNK_TITLES = {"untitled", "document", "title", "slide 1", "presentation", "powerpoint presentation"}
_FILE_TITLE_RE = re.compile(r"\.(docx?|pdf|pptx?|rtf|txt|indd|odt|xlsx?)$", re.IGNORECASE)


@dataclass(frozen=True)
class Description:
    """The descriptive fields of a document after precedence has been applied."""

    title: str
    date: str | None
    kind: str
    extra: dict = field(default_factory=dict)


# --- metadata.json ---------------------------------------------------------------------------


def _ignore(message: str) -> None:
    pass


def load_metadata(corpus_root: Path, warn: Callable[[str], None] = _ignore) -> dict[str, dict]:
    """Read corpus_root/metadata.json: {relative path: {"title", "date", "kind", ...}}.

    A missing file means no metadata. A file we cannot read as a JSON object raises
    UnreadableDocument with the reason. A field we cannot trust is dropped, not the file: `warn`
    hears which entry and field, and why, and the entry's other fields stand ("news" is read as
    the kind "article"; a kind we do not know leaves the kind to the document and its file name)."""
    path = Path(corpus_root) / METADATA_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise UnreadableDocument(path, exc.strerror or str(exc)) from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise UnreadableDocument(path, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    if not isinstance(data, dict):
        raise UnreadableDocument(path, f"expected a JSON object mapping file paths to entries, got {type(data).__name__}")
    entries: dict[str, dict] = {}
    for key, entry in data.items():
        relpath = key.replace("\\", "/").removeprefix("./")
        if not isinstance(entry, dict):
            warn(f"{METADATA_FILE}: entry {key!r} ignored: expected an object, got {type(entry).__name__}")
            continue
        entry = dict(entry)
        for name, problem in _field_problems(entry):
            warn(f"{METADATA_FILE}: entry {key!r}: {problem}; {name} ignored")
            del entry[name]
        if "kind" in entry:
            kind = _spoken_kind(entry["kind"])
            entry["kind"] = KIND_SYNONYMS.get(kind, kind)
        entries[relpath] = entry
    return entries


# Kinds statements come in, as the kinds we file them under.
KIND_SYNONYMS = {"news": "article", "media release": "article", "press release": "article", "commentary": "article",
                 "speech": "statement", "remarks": "statement", "communique": "statement", "declaration": "statement",
                 "presentation": "slides", "deck": "slides", "brief": "report", "policy brief": "report"}


def _spoken_kind(kind: str) -> str:
    """A kind as the tables spell it: "Media  Release" is "media release"."""
    return " ".join(kind.lower().split())


def _field_problems(entry: dict) -> list[tuple[str, str]]:
    title, date, kind = entry.get("title"), entry.get("date"), entry.get("kind")
    problems = []
    if title is not None and (not isinstance(title, str) or not title.strip()):
        problems.append(("title", "title must be a non-empty string"))
    if date is not None and (not isinstance(date, str) or not is_iso_date(date)):
        problems.append(("date", f"date must be YYYY-MM-DD, got {date!r}"))
    if kind is not None and (not isinstance(kind, str) or _spoken_kind(kind) not in (*KINDS, *KIND_SYNONYMS)):
        problems.append(("kind", f"kind must be one of {', '.join(KINDS)}, got {kind!r}"))
    return problems


def describe(relpath: str, entry: Mapping, found_title: str | None, found_date: str | None) -> Description:
    """Apply the precedence metadata > document > file name to title, date and kind."""
    name = relpath.rsplit("/", 1)[-1]
    title = entry.get("title") or found_title or title_from_filename(name)
    date = entry.get("date") or found_date or date_from_filename(name)
    kind = entry.get("kind") or kind_from_filename(name) or "document"
    extra = {k: v for k, v in entry.items() if k not in DESCRIPTIVE_KEYS}
    return Description(title=" ".join(title.split()), date=date, kind=kind, extra=extra)


# --- ids -------------------------------------------------------------------------------------


def slugify(text: str) -> str:
    """Lowercase ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def doc_id_for(relpath: str, external_id: str | None = None) -> str:
    """Stable, URL-path-safe id: the slugged relative path without its extension, folders
    joined by '--'; for a document inside a .jsonl file, f"{file_slug}.{slug(external_id)}".

    A name with nothing sluggable (e.g. all non-Latin) falls back to a short hash of it."""
    parts = [p for p in relpath.replace("\\", "/").split("/") if p not in ("", ".")]
    if parts:
        stem = parts[-1].rsplit(".", 1)[0] if "." in parts[-1].lstrip(".") else parts[-1]
        parts[-1] = stem
    file_slug = "--".join(s for s in (slugify(p) for p in parts) if s) or f"doc-{_short_hash(relpath)}"
    if external_id is None:
        return file_slug
    return f"{file_slug}.{slugify(str(external_id)) or _short_hash(str(external_id))}"


# --- dates -----------------------------------------------------------------------------------


def is_iso_date(value: str) -> bool:
    if not _STRICT_DATE_RE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def find_date(text: str, limit: int = DATE_SCAN_CHARS) -> str | None:
    """The first full date in the opening of `text`, as YYYY-MM-DD.

    Understands 2023-11-09, 22 March 2016, 22nd of March 2016, March 18, 2024 and abbreviated
    months; in "7, 8 and 9 November 2023" the first full date is 9 November 2023."""
    head = text[:limit]
    found = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(head):
            parts = m.groupdict()
            month = int(parts["mnum"]) if parts.get("mnum") else _MONTHS[parts["month"].lower()]
            iso = _iso(int(parts["year"]), month, int(parts["day"]))
            if iso:
                found.append((m.start(), iso))
                break
    return min(found)[1] if found else None


def parse_date(value: str) -> str | None:
    """A date from a metadata value: ISO (with or without time), 2024/03/18, or written out."""
    m = _ISO_PREFIX_RE.match(value)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return find_date(value)


def date_from_filename(name: str) -> str | None:
    m = _FILENAME_DATE_RE.match(name)
    return m.group(1) if m and is_iso_date(m.group(1)) else None


# --- titles and kinds ------------------------------------------------------------------------


def title_from_filename(name: str) -> str:
    """'2024-03-18-bali-process_meeting.txt' -> 'Bali process meeting'."""
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    rest = _FILENAME_DATE_RE.sub("", stem)
    words = re.sub(r"[-_\s]+", " ", rest).strip()
    if not words:
        return stem
    return words[0].upper() + words[1:]


def title_from_first_line(text: str) -> str | None:
    """A short first line without a final period is a title."""
    first = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    if not first or len(first) >= TITLE_MAX_CHARS or first.endswith((".", ",", ";")):
        return None
    return first if any(ch.isalpha() for ch in first) else None


def is_meaningful_title(title: str | None) -> bool:
    """False for the placeholder titles authoring tools leave behind."""
    if not title:
        return False
    t = " ".join(title.split())
    if len(t) < 3 or not any(ch.isalpha() for ch in t):
        return False
    lowered = t.lower()
    return not (
        lowered in _JUNK_TITLES
        or lowered.startswith(("microsoft word - ", "microsoft powerpoint - "))
        or _FILE_TITLE_RE.search(t)
    )


def kind_from_filename(name: str) -> str | None:
    for word in re.split(r"[^a-z]+", name.lower()):
        if word in _KIND_WORDS:
            return _KIND_WORDS[word]
    return None
