"""Atom 1.0 feeds of a search or a timeline: one entry per statement that addresses the query,
newest first, so that a feed reader (or an email-by-feed service) tells a user when a new
statement matches a saved search.

An entry's id is a tag URI made from the document id, which comes from the file's path and so
is the same in every generation: a rebuild never shows a statement again as new. The feed's
id is made from its query string in a canonical order."""

from __future__ import annotations

import re
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from .results import paragraph_url

ATOM = "http://www.w3.org/2005/Atom"
# A tag URI's authority and date (RFC 4151): fixed, so ids never change.
TAG = "tag:statement-search.org,2026"
SUMMARY_CHARS = 600
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def entry_id(doc_id: str) -> str:
    return f"{TAG}:document/{doc_id}"


def feed_id(kind: str, query: dict) -> str:
    return f"{TAG}:{kind}?" + urlencode(sorted((k, v) for k, vs in query.items()
                                               for v in (vs if isinstance(vs, list) else [vs])))


def _stamp(day: str | None, fallback: str) -> str:
    return f"{day}T00:00:00Z" if day else fallback


def render_atom(timeline, kind: str, query: dict, base_url: str, page_path: str, built_at: str) -> bytes:
    """The feed of a Timeline (timeline.py) as Atom XML. `query` is the request's topic and
    filters (for the feed's id and links), `base_url` ends in "/", `built_at` (the
    generation's build time, RFC 3339) dates undated statements and an empty feed."""
    # Plain tag names under a default namespace declared on the root: ElementTree's
    # default_namespace option refuses the unqualified attributes Atom uses (rel, href).
    feed = ET.Element("feed", {"xmlns": ATOM})
    qs = urlencode(query, doseq=True)
    entries = sorted(timeline.entries, key=lambda e: (e.date is not None, e.date or ""), reverse=True)
    stamps = [_stamp(e.date, built_at) for e in entries]
    _text(feed, "id", feed_id(kind, query))
    _text(feed, "title", f"Statements on “{timeline.query}”")
    _text(feed, "subtitle", "Every statement that addresses this topic, newest first (statement-search).")
    _text(feed, "updated", max(stamps) if stamps else built_at)
    _link(feed, "self", f"{base_url}feeds/{kind}.atom?{qs}", "application/atom+xml")
    _link(feed, "alternate", f"{base_url}{page_path}?{qs}", "text/html")
    author = ET.SubElement(feed, "author")
    _text(author, "name", "statement-search")
    _text(feed, "generator", "statement-search")
    for entry, stamp in zip(entries, stamps):
        node = ET.SubElement(feed, "entry")
        _text(node, "id", entry_id(entry.doc_id))
        _text(node, "title", entry.title)
        _text(node, "updated", stamp)
        if entry.date:
            _text(node, "published", stamp)
        best = entry.passages[0] if entry.passages else None
        where = paragraph_url(entry.doc_id, best.citation.paragraph) if best else paragraph_url(entry.doc_id)
        _link(node, "alternate", base_url + where.lstrip("/"), "text/html")
        ET.SubElement(node, "category", {"term": entry.kind})
        if best:
            text = best.text if len(best.text) <= SUMMARY_CHARS else best.text[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
            paragraph = f", para. {best.citation.paragraph}" if best.citation.paragraph is not None else ""
            _text(node, "summary", f"{text} ({entry.title}{', ' + entry.date if entry.date else ''}{paragraph})")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, text: str) -> None:
    # A statement may hold characters XML 1.0 forbids (form feeds, stray controls): dropped.
    ET.SubElement(parent, tag).text = _NOT_XML.sub("", text)


def _link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    ET.SubElement(parent, "link", {"rel": rel, "href": href, "type": media_type})
