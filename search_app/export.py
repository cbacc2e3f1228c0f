"""Search results as CSV, for researchers who collect passages in a spreadsheet: one row per
passage with every citation column, links made absolute so they work outside the site."""

from __future__ import annotations

import csv
import io

from .display import public_source
from .errors import InvalidParameter

FORMATS = ("json", "csv")
CSV_COLUMNS = ("rank", "score", "title", "date", "paragraph", "paragraphs", "page", "section", "doc_id",
               "source", "start", "end", "url", "chunk_id", "text")


def wants_csv(fmt: str | None, accept: str | None) -> bool:
    """`format=csv`, or no format and an Accept header asking for text/csv."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise InvalidParameter("format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
        return fmt == "csv"
    return "text/csv" in (accept or "").lower()


def results_csv(result, base_url: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(CSV_COLUMNS)
    base = base_url.rstrip("/")
    for hit in result.hits:
        c = hit.citation
        paragraphs = f"{c.paragraphs[0]}-{c.paragraphs[1]}" if c.paragraphs else ""
        writer.writerow([hit.rank, hit.score, _cell(c.title), c.date or "", _blank(c.paragraph), paragraphs,
                         _blank(c.page), _cell(c.section or ""), _cell(c.doc_id), _cell(public_source(c.source)), c.start, c.end,
                         base + c.url, _cell(hit.chunk_id), _cell(hit.text)])
    return out.getvalue()


def _blank(value) -> str:
    return "" if value is None else str(value)


def _cell(text: str) -> str:
    """A spreadsheet runs a cell starting with = + - @ as a formula: statements are untrusted
    text, so such a cell is prefixed with an apostrophe (OWASP's CSV injection advice)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
