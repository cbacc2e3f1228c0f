"""Plain text: decoding bytes of unknown encoding without losing a character, and the .txt reader."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from indexer.cleaning import clean_plain_text, find_plain_headings
from indexer.errors import UnreadableDocument
from indexer.metadata import title_from_first_line
from indexer.models import Section
from indexer.readers import Extraction

# UTF-32 first: its little-endian BOM begins with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# Text with more control characters than this is not text.
BINARY_CONTROL_RATIO = 0.1
# Non-UTF-8 English text is nearly always cp1252 (a superset of latin-1). Detection on short
# text often prefers an exotic code page that decodes the same bytes into different letters,
# so cp1252 wins whenever it reads cleanly.
WESTERN_MAX_MESS = 0.1
# A UTF-8 file with a few stray cp1252 bytes (edited with two tools) is still UTF-8.
MIXED_MAX_BAD_BYTES = 16
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_UTF8_MULTIBYTE_RE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_NON_ASCII_LINE_RE = re.compile(r"[^\n]*[^\x00-\x7f][^\n]*")
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
BINARY = "binary content, not text"


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # Python codec name; "utf-8" for UTF-8 with or without BOM


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes, if Python knows it."""
    m = _CHARSET_RE.search(data[:4096])
    if not m:
        return None
    try:
        return codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        return None


def decode_text(data: bytes, path: Path | str, declared: str | None = None) -> DecodedText:
    """Decode file bytes strictly: BOMs, UTF-8, a declared charset, cp1252, then detection.

    Raises UnreadableDocument for empty files and for bytes that are not text."""
    if not data.strip():
        raise UnreadableDocument(path, "empty file")
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return _checked(_strict(data[len(bom) :], codec), label, path)
    if b"\x00" in data:
        codec = _utf16_without_bom(data)
        if codec is None:
            raise UnreadableDocument(path, BINARY)
        return _checked(_strict(data, codec), "utf-16", path)
    text = _strict(data, "utf-8")
    if text is not None:
        return _checked(text, "utf-8", path)
    mixed = _decode_mixed_utf8(data)
    if mixed is not None:
        return _checked(mixed, "utf-8+cp1252", path)
    if declared and declared not in ("utf-8", "ascii"):
        text = _strict(data, declared)
        if text is not None:
            return _checked(text, declared, path)
    text = _strict(data, "cp1252")
    if text is not None and _mess(text) <= WESTERN_MAX_MESS:
        return _checked(text, "cp1252", path)
    best = from_bytes(data).best()
    if best is None:
        raise UnreadableDocument(path, BINARY)
    return _checked(_strict(data, best.encoding), best.encoding, path)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _checked(text: str | None, encoding: str, path: Path | str) -> DecodedText:
    if text is None:
        raise UnreadableDocument(path, BINARY)
    if not text.strip():
        raise UnreadableDocument(path, "empty file")
    sample = text[:1_000_000]
    if len(_CONTROL_RE.findall(sample)) > BINARY_CONTROL_RATIO * len(sample):
        raise UnreadableDocument(path, BINARY)
    return DecodedText(text, encoding)


def _utf16_without_bom(data: bytes) -> str | None:
    # ASCII-range UTF-16 has a zero in every other byte: odd positions (LE) or even (BE).
    if len(data) % 2:
        return None
    half = len(data) // 2
    even_zeros = data[0::2].count(0) / half
    odd_zeros = data[1::2].count(0) / half
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _decode_mixed_utf8(data: bytes) -> str | None:
    """UTF-8 with a few invalid bytes: decode those bytes as cp1252 instead of dropping them."""
    if len(_UTF8_MULTIBYTE_RE.findall(data[:1_000_000])) < 2:
        return None  # no sign of UTF-8 at all: a single-byte encoding
    parts: list[str] = []
    pos = bad = 0
    while True:
        try:
            parts.append(data[pos:].decode("utf-8"))
            return "".join(parts)
        except UnicodeDecodeError as exc:
            bad += 1
            if bad > MIXED_MAX_BAD_BYTES:
                return None
            parts.append(data[pos : pos + exc.start].decode("utf-8"))
            byte = data[pos + exc.start : pos + exc.start + 1]
            try:
                parts.append(byte.decode("cp1252"))
            except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
                parts.append(byte.decode("latin-1"))
            pos += exc.start + 1


def _mess(text: str) -> float:
    # Only lines with non-ASCII characters can be misread; measure those, capped for speed.
    sample = "\n".join(_NON_ASCII_LINE_RE.findall(text[:2_000_000]))[:50_000]
    return mess_ratio(sample, maximum_threshold=1.0) if sample else 0.0


def encoding_extra(decoded: DecodedText) -> dict:
    return {} if decoded.encoding == "utf-8" else {"encoding": decoded.encoding}


def read_text(data: bytes, path: Path, warn: Callable[[str], None]) -> Extraction:
    decoded = decode_text(data, path)
    text = clean_plain_text(decoded.text)
    if not text:
        raise UnreadableDocument(path, "empty file")
    title = title_from_first_line(text)
    sections = find_plain_headings(text)
    if title and text.startswith(title) and not (sections and sections[0].start == 0):
        sections = (Section(start=0, title=title, level=1), *sections)
    return Extraction(text=text, sections=sections, title=title, extra=encoding_extra(decoded))
