"""Presentation helpers shared by the JSON and HTML renderings (no web framework here).

Highlighting splits the raw text into pieces, escapes every piece, and only then wraps the
matching pieces in <mark>: markup is never inserted into unescaped text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from indexer.terms import query_words

# Citations name the file as it sits in the corpus folder (DESIGN.md section 4).
SOURCE_PREFIX = "corpus/"
# A term shorter than this only highlights whole words (no "a*" lighting up everything).
MIN_PREFIX_TERM = 3


def public_source(source: str) -> str:
    return source if source.startswith(SOURCE_PREFIX) else SOURCE_PREFIX + source


def term_pattern(query: str) -> re.Pattern | None:
    """Matches the query's content words in a text, with their inflections (victim ->
    victims), case-insensitively."""
    alternatives = []
    for term in query_words(query):
        body = re.escape(term)
        alternatives.append(body + r"\w*" if len(term) >= MIN_PREFIX_TERM else body + r"\b")
    if not alternatives:
        return None
    # Longest first, so "trafficking" wins over "traffic".
    alternatives.sort(key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + ")", re.IGNORECASE | re.UNICODE)


def highlight(text: str, query: str) -> Markup:
    """`text` escaped, with the query's terms wrapped in <mark>."""
    pattern = term_pattern(query)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup("<mark>") + escape(match.group(0)) + Markup("</mark>"))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def answer_markup(answer, query: str) -> Markup:
    """The answering sentence escaped, with the short answer in <mark class="answer-span"> and
    the query's terms highlighted around it."""
    span = getattr(answer, "span", None)
    if span is None:
        return highlight(answer.text, query)
    before, inside, after = split_at(answer.text, span.start - answer.citation.start, span.end - answer.citation.start)
    return (highlight(before, query) + Markup('<mark class="answer-span">') + escape(inside) + Markup("</mark>")
            + highlight(after, query))


def split_at(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The text before, inside and after [start, end), clamped to the text."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    return text[:start], text[start:end], text[end:]


@dataclass(frozen=True)
class ParagraphView:
    """A paragraph as the document page shows it: its number and its text in pieces, the
    pieces inside the cited passage marked."""

    n: int
    page: int | None
    pieces: tuple[tuple[str, bool], ...]


def paragraph_views(text: str, paragraphs, mark: tuple[int, int] | None) -> list[ParagraphView]:
    """The document's paragraphs in order, each cut where the marked passage starts and ends."""
    views = []
    for p in paragraphs:
        pieces: list[tuple[str, bool]] = []
        if mark is None or mark[1] <= p.start or p.end <= mark[0]:
            pieces.append((text[p.start:p.end], False))
        else:
            a, b = max(p.start, mark[0]), min(p.end, mark[1])
            pieces.extend(piece for piece in ((text[p.start:a], False), (text[a:b], True), (text[b:p.end], False))
                          if piece[0])
        views.append(ParagraphView(p.n, p.page, tuple(pieces)))
    return views
