"""The embedder as the query path uses it: query vectors remembered (a search box repeats
itself, and a page and its answer ask for the same query), and passage sentences embedded on
first sight when an older index does not hold their vectors."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import numpy as np

QUERY_CACHE_SIZE = 512
# Texts whose words' vectors are remembered (questions and the answers checked against them).
WORDS_CACHE_SIZE = 2_048
_WORD = re.compile(r"\w[\w'’-]*")
# Sentence vectors remembered for answer picking (~1.5 kB each).
SENTENCE_CACHE_SIZE = 20_000


class _Lru:
    """A bounded map, oldest dropped first; callers hold the lock."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[str, np.ndarray] = OrderedDict()

    def get(self, key: str) -> np.ndarray | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: str, value: np.ndarray) -> None:
        self.items[key] = value
        if len(self.items) > self.size:
            self.items.popitem(last=False)


class QueryEncoder:
    """Thread-safe: requests share the caches across threads."""

    def __init__(self, embedder, query_cache: int = QUERY_CACHE_SIZE, sentence_cache: int = SENTENCE_CACHE_SIZE):
        self.embedder = embedder
        self._queries = _Lru(query_cache)
        self._sentences = _Lru(sentence_cache)
        self._words = _Lru(WORDS_CACHE_SIZE)
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.embedder.name

    @property
    def cached_queries(self) -> int:
        return len(self._queries.items)

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._queries.get(text)
        if cached is not None:
            return cached
        vector = np.asarray(self.embedder.embed_query(text), dtype=np.float32)
        with self._lock:
            self._queries.put(text, vector)
        return vector

    def sentences(self, texts: list[str], dimension: int) -> np.ndarray:
        """Vectors of sentence texts, embedded in one batch on first sight and remembered: the
        same top passages come back for many questions."""
        if not texts:
            return np.zeros((0, dimension), np.float32)
        with self._lock:
            known = {t: v for t in texts if (v := self._sentences.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, np.asarray(self.embedder.embed_documents(missing), dtype=np.float32)))
            with self._lock:
                for t in missing:
                    self._sentences.put(t, known[t])
        return np.stack([known[t] for t in texts])

    def words(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Each word of `text` (character span) and its vector from the model's vocabulary
        table (no encoder pass: indexer/word_vectors.py)."""
        spans = [m.span() for m in _WORD.finditer(text)]
        with self._lock:
            cached = self._words.get(text)
        if cached is None:
            cached = np.asarray(self.embedder.word_vectors(text, spans), dtype=np.float32)
            with self._lock:
                self._words.put(text, cached)
        return spans, cached
