"""Citations people paste into a brief: the default text style, BibTeX, RIS and CSL-JSON.

"Co-Chairs' Statement: Sixth Bali Process Senior Officials Meeting, Bali (Bali, 22 March 2016),
para. 4, <http://host/documents/...#p4> (accessed 2 December 2026)."
Publisher and place come from corpus/metadata.json ("publisher", "place") when given, the place
otherwise from the text where it says so ("in Bangkok, Thailand"). A missing part is left out,
never shown as "None".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from indexer.models import Document
from indexer.paragraphs import paragraph_at

from .errors import InvalidParameter, SearchError, UnknownDocument, echo
from .naming import MONTH_NAMES
from .results import paragraph_url, parse_chunk_key

FORMATS = {"text": "text/plain", "bibtex": "application/x-bibtex", "ris": "application/x-research-info-systems",
           "csl-json": "application/vnd.citationstyles.csl+json"}
# "in Bangkok, Thailand" / "at Nusa Dua, Bali": a place named as the statement names it.
_PLACE = re.compile(r"\b(?:in|at) ((?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+, (?:[A-Z][a-z]+ ?){1,3})(?=[\s.,;)])")


class UnknownParagraph(SearchError):
    status, code = 404, "unknown_paragraph"

    def __init__(self, doc_id: str, n: int):
        self.name = "paragraph"
        self.message = f"document {echo(doc_id)} has no paragraph {n}"
        super().__init__(self.message)


class UnknownPassage(SearchError):
    status, code = 404, "unknown_passage"

    def __init__(self, chunk_id: str):
        self.name = "chunk"
        self.message = f"no passage with id {echo(chunk_id)}"
        super().__init__(self.message)


@dataclass(frozen=True)
class CitationRecord:
    """What a citation says, whatever the style."""

    doc_id: str
    title: str
    date: str | None
    kind: str
    publisher: str | None
    place: str | None
    paragraph: int | None
    url: str  # absolute permalink of the paragraph (or the document)
    accessed: date


def citation_record(document: Document, paragraph: int | None, base_url: str, accessed: date) -> CitationRecord:
    extra = document.extra or {}
    place = extra.get("place") or _place_in(document.text[:2000])
    url = base_url.rstrip("/") + paragraph_url(document.doc_id, paragraph)
    return CitationRecord(document.doc_id, _one_line(document.title) or document.doc_id, document.date, document.kind,
                          _one_line(extra.get("publisher")), _one_line(place), paragraph, url, accessed)


def paragraph_of_offset(paragraphs, offset: int) -> int | None:
    found = paragraph_at(paragraphs, offset)
    return found.n if found else None


def check_paragraph(doc_id: str, paragraphs, n: int) -> int:
    if not any(p.n == n for p in paragraphs):
        raise UnknownParagraph(doc_id, n)
    return n


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidParameter("format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return fmt


def render_citation(record: CitationRecord, fmt: str) -> str:
    return {"text": as_text, "bibtex": as_bibtex, "ris": as_ris, "csl-json": as_csl_json}[check_format(fmt)](record)


def as_text(r: CitationRecord) -> str:
    head = ", ".join(x for x in (r.publisher, r.title) if x)
    where = ", ".join(x for x in (r.place, _long_date(r.date)) if x)
    parts = [head + (f" ({where})" if where else "")]
    if r.paragraph is not None:
        parts.append(f"para. {r.paragraph}")
    parts.append(f"<{r.url}> (accessed {_long_date(r.accessed.isoformat())})")
    return ", ".join(parts) + "."


def as_bibtex(r: CitationRecord) -> str:
    year = r.date[:4] if r.date else None
    key = re.sub(r"[^A-Za-z0-9]+", "", r.doc_id)[:40] + (f"p{r.paragraph}" if r.paragraph is not None else "")
    fields = [("title", "{" + _bib(r.title) + "}"), ("author", "{" + _bib(r.publisher) + "}" if r.publisher else None),
              ("organization", _bib(r.publisher) if r.publisher else None), ("address", _bib(r.place) if r.place else None),
              ("year", year), ("date", r.date), ("howpublished", "\\url{" + r.url + "}"), ("url", r.url),
              ("note", f"para. {r.paragraph}" if r.paragraph is not None else None), ("urldate", r.accessed.isoformat())]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}\n"


def as_ris(r: CitationRecord) -> str:
    lines = [("TY", "GOVDOC" if r.kind == "statement" else "GEN"), ("TI", r.title), ("PB", r.publisher),
             ("CY", r.place), ("PY", r.date[:4] if r.date else None),
             ("DA", r.date.replace("-", "/") if r.date else None), ("UR", r.url),
             ("N1", f"para. {r.paragraph}" if r.paragraph is not None else None),
             ("Y2", r.accessed.strftime("%Y/%m/%d")), ("ER", "")]
    return "".join(f"{tag}  - {value}\n" for tag, value in lines if value is not None)


def as_csl_json(r: CitationRecord) -> str:
    item: dict = {"id": r.doc_id + (f"-p{r.paragraph}" if r.paragraph is not None else ""),
                  "type": "document", "title": r.title, "URL": r.url,
                  "accessed": {"date-parts": [[r.accessed.year, r.accessed.month, r.accessed.day]]}}
    if r.publisher:
        item["publisher"] = r.publisher
    if r.place:
        item["publisher-place"] = r.place
    if r.date:
        item["issued"] = {"date-parts": [[int(x) for x in r.date.split("-")]]}
    if r.paragraph is not None:
        item["locator"], item["label"] = str(r.paragraph), "paragraph"
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


def _place_in(text: str) -> str | None:
    m = _PLACE.search(text)
    return m.group(1).strip() if m else None


def _long_date(iso: str | None) -> str | None:
    if not iso:
        return None
    y, m, d = iso.split("-")
    return f"{int(d)} {MONTH_NAMES[int(m) - 1]} {y}"


def _one_line(value) -> str | None:
    """A value on one line: a line break in a title or in metadata would start a new record
    in RIS or a new field in BibTeX."""
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


_BIB_SPECIAL = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _bib(text: str) -> str:
    return re.sub(r"[&%$#_{}\\~^]", lambda m: _BIB_SPECIAL.get(m.group(), "\\" + m.group()), text)


def resolve_citation(searcher, chunk: str | None, doc: str | None, paragraph: int | None,
                     base_url: str, accessed: date) -> CitationRecord:
    """The citation a request names: a passage (`chunk`), or a document's paragraph
    (`doc` + `paragraph`), or a whole document (`doc`)."""
    if chunk:
        key = parse_chunk_key(chunk)
        passage = searcher.find_passage(key[0], chunk) if key else None
        if passage is None:
            raise UnknownPassage(chunk)
        doc_id = passage.doc_id
        n = paragraph_of_offset(searcher.documents.paragraphs(doc_id), passage.start)
    elif doc:
        doc_id = doc
        if searcher.document_info(doc_id) is None:
            raise UnknownDocument(doc_id)
        n = None if paragraph is None else check_paragraph(doc_id, searcher.documents.paragraphs(doc_id), paragraph)
    else:
        raise InvalidParameter("chunk", "give chunk=<chunk_id>, or doc=<doc_id> with paragraph=<n>")
    return citation_record(searcher.generation.document(doc_id), n, base_url, accessed)
