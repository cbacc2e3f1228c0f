"""The sharded vector index of docs/scale.md, simulated: N vectors split across S shards, each
its own IVF index, searched scatter-gather with a merge of the top-k, against one index and
against the exact answer.

    .venv/bin/python bench/shards.py [--n 1000000] [--shards 4] [--out bench/results/shards.json]

- vectors: N grown from the SciFact index's real chunk vectors (bench/common.synthesise, as
  bench/scale.py does); queries: the 300 SciFact test claims, embedded by the product's encoder;
  truth: an exact inner-product scan over all N.
- kinds: ivf_sq8 (the product's index past 200k vectors: 8-bit codes, 384 B a vector) and
  ivf_pq48 (product quantization, 48 bytes a vector, the kind 100M passages need to fit in RAM),
  each with nlist = 4 sqrt(n) lists per index and nprobe 32, as indexer/vectors.py sets them.
- sharded: chunks go to shard hash(id) mod S; each shard gets k from its own index, the merge
  keeps the best k. recall@10 against the exact top 10, for one index and for S shards.
- latency: one index per query (p50/p95), and S shards in this process (a query's shards one
  after the other, so the figure a node with one core per shard would see is the slowest shard's,
  also reported), and scatter-gather through S Ray actors on a local one-node cluster holding
  one shard each (ivf_sq8): the wall time a caller sees, Ray's calls included.
- memory: each shard's serialized index size.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402,F401  (before faiss, as bench/load.py does)
import numpy as np  # noqa: E402

from bench.common import DEFAULT_SCIFACT, load_scifact, scifact_index, stored_vectors, synthesise  # noqa: E402
from bench.machine import write_results  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from indexer.vectors import IVF_LISTS_PER_SQRT, IVF_NPROBE, IVF_TRAIN_PER_LIST  # noqa: E402

K = 10


def make_index(vectors: np.ndarray, ids: np.ndarray, kind: str):
    import faiss

    d = vectors.shape[1]
    nlist = max(1, int(IVF_LISTS_PER_SQRT * math.sqrt(len(vectors))))
    quantizer = faiss.IndexFlatIP(d)
    if kind == "ivf_sq8":
        index = faiss.IndexIVFScalarQuantizer(quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
    else:  # ivf_pq48
        index = faiss.IndexIVFPQ(quantizer, d, nlist, 48, 8, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    n_train = min(len(vectors), nlist * IVF_TRAIN_PER_LIST)
    index.train(vectors[rng.choice(len(vectors), n_train, replace=False)])
    index.add_with_ids(vectors, ids)
    index.nprobe = IVF_NPROBE
    return index, nlist


def search_each(index, queries: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], list[float]]:
    scores, ids, times = [], [], []
    for q in queries:
        started = time.perf_counter()
        s, i = index.search(q[None], K)
        times.append((time.perf_counter() - started) * 1000)
        scores.append(s[0])
        ids.append(i[0])
    return scores, ids, times


def merge(per_shard: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    scores = np.concatenate([s for s, _ in per_shard])
    ids = np.concatenate([i for _, i in per_shard])
    return ids[np.argsort(-scores, kind="stable")[:K]]


def recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[f >= 0]) & set(t)) / K for f, t in zip(found, truth)]))


def pct(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered), 3), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3)}


def serialized_mb(index) -> float:
    import faiss

    return round(len(faiss.serialize_index(index)) / 1e6, 1)


def measure_kind(kind: str, vectors, ids, shard_of, shards: int, queries, truth) -> tuple[dict, list]:
    import faiss

    faiss.omp_set_num_threads(1)  # one query at a time, one core, as a search process runs it
    print(f"{kind}: one index over {len(vectors):,} ...", file=sys.stderr, flush=True)
    single, nlist = make_index(vectors, ids, kind)
    _, found, times = search_each(single, queries)
    row = {"single": {"nlist": nlist, "recall@10": round(recall(found, truth), 4), "index_mb": serialized_mb(single),
                      **pct(times)}}
    del single
    print(f"{kind}: {shards} shards ...", file=sys.stderr, flush=True)
    parts = []
    for s in range(shards):
        mask = shard_of == s
        parts.append(make_index(np.ascontiguousarray(vectors[mask]), np.ascontiguousarray(ids[mask]), kind))
    results = [search_each(index, queries) for index, _ in parts]
    found = [merge([(r[0][q], r[1][q]) for r in results]) for q in range(len(queries))]
    sequential = [sum(r[2][q] for r in results) for q in range(len(queries))]
    slowest = [max(r[2][q] for r in results) for q in range(len(queries))]
    row["sharded"] = {
        "shards": shards, "vectors_per_shard": int(len(vectors) / shards), "nlist_per_shard": parts[0][1],
        "recall@10": round(recall(found, truth), 4),
        "shard_index_mb": [serialized_mb(index) for index, _ in parts],
        "all_shards_one_after_another": pct(sequential), "slowest_shard": pct(slowest),
    }
    return row, [index for index, _ in parts]


def scatter_gather_on_ray(parts: list, queries: np.ndarray, truth: np.ndarray) -> dict:
    """The shards held by Ray actors on a local one-node cluster; each query fans out to all."""
    import faiss
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    try:
        @ray.remote(num_cpus=0)
        class Shard:
            def __init__(self, blob):
                faiss.omp_set_num_threads(1)
                self.index = faiss.deserialize_index(blob)
                self.index.nprobe = IVF_NPROBE

            def search(self, q):
                return self.index.search(q[None], K)

        actors = [Shard.remote(faiss.serialize_index(p)) for p in parts]
        ray.get([a.search.remote(queries[0]) for a in actors])  # loaded and warm
        times, found = [], []
        for q in queries:
            started = time.perf_counter()
            answers = ray.get([a.search.remote(q) for a in actors])
            found.append(merge([(s[0], i[0]) for s, i in answers]))
            times.append((time.perf_counter() - started) * 1000)
        return {"actors": len(actors), "recall@10": round(recall(found, truth), 4), **pct(times)}
    finally:
        ray.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "shards.json")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import faiss

    embedder = make_embedder("minilm")
    base = stored_vectors(open_current(scifact_index(args.scifact, embedder)))
    claims = list(load_scifact(args.scifact, "test")[0].values())
    queries = np.stack([np.asarray(embedder.embed_query(c), dtype=np.float32) for c in claims])
    print(f"synthesising {args.n:,} vectors from {len(base):,} real ones ...", file=sys.stderr, flush=True)
    vectors = synthesise(base, args.n)
    ids = np.arange(args.n, dtype=np.int64)
    # A stable hash of the id, so a chunk's shard does not depend on when it was added.
    with np.errstate(over="ignore"):  # Fibonacci hashing: the product wraps modulo 2**64 on purpose
        mixed = ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    shard_of = ((mixed >> np.uint64(32)) % np.uint64(args.shards)).astype(np.int64)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    truth = exact.search(queries, K)[1]
    del exact
    results: dict = {"n": args.n, "shards": args.shards, "queries": len(queries), "k": K, "nprobe": IVF_NPROBE}
    for kind in ("ivf_sq8", "ivf_pq48"):
        results[kind], parts = measure_kind(kind, vectors, ids, shard_of, args.shards, queries, truth)
        if kind == "ivf_sq8":
            print("ivf_sq8: scatter-gather through Ray actors ...", file=sys.stderr, flush=True)
            results[kind]["ray_scatter_gather"] = scatter_gather_on_ray(parts, queries, truth)
        del parts
    write_results(args.out, results, encoder={"kind": "minilm", "backend": "onnxruntime", "precision": "fp32"})
    print(f"\n{'kind':10} {'layout':24} {'recall@10':>9} {'p50 ms':>8} {'p95 ms':>8} {'MB':>10}")
    for kind in ("ivf_sq8", "ivf_pq48"):
        r = results[kind]
        print(f"{kind:10} {'one index':24} {r['single']['recall@10']:>9} {r['single']['p50_ms']:>8} "
              f"{r['single']['p95_ms']:>8} {r['single']['index_mb']:>10}")
        s = r["sharded"]
        print(f"{kind:10} {str(args.shards) + ' shards, slowest':24} {s['recall@10']:>9} {s['slowest_shard']['p50_ms']:>8} "
              f"{s['slowest_shard']['p95_ms']:>8} {sum(s['shard_index_mb']):>10.1f}")
        if "ray_scatter_gather" in r:
            g = r["ray_scatter_gather"]
            print(f"{kind:10} {str(args.shards) + ' Ray actors':24} {g['recall@10']:>9} {g['p50_ms']:>8} {g['p95_ms']:>8}")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
