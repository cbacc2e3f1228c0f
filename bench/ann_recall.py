"""Recall@10 of the ANN index the indexer chooses at large scale, against exact search.

    .venv/bin/python bench/ann_recall.py [--n 1000000]

Vectors: the SciFact chunk vectors of the bench index (bench/quality.py builds it), extended to
N by mixing random pairs and adding noise (v = norm(0.7 a + 0.3 b + noise), bench.common.synthesise),
so the set keeps the real vectors' geometry instead of being uniform noise. Queries: the SciFact test queries,
embedded by the bundled model. The index is built by indexer.vectors.build_vector_index with the
kind indexer.vectors.choose_kind picks for N, exactly as a build would.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (
    DEFAULT_SCIFACT,
    load_scifact,
    scifact_index,
    stored_vectors,
    synthesise,
)
from bench.machine import write_results  # noqa: E402
from indexer.embedders import make_embedder
from indexer.generation import open_current
from indexer.vectors import build_vector_index, choose_kind, search_vectors


def main() -> None:
    parser = argparse.ArgumentParser(description="ANN recall@10 against exact search")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ann_recall.json")
    args = parser.parse_args()

    embedder = make_embedder("minilm")
    generation = open_current(scifact_index(DEFAULT_SCIFACT, embedder))
    vectors = synthesise(stored_vectors(generation), args.n)
    ids = np.arange(len(vectors), dtype=np.int64)
    queries, _ = load_scifact(DEFAULT_SCIFACT, "test")
    qvecs = np.stack([embedder.embed_query(q) for q in queries.values()])

    kind = choose_kind(len(vectors))
    started = time.perf_counter()
    ann, info = build_vector_index(ids, vectors, vectors.shape[1], kind)
    build_s = time.perf_counter() - started
    exact, _ = build_vector_index(ids, vectors, vectors.shape[1], "flat")

    recalls, times = [], []
    for q in qvecs:
        truth, _ = search_vectors(exact, q, 10)
        t = time.perf_counter()
        found, _ = search_vectors(ann, q, 10)
        times.append(time.perf_counter() - t)
        recalls.append(len(set(truth) & set(found)) / 10)
    result = {
        "n_vectors": len(vectors), "kind": kind, "index": info, "build_s": round(build_s, 1),
        "recall@10": round(statistics.fmean(recalls), 4),
        "query_ms_p50": round(1000 * statistics.median(times), 3),
        "query_ms_p95": round(1000 * float(np.percentile(times, 95)), 3),
        "vector_bytes_ann": int(ann.sa_code_size() * len(vectors)) if hasattr(ann, "sa_code_size") else None,
        "vector_bytes_exact": int(vectors.nbytes),
        "queries": len(qvecs),
    }
    write_results(args.out, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
