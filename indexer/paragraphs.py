"""A document's numbered paragraphs, the unit people cite ("para. 4").

Made at build time from the cleaned text, so the numbers are the same for everyone who
cites the document. Two cases:
- the statement numbers its own paragraphs ("1.", "2.", ... in order): those numbers are
  kept, everything after a numbered paragraph (its list items, a sub-clause, a heading
  inside it) belongs to it, and the preamble before "1." is paragraph 0;
- otherwise paragraphs are counted from 1 at the text's own breaks, where a list item
  belongs to the paragraph that introduces it and a short run of heading lines belongs
  to the paragraph it heads.
"""

from __future__ import annotations

import bisect
import re

from .models import Paragraph, page_at

# Bump whenever the rules below change: every file is then read again at the next build
# (no chunk is embedded again), so stored paragraph numbers follow the rules.
PARAGRAPHS_VERSION = 1

_BLOCK = re.compile(r"[^\n]+")
_NUMBERED = re.compile(r"^\s*(\d{1,3})\.\s+\S")
_LIST_ITEM = re.compile(r"^\s*(?:[•\-*–—▪◦·●]|\(?[a-z]\)|\(?[ivx]{1,5}[.)]|\([a-z0-9]{1,3}\))\s+", re.I)
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"”’)\]]*\s*$")
_OPENS_LIST = re.compile(r"[:;]\s*$")
# A heading is a short line without a sentence's end; at most this many in a row are
# taken as the heading of the next paragraph (a slide deck's runs of bare lines are not).
MAX_HEADING_WORDS = 30
MAX_HEADING_RUN = 4


def split_paragraphs(text: str, page_starts: tuple[int, ...] = ()) -> tuple[Paragraph, ...]:
    """The paragraphs of `text`, in order, each with its number, offsets and page."""
    blocks = [(m.start(), m.end()) for m in _BLOCK.finditer(text) if m.group().strip()]
    if not blocks:
        return ()
    # A numbered heading ("1. Victim-centred approaches") numbers a section, not a paragraph.
    numbers = [None if _is_heading(text[a:b]) else _number(text[a:b]) for a, b in blocks]
    if _is_numbered(numbers):
        spans = _numbered(blocks, numbers)
    else:
        spans = _counted(text, blocks)
    return tuple(Paragraph(n, a, b, page_at(page_starts, a)) for n, a, b in spans)


def paragraph_at(paragraphs: tuple[Paragraph, ...] | list[Paragraph], offset: int) -> Paragraph | None:
    """The paragraph holding `offset` (or the last one starting before it, for an offset in
    the white space between paragraphs)."""
    starts = [p.start for p in paragraphs]
    i = bisect.bisect_right(starts, offset) - 1
    return paragraphs[i] if i >= 0 else (paragraphs[0] if paragraphs else None)


def _number(block: str) -> int | None:
    m = _NUMBERED.match(block)
    return int(m.group(1)) if m else None


def _is_numbered(numbers: list[int | None]) -> bool:
    """Whether the document numbers its paragraphs: 1, 2, 3, ... in order, at least three,
    never repeating (a slide deck's agenda "1. 2. 3." then "1." again is not numbering)."""
    seen = [n for n in numbers if n is not None]
    return len(seen) >= 3 and seen == list(range(1, len(seen) + 1))


def _numbered(blocks, numbers) -> list[tuple[int, int, int]]:
    spans: list[list[int]] = []
    for (a, b), n in zip(blocks, numbers):
        if n is not None or not spans:
            spans.append([n if n is not None else 0, a, b])
        else:
            spans[-1][2] = b
    return [(n, a, b) for n, a, b in spans]


def _counted(text: str, blocks) -> list[tuple[int, int, int]]:
    merged: list[list[int]] = []  # [start, end]
    heading_run: list[tuple[int, int]] = []
    for a, b in blocks:
        block = text[a:b]
        is_item = bool(_LIST_ITEM.match(block))
        if not is_item and _is_heading(block):
            heading_run.append((a, b))
            continue
        if heading_run and len(heading_run) <= MAX_HEADING_RUN:
            # A heading ("Objectives of the meeting") opens the paragraph it heads.
            merged.append([heading_run[0][0], b])
        elif merged and not heading_run and (is_item or _OPENS_LIST.search(text[merged[-1][0]:merged[-1][1]])):
            merged[-1][1] = b  # a list item belongs to the paragraph that introduces it
        elif is_item and heading_run:  # a long run of bare lines: the last one introduces the list
            merged.extend([x, y] for x, y in heading_run[:-1])
            merged.append([heading_run[-1][0], b])
        else:
            merged.extend([x, y] for x, y in heading_run)
            merged.append([a, b])
        heading_run = []
    merged.extend([x, y] for x, y in heading_run)
    return [(i + 1, a, b) for i, (a, b) in enumerate(merged)]


def _is_heading(block: str) -> bool:
    return len(block.split()) <= MAX_HEADING_WORDS and not _ENDS_SENTENCE.search(block)
