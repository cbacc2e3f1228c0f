"""Hybrid retrieval over one index generation: dense (FAISS) and keyword (BM25, see
keywords.py) candidates fused into one ranking, with filters, paging and citations.

A plain library: no web imports. The JSON API and the HTML pages both call `Searcher.search`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date

import numpy as np

from indexer.generation import DocumentInfo, Generation
from indexer.vectors import search_vectors, use_one_search_thread

from .errors import InvalidParameter, UnknownDocument
from .fusion import FUSIONS, MIN_CANDIDATES, fuse_convex, fuse_rrf
from .keywords import KeywordIndex, allowed_ids
from .results import (  # noqa: F401
    Citation,
    Hit,
    Passage,
    SearchResult,
    chunk_key,
    parse_chunk_key,
    passage_url,
)

MODES = ("hybrid", "semantic", "keyword")
MAX_QUERY_CHARS = 1000
MAX_K = 100
MAX_OFFSET = 1000
QUERY_CACHE_SIZE = 512
# Sentence vectors remembered for answer picking (~1.5 kB each).
SENTENCE_CACHE_SIZE = 20_000
# A chunk left with fewer characters than this, once the parts shown by better-ranked
# chunks are cut away, is not shown at all.
MIN_REMAINDER_CHARS = 120

@dataclass(frozen=True)
class SearchRequest:
    query: str
    k: int = 10
    offset: int = 0
    docs: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    mode: str = "hybrid"

    def validated(self) -> "SearchRequest":
        """Raise InvalidParameter naming the first bad field; returns a normalised copy."""
        query = (self.query or "").strip()
        if not query:
            raise InvalidParameter("q", "the query is empty")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidParameter("q", f"the query has {len(query)} characters; the limit is {MAX_QUERY_CHARS}")
        if not 1 <= self.k <= MAX_K:
            raise InvalidParameter("k", f"k must be between 1 and {MAX_K}, got {self.k}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidParameter("offset", f"offset must be between 0 and {MAX_OFFSET}, got {self.offset}")
        if self.mode not in MODES:
            raise InvalidParameter("mode", f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidParameter("date_from", f"date_from {self.date_from} is after date_to {self.date_to}")
        return SearchRequest(query, self.k, self.offset, tuple(dict.fromkeys(self.docs)), self.date_from, self.date_to, self.mode)

    @property
    def filtered(self) -> bool:
        return bool(self.docs or self.date_from or self.date_to)


class Searcher:
    """Answers SearchRequests against one Generation. Cheap to create; thread-safe."""

    def __init__(self, generation: Generation, embedder, fusion: str = "convex", executor: Executor | None = None):
        self.generation = generation
        self.embedder = embedder
        if fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}, got {fusion!r}")
        self.fusion = fusion
        # Given an executor, hybrid search runs its keyword half there while this thread
        # encodes the query: SQLite and ONNX Runtime both release the GIL.
        self.executor = executor
        use_one_search_thread()
        self._doc_cache: dict[str, DocumentInfo] = {}
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._sentence_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.keywords = KeywordIndex(generation)
        self._cache_lock = threading.Lock()  # requests share the query cache across threads

    # ------------------------------------------------------------ public

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        request = request.validated()
        for doc_id in request.docs:
            if self.document_info(doc_id) is None:
                raise UnknownDocument(doc_id)
        passages = self.rank(request, request.offset + request.k)
        page = passages[request.offset : request.offset + request.k]
        texts = self._texts(page)
        hits = [self._hit(request.offset + i + 1, p, texts[i]) for i, p in enumerate(page)]
        took = (time.perf_counter() - started) * 1000
        return SearchResult(request.query, request.mode, round(took, 2), len(passages), hits, self.generation.name)

    def rank(self, request: SearchRequest, needed: int) -> list["Passage"]:
        """The fused ranking as passages, without text shown twice."""
        n = max(MIN_CANDIDATES, 3 * needed)
        allowed = self._allowed_ids(request) if request.filtered else None
        if allowed is not None and len(allowed) == 0:
            return []
        expansions = self.keywords.expansions(request.query)
        dense_text = _dense_text(request.query, expansions)
        pending = None
        if request.mode == "hybrid" and self.executor is not None:
            pending = self.executor.submit(self.keywords.search, request, n, expansions, allowed)
        dense = self._dense(dense_text, n, allowed) if request.mode in ("hybrid", "semantic") else {}
        if pending is not None:
            keyword = pending.result()
        else:
            keyword = self.keywords.search(request, n, expansions, allowed) if request.mode in ("hybrid", "keyword") else {}
        if request.mode == "semantic":
            fused = dense
        elif request.mode == "keyword":
            fused = keyword
        else:
            fused = self._fuse(dense, keyword)
        ordered = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        return self._drop_overlaps(ordered, dense, keyword)

    def find_passage(self, doc_id: str, chunk_id: str) -> "Passage | None":
        """The passage a citation names (`doc:3` or merged `doc:3-4`), if it is this document's."""
        key = parse_chunk_key(chunk_id)
        if key is None or key[0] != doc_id or key[2] - key[1] > 8:
            return None
        rows = self.generation.db.execute(
            'SELECT ordinal, start, "end", page, heading FROM chunks WHERE doc_id = ? AND ordinal BETWEEN ? AND ? '
            "ORDER BY ordinal", key,
        ).fetchall()
        if len(rows) != key[2] - key[1] + 1:
            return None
        return Passage(doc_id, key[1], key[2], rows[0][1], rows[-1][2], 0.0, rows[0][3], rows[0][4])

    def embed_query(self, query: str) -> np.ndarray:
        with self._cache_lock:
            cached = self._query_cache.get(query)
            if cached is not None:
                self._query_cache.move_to_end(query)
                return cached
        vector = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
        with self._cache_lock:
            self._query_cache[query] = vector
            if len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return vector

    def query_vector(self, query: str) -> np.ndarray:
        """The query's vector as dense search embeds it (acronyms spelled out); cached."""
        return self.embed_query(_dense_text(query, self.keywords.expansions(query)))

    def stored_sentence_vectors(self, hit: "Hit") -> dict[tuple[int, int], np.ndarray]:
        """The vectors the indexer stored for the sentences of a hit's chunks, by their
        (start, end) in the document; empty for an index built before it stored them."""
        key = parse_chunk_key(hit.chunk_id)
        if key is None or not self.generation.has_table("sentences"):
            return {}
        rows = self.generation.db.execute(
            'SELECT c.start + s.start, c.start + s."end", s.vector FROM chunks c JOIN sentences s ON s.embed_hash = c.embed_hash '
            "WHERE c.doc_id = ? AND c.ordinal BETWEEN ? AND ?", key,
        ).fetchall()
        return {(a, b): np.frombuffer(v, dtype=np.float16).astype(np.float32) for a, b, v in rows}

    def sentence_vectors(self, sentences: list[str]) -> np.ndarray:
        """Vectors of passage sentences the index does not hold, embedded in one batch on
        first sight and remembered: the same top passages come back for many questions."""
        if not sentences:
            return np.zeros((0, self.generation.dimension), np.float32)
        with self._cache_lock:
            known = {t: self._sentence_cache[t] for t in sentences if t in self._sentence_cache}
        missing = [t for t in dict.fromkeys(sentences) if t not in known]
        if missing:
            known.update(zip(missing, np.asarray(self.embedder.embed_documents(missing), dtype=np.float32)))
            with self._cache_lock:
                self._sentence_cache.update((t, known[t]) for t in missing)
                while len(self._sentence_cache) > SENTENCE_CACHE_SIZE:
                    self._sentence_cache.popitem(last=False)
        return np.stack([known[t] for t in sentences])

    def expansions(self, query: str) -> tuple[str, ...]:
        return self.keywords.expansions(query)

    def term_weight(self, term: str) -> float:
        return self.keywords.term_weight(term)

    def document_info(self, doc_id: str) -> DocumentInfo | None:
        info = self._doc_cache.get(doc_id)
        if info is None:
            info = self.generation.document_info(doc_id)
            if info is not None:
                self._doc_cache[doc_id] = info
        return info

    def cosine(self, query: str, hit: "Hit") -> float:
        """Cosine similarity of the query to a hit's stored vector (keyword hits lack it)."""
        key = parse_chunk_key(hit.chunk_id)
        if key is None:
            return 0.0
        rows = self.generation.db.execute(
            "SELECT vector FROM chunks WHERE doc_id = ? AND ordinal BETWEEN ? AND ?", key
        ).fetchall()
        query_vector = self.embed_query(query)
        return max((float(np.frombuffer(r[0], dtype=np.float32) @ query_vector) for r in rows), default=0.0)

    # ------------------------------------------------------------ internals

    def _hit(self, rank: int, passage: "Passage", text: str) -> Hit:
        info = self.document_info(passage.doc_id)
        citation = Citation(
            doc_id=passage.doc_id, title=info.title, date=info.date, source=info.source,
            page=passage.page, section=passage.heading, start=passage.start, end=passage.end,
            url=passage_url(passage.doc_id, passage.chunk_id),
        )
        dense, keyword = passage.dense, passage.keyword
        return Hit(rank, round(float(passage.score), 6), passage.chunk_id, text, citation,
                   None if dense is None else round(float(dense), 6),
                   None if keyword is None else round(float(keyword), 6))

    def _texts(self, passages: list["Passage"]) -> list[str]:
        """Passage texts sliced from their documents (a trimmed chunk is a part of its chunk)."""
        out = []
        for p in passages:
            # SQLite's substr counts characters, as Python's offsets do.
            row = self.generation.db.execute(
                "SELECT substr(text, ?, ?) FROM documents WHERE doc_id = ?", (p.start + 1, p.end - p.start, p.doc_id)
            ).fetchone()
            text = row[0] if row else ""
            # A trimmed chunk starts where a better one ended: drop the white space between.
            lead = len(text) - len(text.lstrip())
            text = text.strip()
            p.start += lead
            p.end = p.start + len(text)
            out.append(text)
        return out

    def _allowed_ids(self, request: SearchRequest) -> np.ndarray:
        return allowed_ids(self.generation, request)

    def _dense(self, query: str, n: int, allowed: np.ndarray | None) -> dict[int, float]:
        vector = self.embed_query(query)
        index = self.generation.vector_index
        if allowed is None:
            ids, scores = search_vectors(index, vector, n)
        else:
            ids, scores = _search_subset(index, vector, n, allowed)
        return {int(i): float(s) for i, s in zip(ids, scores)}

    def _fuse(self, dense: dict[int, float], keyword: dict[int, float]) -> dict[int, float]:
        return fuse_rrf(dense, keyword) if self.fusion == "rrf" else fuse_convex(dense, keyword)

    def _drop_overlaps(self, ordered: list[tuple[int, float]], dense: dict, keyword: dict) -> list[Passage]:
        """Chunks of one document overlap by a sentence; a lower-ranked chunk is shown without
        what a better-ranked one already shows, and not at all if little is left."""
        if not ordered:
            return []
        rows = self._chunk_rows([cid for cid, _ in ordered])
        passages: list[Passage] = []
        taken: dict[str, list[tuple[int, int]]] = {}
        for cid, score in ordered:
            row = rows.get(cid)
            if row is None:
                continue
            doc_id, ordinal, start, end, page, heading = row
            span = _remainder(start, end, taken.get(doc_id, ()))
            if span is None:
                continue
            taken.setdefault(doc_id, []).append(span)
            passages.append(Passage(doc_id, ordinal, ordinal, span[0], span[1], score, page, heading,
                                    dense.get(cid), keyword.get(cid)))
        return passages

    def _chunk_rows(self, ids: list[int]) -> dict[int, tuple]:
        out = {}
        for lo in range(0, len(ids), 500):
            part = ids[lo : lo + 500]
            marks = ",".join("?" * len(part))
            for r in self.generation.db.execute(
                f'SELECT id, doc_id, ordinal, start, "end", page, heading FROM chunks WHERE id IN ({marks})', part
            ):
                out[r[0]] = r[1:]
        return out


def _dense_text(query: str, expansions: tuple[str, ...]) -> str:
    # The encoder reads an acronym as noise; its long form as meaning.
    return query + "".join(f" ({e})" for e in expansions)


def _remainder(start: int, end: int, taken) -> tuple[int, int] | None:
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


def _search_subset(index, vector: np.ndarray, n: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import faiss

    selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
    inner = faiss.extract_index_ivf(index) if isinstance(index, faiss.IndexIVF) else None
    params = faiss.SearchParametersIVF(sel=selector, nprobe=inner.nprobe) if inner else faiss.SearchParameters(sel=selector)
    k = min(n, len(allowed))
    scores, ids = index.search(np.ascontiguousarray(vector.reshape(1, -1)), k, params=params)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]
