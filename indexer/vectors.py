"""The dense half of the index: which FAISS index to build for a given size, and how."""

from __future__ import annotations

import math

import numpy as np

# Up to this many vectors an exact inner-product scan costs a few ms per query
# (200k x 384 floats ~ 300 MB); beyond it an IVF index with 8-bit codes keeps
# memory at a quarter and queries fast, at a recall measured by bench/.
EXACT_MAX_VECTORS = 200_000
# IVF: ~4*sqrt(n) lists is faiss' usual advice; nprobe trades recall for speed.
IVF_LISTS_PER_SQRT = 4
IVF_NPROBE = 32
IVF_TRAIN_PER_LIST = 64


def _faiss():
    import faiss  # lazy: a no-change build never touches vectors

    return faiss


def choose_kind(n_vectors: int) -> str:
    return "flat" if n_vectors <= EXACT_MAX_VECTORS else "ivf_sq8"


def build_vector_index(ids: np.ndarray, vectors: np.ndarray, dimension: int, kind: str | None = None):
    """A fresh index over (ids, vectors). Returns (index, description dict for the manifest)."""
    faiss = _faiss()
    kind = kind or choose_kind(len(ids))
    if kind == "flat":
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        info = {"kind": "flat"}
    elif kind == "ivf_sq8":
        nlist = max(1, int(IVF_LISTS_PER_SQRT * math.sqrt(max(1, len(ids)))))
        quantizer = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        rng = np.random.default_rng(0)
        n_train = min(len(vectors), nlist * IVF_TRAIN_PER_LIST)
        sample = vectors[rng.choice(len(vectors), n_train, replace=False)] if n_train < len(vectors) else vectors
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = IVF_NPROBE
        info = {"kind": "ivf_sq8", "nlist": nlist, "nprobe": IVF_NPROBE}
    else:
        raise ValueError(f"unknown vector index kind: {kind!r}")
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(ids, dtype=np.int64))
    return index, info


def update_vector_index(index, remove_ids: np.ndarray, add_ids: np.ndarray, add_vectors: np.ndarray):
    """Apply an incremental change in place (exact and IVF indexes both support it)."""
    faiss = _faiss()
    if len(remove_ids):
        index.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(remove_ids, dtype=np.int64)))
    if len(add_ids):
        index.add_with_ids(
            np.ascontiguousarray(add_vectors, dtype=np.float32), np.ascontiguousarray(add_ids, dtype=np.int64)
        )
    return index


def write_vector_index(index, path) -> None:
    # Through a Python file: FAISS's own writer only prints a failed fclose (a full disk
    # taking the last buffered block) and carries on, leaving a short file to be published.
    faiss = _faiss()
    with open(path, "wb") as fh:
        faiss.write_index(index, faiss.PyCallbackIOWriter(fh.write))


def read_vector_index(path, info: dict):
    faiss = _faiss()
    index = faiss.read_index(str(path))
    if info.get("kind") == "ivf_sq8":
        faiss.extract_index_ivf(index).nprobe = int(info.get("nprobe", IVF_NPROBE))
    return index


def search_vectors(index, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
                   threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) of the k nearest rows by inner product, among the `allowed` ids when
    given; missing slots are dropped.

    `threads`: the OpenMP threads this search may use. A server searches one query vector per
    call, and concurrency comes from requests: left at the default, OpenMP's worker threads spin
    after each search and fight the encoder's threads for the cores (measured on SciFact:
    semantic search p50 15 ms against 5 ms with one thread). OpenMP keeps the setting per
    calling thread, so it is set here, on the thread that searches, each time."""
    if index.ntotal == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
        return np.empty(0, np.int64), np.empty(0, np.float32)
    if threads is not None:
        _faiss().omp_set_num_threads(threads)
    query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    if allowed is None:
        scores, ids = index.search(query, min(k, index.ntotal))
    else:
        faiss = _faiss()
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
        inner = faiss.extract_index_ivf(index) if isinstance(index, faiss.IndexIVF) else None
        params = faiss.SearchParametersIVF(sel=selector, nprobe=inner.nprobe) if inner else faiss.SearchParameters(sel=selector)
        scores, ids = index.search(query, min(k, len(allowed)), params=params)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]
