"""Document -> Chunks: sentence-aware passages with overlap and exact offsets.

A chunk is a run of whole sentences; `document.text[chunk.start:chunk.end] == chunk.text`
always holds, so a citation can point at the passage in the text the app shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .models import Chunk, Document

# Passage length in words. all-MiniLM-L6-v2 reads 256 word pieces (~190 words), so a chunk
# above ~180 words would be silently truncated by the encoder.
MAX_WORDS = 160
MIN_WORDS = 60
# Sentences carried over into the next chunk, so an answer that straddles a boundary is
# whole in one of them; a long sentence is not repeated.
OVERLAP_SENTENCES = 1
OVERLAP_MAX_WORDS = 45

_WORD = re.compile(r"\S+")
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class ChunkingParams:
    max_words: int = MAX_WORDS
    min_words: int = MIN_WORDS
    overlap_sentences: int = OVERLAP_SENTENCES
    overlap_max_words: int = OVERLAP_MAX_WORDS

    def as_dict(self) -> dict:
        return {
            "max_words": self.max_words,
            "min_words": self.min_words,
            "overlap_sentences": self.overlap_sentences,
            "overlap_max_words": self.overlap_max_words,
            "splitter": "sentencex",
        }


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    words: int


@lru_cache(maxsize=1)
def _segmenter():
    # Imported lazily: a no-change build never chunks anything.
    import sentencex

    return sentencex.segment


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trimmed of whitespace. Lines are hard boundaries:
    after cleaning, a line break separates headings, bullets and paragraphs."""
    segment = _segmenter()
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        line_text = line.group()
        if not line_text.strip():
            continue
        pos = 0
        for sentence in segment("en", line_text):
            piece = sentence.strip()
            if not piece:
                continue
            found = line_text.find(piece, pos)
            if found < 0:  # the segmenter altered the text; fall back to the rest of the line
                found = pos + (len(line_text[pos:]) - len(line_text[pos:].lstrip()))
                piece = line_text[found:].rstrip()
                if not piece:
                    break
                spans.append((line.start() + found, line.start() + found + len(piece)))
                break
            spans.append((line.start() + found, line.start() + found + len(piece)))
            pos = found + len(piece)
    return spans


def _split_long(text: str, start: int, end: int, max_words: int) -> list[_Span]:
    """A sentence longer than a chunk (a 200 kB line with no full stop) is cut at word
    boundaries: the only place a chunk may end inside a sentence."""
    words = list(_WORD.finditer(text, start, end))
    out = []
    for i in range(0, len(words), max_words):
        group = words[i : i + max_words]
        out.append(_Span(group[0].start(), group[-1].end(), len(group)))
    return out


def _sentence_spans(text: str, max_words: int) -> list[_Span]:
    spans: list[_Span] = []
    for start, end in split_sentences(text):
        n = len(_WORD.findall(text, start, end))
        if n > max_words:
            spans.extend(_split_long(text, start, end, max_words))
        elif n:
            spans.append(_Span(start, end, n))
    return spans


def chunk_document(document: Document, params: ChunkingParams = ChunkingParams()) -> list[Chunk]:
    """Greedy packing of whole sentences into chunks of about min..max words, breaking at
    section starts when the chunk is already long enough, with sentence overlap."""
    text = document.text
    spans = _sentence_spans(text, params.max_words)
    if not spans:
        return []
    section_starts = {s.start for s in document.sections}
    # A span that begins a section: the heading line itself starts at the section offset.
    starts_section = [sp.start in section_starts for sp in spans]

    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        j, words = i, 0
        while j < len(spans):
            if j > i and starts_section[j] and words >= params.min_words:
                break
            if words and words + spans[j].words > params.max_words:
                break
            words += spans[j].words
            j += 1
        start, end = spans[i].start, spans[j - 1].end
        chunks.append(
            Chunk(
                doc_id=document.doc_id,
                ordinal=len(chunks),
                start=start,
                end=end,
                text=text[start:end],
                heading=document.section_at(start),
                page=document.page_at(start),
            )
        )
        if j >= len(spans):
            break
        i = _next_start(spans, starts_section, i, j, params)
    return chunks


def _next_start(spans, starts_section, i: int, j: int, params: ChunkingParams) -> int:
    if starts_section[j]:
        return j  # a new section starts clean, without the previous section's tail
    back = j
    carried = 0
    while back > i + 1 and j - back < params.overlap_sentences:
        if carried + spans[back - 1].words > params.overlap_max_words:
            break
        back -= 1
        carried += spans[back].words
    return back


def embedding_text(document: Document, chunk: Chunk) -> str:
    """What the encoder reads: title and section heading give a passage its context
    ("the Meeting agreed..." means little without knowing which meeting)."""
    parts = [document.title]
    if chunk.heading and not chunk.text.startswith(chunk.heading) and chunk.heading != document.title:
        parts.append(chunk.heading)
    parts.append(chunk.text)
    return "\n".join(p for p in parts if p)
