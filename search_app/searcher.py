"""A search over one index generation, as stages with one shape between them:

    prepare      the query's text, its acronyms' long forms, what the encoder reads (query.py)
    retrieve     dense (FAISS) and keyword (BM25) candidates, in parallel (retrievers.py, keywords.py)
    fuse         one ranking of Candidates (fusion.py)
    rerank       further stages, each list[Candidate] -> list[Candidate] (DocumentMatch, SentenceMatch)
    trim         overlapping chunks shown once (passages.py)
    page, cite   the page asked for, each hit with its text and citation (passages.py)

Stages are values: `Stages(rerankers=(DocumentMatch(), MyStage()))` adds one, and tests and benchmarks swap
`searcher.dense` / `searcher.keyword` for wrappers. A plain library: no web imports. The JSON
API and the HTML pages both call `Searcher.search`.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Protocol

from indexer.generation import Generation
from indexer.models import DocumentInfo

from .encoder import QueryEncoder
from .errors import UnknownDocument
from .evidence import AnswerEvidence
from .facets import count_facets
from .fusion import MIN_CANDIDATES, ConvexFusion, fuse_convex
from .keywords import WordStats, keyword_retriever
from .language import reads_as_english
from .passages import DocumentCache, cite, find_passage, trim_overlaps
from .query import PreparedQuery, QueryPreparer, Scope
from .rerankers import DocumentMatch, SentenceMatch
from .requests import SearchRequest
from .results import Candidate, Passage, SearchResult
from .retrievers import DenseRetriever, MultilingualRetriever, Retriever


class Fusion(Protocol):
    def fuse(self, dense: dict[int, float], keyword: dict[int, float]) -> dict[int, float]: ...


class Reranker(Protocol):
    """A stage between fusion and trimming: reorders (or rescores, or drops) candidates. It
    may read the generation (chunk texts, vectors) to decide."""

    def rerank(self, query: PreparedQuery, candidates: list[Candidate], generation: Generation) -> list[Candidate]: ...


@dataclass(frozen=True)
class Stages:
    """The configurable stages of every search; the defaults are the measured product choices
    (bench/tune_fusion.py)."""

    fusion: Fusion = ConvexFusion()
    # A question naming a year or a meeting is about that statement; a passage with a sentence
    # that says what the query says goes before one that only shares its topic (rerankers.py).
    rerankers: tuple[Reranker, ...] = (DocumentMatch(), SentenceMatch())
    # FAISS's OpenMP threads per dense search: a server runs one, so that spinning OpenMP
    # workers do not fight the encoder (indexer/vectors.py); None leaves FAISS's default.
    search_threads: int | None = None


# A question not in English: the multilingual ranking's share, fused with our own (bench/crosslingual.py,
# 48 translated dev questions, hit@5 Indonesian / Thai / Vietnamese: ours 0.63 / 0.38 / 0.44,
# e5 alone 0.81 / 0.65 / 0.71, fused at 0.5 0.75 / 0.52 / 0.56, at 0.8 0.81 / 0.69 / 0.67).
MULTILINGUAL_WEIGHT = 0.8

# A server's searches: FAISS on one thread per search (create_app's default).
SERVER_STAGES = Stages(search_threads=1)


class Searcher:
    """Answers SearchRequests against one Generation. Cheap to create; thread-safe.

    Given an executor, hybrid search runs its keyword half there while this thread encodes
    the query (SQLite, numpy and ONNX Runtime release the GIL). Given an encoder, query vectors
    are remembered across searchers (across generations: a vector depends only on the text).
    """

    def __init__(self, generation: Generation, embedder, stages: Stages = Stages(),
                 executor: Executor | None = None, encoder: QueryEncoder | None = None, multilingual=None):
        self.generation = generation
        self.stages = stages
        self.executor = executor
        self.encoder = encoder or QueryEncoder(embedder)
        self.preparer = QueryPreparer(generation)
        self.stats = WordStats(generation)
        self.dense: Retriever = DenseRetriever(generation, self.encoder, stages.search_threads)
        self.keyword: Retriever = keyword_retriever(generation, self.stats)
        self.documents = DocumentCache(generation)
        self.evidence = AnswerEvidence(generation, self.encoder, self.preparer, self.stats)
        # Questions not in English also search the generation's multilingual vectors, when it has
        # them from this encoder's model (indexer/multilingual.py).
        self.multilingual: Retriever | None = (
            MultilingualRetriever(generation, multilingual)
            if multilingual is not None and generation.multilingual_model == multilingual.name else None)

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        request = request.validated()
        for doc_id in request.docs:
            if self.documents.info(doc_id) is None:
                raise UnknownDocument(doc_id)
        passages = self.rank(request, request.offset + request.k)
        page = passages[request.offset : request.offset + request.k]
        hits = cite(page, self.generation, self.documents, request.offset + 1)
        facets = count_facets(passages, self.generation, self.documents)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(request.query, request.mode, round(took, 2), len(passages), hits, self.generation.name, facets)

    def rank(self, request: SearchRequest, needed: int) -> list[Passage]:
        """Every stage but the page: the ranking as passages, without text shown twice."""
        scope = self.scope(request)
        if scope.empty:
            return []
        query = self.preparer.prepare(request.query)
        candidates = self.candidates(query, request.mode, max(MIN_CANDIDATES, 3 * needed), scope)
        if request.mode != "keyword":  # the dense search has just encoded it: the encoder remembers
            query = replace(query, vector=self.encoder.query(query.dense_text))
        for stage in self.stages.rerankers:
            candidates = stage.rerank(query, candidates, self.generation)
        return trim_overlaps(candidates, self.generation)

    def scope(self, request: SearchRequest) -> Scope:
        chunk_filter = request.chunk_filter
        return Scope(chunk_filter, self.generation.allowed_ids(chunk_filter) if chunk_filter else None)

    def candidates(self, query: PreparedQuery, mode: str, n: int, scope: Scope) -> list[Candidate]:
        """Retrieve (both halves at once in hybrid mode) and fuse, best first."""
        pending = None
        if mode == "hybrid" and self.executor is not None:
            pending = self.executor.submit(self.keyword.retrieve, query, n, scope)
        # A question in another language asks e5 first: right after our encoder, whose threads
        # spin on a while, e5 takes 40-90 ms instead of 14 (dev set 2 with multilingual vectors, the
        # 139 translated questions 0.1 s apart: search p50 55.9 -> 30.1 ms).
        foreign = (self.multilingual.retrieve(query, n, scope)
                   if mode != "keyword" and self.multilingual is not None and not reads_as_english(query.text) else None)
        dense = self.dense.retrieve(query, n, scope) if mode in ("hybrid", "semantic") else {}
        if pending is not None:
            keyword = pending.result()
        else:
            keyword = self.keyword.retrieve(query, n, scope) if mode in ("hybrid", "keyword") else {}
        # One list alone keeps its retriever's own scores.
        fused = dense if mode == "semantic" else keyword if mode == "keyword" else self.stages.fusion.fuse(dense, keyword)
        if foreign is not None:
            fused = fuse_convex(foreign, fused, MULTILINGUAL_WEIGHT)
        ordered = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        return [Candidate(cid, score, dense.get(cid), keyword.get(cid)) for cid, score in ordered]

    def find_passage(self, doc_id: str, chunk_id: str) -> Passage | None:
        """The passage a citation names (`doc:3` or a run `doc:3-4`), if it is this document's."""
        return find_passage(self.generation, doc_id, chunk_id)

    def document_info(self, doc_id: str) -> DocumentInfo | None:
        return self.documents.info(doc_id)
