"""The last stages of a search: ranked candidates -> passages without text shown twice ->
a page of hits, each with the text and the citation a reader needs."""

from __future__ import annotations

from dataclasses import replace

from indexer.generation import Generation
from indexer.models import DocumentInfo, Paragraph
from indexer.paragraphs import paragraph_at

from .results import Candidate, Citation, Hit, Passage, parse_chunk_key, passage_url

# A chunk left with fewer characters than this, once the parts shown by better-ranked
# chunks are cut away, is not shown at all.
MIN_REMAINDER_CHARS = 120
# A citation may name a run of at most this many chunks after its first.
MAX_RUN = 8


class DocumentCache:
    """Document metadata of one generation, read once per document (a generation never changes)."""

    def __init__(self, generation: Generation):
        self.generation = generation
        self._infos: dict[str, DocumentInfo] = {}
        self._paragraphs: dict[str, tuple[Paragraph, ...]] = {}
        self._listing: list[DocumentInfo] | None = None

    def listing(self) -> list[DocumentInfo]:
        """Every document, newest first, read once."""
        if self._listing is None:
            self._listing = self.generation.documents()
        return self._listing

    def info(self, doc_id: str) -> DocumentInfo | None:
        info = self._infos.get(doc_id)
        if info is None:
            info = self.generation.document_info(doc_id)
            if info is not None:
                self._infos[doc_id] = info
        return info

    def paragraphs(self, doc_id: str) -> tuple[Paragraph, ...]:
        found = self._paragraphs.get(doc_id)
        if found is None:
            found = self._paragraphs[doc_id] = self.generation.paragraphs(doc_id)
        return found

    def locate(self, citation: Citation) -> Citation:
        """The citation with the numbered paragraphs its offsets fall in."""
        paragraphs = self.paragraphs(citation.doc_id)
        first = paragraph_at(paragraphs, citation.start)
        last = paragraph_at(paragraphs, max(citation.start, citation.end - 1))
        if first is None or last is None:
            return citation
        return replace(citation, paragraph=first.n, paragraphs=(first.n, last.n))


def trim_overlaps(candidates: list[Candidate], generation: Generation) -> list[Passage]:
    """Chunks of one document overlap by a sentence; a lower-ranked chunk is shown without
    what a better-ranked one already shows, and not at all if little is left."""
    if not candidates:
        return []
    spans = generation.chunk_spans([c.chunk for c in candidates])
    passages: list[Passage] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for c in candidates:
        chunk = spans.get(c.chunk)
        if chunk is None:
            continue
        kept = remainder(chunk.start, chunk.end, taken.get(chunk.doc_id, ()))
        if kept is None:
            continue
        taken.setdefault(chunk.doc_id, []).append(kept)
        passages.append(Passage(chunk.doc_id, chunk.ordinal, chunk.ordinal, kept[0], kept[1], c.score,
                                chunk.page, chunk.heading, c.dense, c.keyword, c.chunk))
    return passages


def remainder(start: int, end: int, taken) -> tuple[int, int] | None:
    """The longest part of [start, end) outside the taken spans, if it is worth showing.
    Chunks overlap by whole sentences, so the cut falls between sentences."""
    pieces = [(start, end)]
    for t_start, t_end in taken:
        next_pieces = []
        for p_start, p_end in pieces:
            if t_end <= p_start or p_end <= t_start:
                next_pieces.append((p_start, p_end))
                continue
            if p_start < t_start:
                next_pieces.append((p_start, t_start))
            if t_end < p_end:
                next_pieces.append((t_end, p_end))
        pieces = next_pieces
    if not pieces:
        return None
    best = max(pieces, key=lambda p: p[1] - p[0])
    if best == (start, end):
        return best
    return best if best[1] - best[0] >= MIN_REMAINDER_CHARS else None


def cite(passages: list[Passage], generation: Generation, documents: DocumentCache, first_rank: int) -> list[Hit]:
    """Hits for a page of passages: each passage's text sliced from its document (a trimmed
    chunk is a part of its chunk) and its citation, ranked from `first_rank`."""
    hits = []
    for i, p in enumerate(passages):
        text = generation.text_span(p.doc_id, p.start, p.end)
        # A trimmed chunk starts where a better one ended: drop the white space between.
        lead = len(text) - len(text.lstrip())
        text = text.strip()
        start, end = p.start + lead, p.start + lead + len(text)
        info = documents.info(p.doc_id)
        citation = documents.locate(Citation(
            doc_id=p.doc_id, title=info.title, date=info.date, source=info.source,
            page=p.page, section=p.heading, start=start, end=end, url=passage_url(p.doc_id, p.chunk_id),
        ))
        hits.append(Hit(first_rank + i, round(float(p.score), 6), p.chunk_id, text, citation,
                        None if p.dense is None else round(float(p.dense), 6),
                        None if p.keyword is None else round(float(p.keyword), 6)))
    return hits


def find_passage(generation: Generation, doc_id: str, chunk_id: str) -> Passage | None:
    """The passage a citation names (`doc:3` or a run `doc:3-4`), if it is this document's."""
    key = parse_chunk_key(chunk_id)
    if key is None or key[0] != doc_id or key[2] - key[1] > MAX_RUN:
        return None
    run = generation.chunk_run(*key)
    if len(run) != key[2] - key[1] + 1:
        return None
    return Passage(doc_id, key[1], key[2], run[0].start, run[-1].end, 0.0, run[0].page, run[0].heading)
