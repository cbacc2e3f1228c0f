"""Retrievers: the first stage of a search. Each takes the prepared query, how many candidates
to return and the scope the filters leave, and returns chunk id -> its own score. Dense search
and multilingual search are here; the keyword retrievers (impact index, FTS5 fallback) are in
keywords.py."""

from __future__ import annotations

from typing import Protocol

from indexer.generation import Generation

from .encoder import QueryEncoder
from .query import PreparedQuery, Scope


class Retriever(Protocol):
    name: str  # "dense" or "keyword": the signal a candidate's score from this retriever is

    def retrieve(self, query: PreparedQuery, n: int, scope: Scope) -> dict[int, float]: ...


class DenseRetriever:
    """Nearest chunk vectors to the query's (acronyms spelled out), by inner product."""

    name = "dense"

    def __init__(self, generation: Generation, encoder: QueryEncoder, threads: int | None = None):
        self.generation = generation
        self.encoder = encoder
        self.threads = threads  # FAISS's OpenMP threads per search (None: its default)

    def retrieve(self, query: PreparedQuery, n: int, scope: Scope) -> dict[int, float]:
        vector = self.encoder.query(query.dense_text)
        ids, scores = self.generation.search_vectors(vector, n, scope.ids, self.threads)
        return {int(i): float(s) for i, s in zip(ids, scores)}


class MultilingualRetriever:
    """Nearest chunks by the generation's multilingual vectors (indexer/multilingual.py), for
    questions not in English."""

    name = "multilingual"

    def __init__(self, generation: Generation, encoder):
        self.generation = generation
        self.encoder = encoder

    def retrieve(self, query: PreparedQuery, n: int, scope: Scope) -> dict[int, float]:
        return self.generation.search_multilingual(self.encoder.query(query.text), n, scope.ids)
