"""Issue 15's figures: builds embedded on a Ray cluster, and search through Ray Serve replicas,
against the plain single-machine paths, on BEIR SciFact.

    .venv/bin/python bench/cluster.py [--docs 0] [--duration 20] [--skip-build] [--skip-serve]
                                      [--out bench/results/cluster.json]

build: the same SciFact corpus (all 5,183 abstracts, or the first --docs) built three times,
  full, in this process: locally (the product's encoder, all cores), on a one-node Ray cluster
  (2 CPUs: 2 workers of 1 thread) and on a two-node cluster (1 CPU each) on this same machine.
  Both clusters share this machine's 2 cores, so this measures Ray's overhead, not a speed-up.
  For each: chunks/s and its ratio to local; the embed step's time (from the first text sent to
  the last vector back, with the workers' model loading apart) and the driver's own time (all
  the rest: reading, chunking, writing); the driver's CPU seconds while the cluster embeds
  (dispatch, serialisation); texts per worker. From these, the projected wall time of 10M chunks
  on 8 and 32 nodes of this size, and the node count where the driver becomes the bottleneck.
serve: the SciFact index served by `python -m search_app` (1 and 2 worker processes) and by Ray
  Serve with 1 and 2 replicas (1 CPU each, on a one-node cluster of 2 CPUs), each loaded by wrk
  (bench/load.py's method: 4 connections, --duration s, URL-encoded SciFact claims rotating and
  continuing across runs, non-200 counted): requests/s, p50/p95, and their ratio to the plain
  one-process server.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402,F401  (before faiss: two OpenMP runtimes, as in bench/load.py)

from bench.common import DEFAULT_SCIFACT, Server, free_port, scifact_claims, scifact_index  # noqa: E402
from bench.load import run_wrk, write_lua  # noqa: E402
from bench.machine import write_results  # noqa: E402
from indexer.build import build_index  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402

PROJECTED_CHUNKS = 10_000_000
PROJECTED_NODES = (8, 32)
CONNECTIONS = 4


class TimedEmbedding:
    """Wraps a build's embedder: the seconds and the driver's CPU seconds of its embed step."""

    def __init__(self, embedder):
        self.inner = embedder
        self.name = embedder.name
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    @property
    def dimension(self):
        return self.inner.dimension

    def embed_with_spans(self, texts, spans, progress=None):
        started, cpu = time.perf_counter(), _cpu()
        try:
            return self.inner.embed_with_spans(texts, spans, progress)
        finally:
            self.seconds += time.perf_counter() - started
            self.cpu_seconds += _cpu() - cpu


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write_corpus(scifact: Path, docs: int, folder: Path) -> Path:
    folder.mkdir(parents=True)
    with open(scifact / "corpus.jsonl", encoding="utf-8") as source, \
            open(folder / "scifact.jsonl", "w", encoding="utf-8") as target:
        for n, line in enumerate(source):
            if docs and n >= docs:
                break
            target.write(line)
    return folder


def one_build(corpus: Path, index: Path, embedder, label: str) -> dict:
    timed = TimedEmbedding(embedder)
    print(f"build: {label} ...", file=sys.stderr, flush=True)
    report = build_index(corpus, index, timed, full=True)
    stats = getattr(embedder, "stats", None)
    row = {
        "seconds": round(report.seconds, 2), "chunks": report.chunks, "documents": report.documents,
        "chunks_per_s": round(report.chunks / report.seconds, 2),
        "embed_step_s": round(timed.seconds, 2),
        "driver_s": round(report.seconds - timed.seconds, 2),
        "driver_ms_per_chunk": round(1000 * (report.seconds - timed.seconds) / report.chunks, 4),
    }
    if stats is not None:
        startup = timed.seconds - stats.seconds
        row.update({
            "workers": stats.workers, "nodes": stats.nodes, "batches": stats.batches,
            "workers_start_s": round(startup, 2),  # connecting, starting workers, loading the model
            "embedding_s": round(stats.seconds, 2),
            "embed_chunks_per_s": round(report.chunks / stats.seconds, 2),
            "driver_cpu_ms_per_chunk_while_embedding": round(1000 * timed.cpu_seconds / report.chunks, 4),
            "texts_per_worker": stats.per_worker,
        })
    else:
        row["embed_chunks_per_s"] = round(report.chunks / timed.seconds, 2)
    print(f"  {json.dumps({k: v for k, v in row.items() if k != 'texts_per_worker'})}", file=sys.stderr)
    return row


def cluster(nodes: list[int]):
    """A local Ray cluster with these CPUs per node (ray.cluster_utils, as the tests use)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    from ray.cluster_utils import Cluster

    c = Cluster(initialize_head=True, head_node_args={"num_cpus": nodes[0], "include_dashboard": False})
    for cpus in nodes[1:]:
        c.add_node(num_cpus=cpus)
    c.wait_for_nodes(timeout=60)
    return c


def measure_builds(scifact: Path, docs: int, work: Path) -> dict:
    from indexer.cluster import ClusterOptions, RayEmbedder

    corpus = write_corpus(scifact, docs, work / "corpus")
    make_embedder("minilm").embed_query("export the model once before any timing")
    rows = {"local": one_build(corpus, work / "local", make_embedder("minilm"), "local (all cores)")}
    for label, nodes in (("ray_one_node", [2]), ("ray_two_nodes", [1, 1])):
        c = cluster(nodes)
        try:
            with RayEmbedder(ClusterOptions(c.address, "minilm")) as embedder:
                rows[label] = one_build(corpus, work / label, embedder, f"Ray, nodes of {nodes} CPUs")
        finally:
            c.shutdown()
    for label in ("ray_one_node", "ray_two_nodes"):
        rows[label]["ratio_to_local"] = round(rows[label]["chunks_per_s"] / rows["local"]["chunks_per_s"], 3)
    rows["projection"] = project(rows)
    return rows


def project(rows: dict) -> dict:
    """10M chunks on nodes like this one: the driver's time (reading, chunking, writing, as in
    the local build, plus its dispatch CPU while the cluster embeds) and the cluster's embedding
    (one node's measured rate times the nodes), run one after the other as the build does now."""
    node_rate = rows["ray_one_node"]["embed_chunks_per_s"]  # one 2-core node, through Ray
    driver_s_per_chunk = rows["local"]["driver_ms_per_chunk"] / 1000
    dispatch_s_per_chunk = rows["ray_one_node"]["driver_cpu_ms_per_chunk_while_embedding"] / 1000
    out = {"node_chunks_per_s": node_rate, "driver_ms_per_chunk": round(1000 * driver_s_per_chunk, 4),
           "dispatch_cpu_ms_per_chunk": round(1000 * dispatch_s_per_chunk, 4), "chunks": PROJECTED_CHUNKS}
    for nodes in PROJECTED_NODES:
        embed = PROJECTED_CHUNKS / (nodes * node_rate)
        driver = PROJECTED_CHUNKS * driver_s_per_chunk
        out[f"nodes_{nodes}"] = {"embed_h": round(embed / 3600, 2), "driver_h": round(driver / 3600, 2),
                                 "sequential_h": round((embed + driver) / 3600, 2),
                                 "overlapped_h": round(max(embed, driver, PROJECTED_CHUNKS * dispatch_s_per_chunk)
                                                       / 3600, 2)}
    # Beyond this many nodes the cluster embeds faster than one driver reads, chunks and writes.
    out["driver_bound_beyond_nodes"] = round(1 / (driver_s_per_chunk * node_rate), 1)
    out["dispatch_bound_beyond_nodes"] = round(1 / (dispatch_s_per_chunk * node_rate), 1) if dispatch_s_per_chunk else None
    return out


def measure_serving(scifact: Path, duration: int, work: Path) -> dict:
    import httpx

    from indexer.settings import Settings
    from search_app.replicas import ReplicaOptions, start_replicas, stop_replicas

    index = scifact_index(scifact, make_embedder("minilm"))
    queries = scifact_claims(scifact)
    lua = work / "search.lua"
    write_lua(lua, "search", queries)
    rows: dict = {}
    cursor = 0

    def load(base: str, pid: int) -> dict:
        nonlocal cursor
        run_wrk(shutil.which("wrk"), base, lua, CONNECTIONS, 3, cursor, pid)  # warm-up
        cursor += 200
        result = run_wrk(shutil.which("wrk"), base, lua, CONNECTIONS, duration, cursor, pid)
        cursor = (cursor + result["sent"]) % len(queries)
        row = {k: result[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "non_200", "socket_errors_total",
                                      "requests")}
        print(f"  {json.dumps(row)}", file=sys.stderr)
        return row

    for workers in (1, 2):
        print(f"serve: plain server, {workers} process(es) ...", file=sys.stderr, flush=True)
        server = Server(index, work, workers, WORKERS=str(workers))
        try:
            server.start(queries[0])
            rows[f"plain_workers_{workers}"] = load(server.base, server.pid)
        finally:
            server.stop()
    c = cluster([2])
    try:
        for replicas in (1, 2):
            print(f"serve: Ray Serve, {replicas} replica(s) ...", file=sys.stderr, flush=True)
            # Each replica's encoder takes its share of the cores, as --workers does.
            settings = Settings(index=index, embedder="minilm", rate_limit="off", port=free_port(), workers=replicas)
            base = start_replicas(settings, ReplicaOptions(c.address, replicas, 1.0), log=lambda m: None)
            try:
                httpx.get(base + "/api/search", params={"q": queries[0]}, timeout=60).raise_for_status()
                rows[f"serve_replicas_{replicas}"] = load(base, os.getpid())
            finally:
                stop_replicas()
    finally:
        c.shutdown()
    plain = rows["plain_workers_1"]
    for key, row in rows.items():
        row["rps_ratio_to_plain"] = round(row["rps"] / plain["rps"], 3)
        row["p50_ratio_to_plain"] = round(row["p50_ms"] / plain["p50_ms"], 3)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--docs", type=int, default=0, help="build only the first N abstracts (default all)")
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per server (default 20)")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-serve", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "cluster.json")
    args = parser.parse_args()
    if not args.skip_serve and shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk (make load-tools)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results: dict = {"connections": CONNECTIONS, "duration_s": args.duration}
    with tempfile.TemporaryDirectory(prefix="ss-bench-cluster-") as tmp:
        if not args.skip_build:
            results["build"] = measure_builds(args.scifact, args.docs, Path(tmp) / "build")
        if not args.skip_serve:
            results["serve"] = measure_serving(args.scifact, args.duration, Path(tmp))
    write_results(args.out, results, encoder={"kind": "minilm", "backend": "onnxruntime", "precision": "fp32"})
    print_summary(results)
    print(f"\nwritten to {args.out}")


def print_summary(results: dict) -> None:
    build = results.get("build")
    if build:
        print(f"\n{'build':28} {'chunks/s':>9} {'ratio':>6} {'embed s':>8} {'driver s':>9}")
        for label in ("local", "ray_one_node", "ray_two_nodes"):
            r = build[label]
            print(f"{label:28} {r['chunks_per_s']:>9} {r.get('ratio_to_local', 1.0):>6} {r['embed_step_s']:>8} "
                  f"{r['driver_s']:>9}")
        p = build["projection"]
        for nodes in PROJECTED_NODES:
            q = p[f"nodes_{nodes}"]
            print(f"10M chunks on {nodes} nodes: embed {q['embed_h']} h, driver {q['driver_h']} h, "
                  f"as built {q['sequential_h']} h, overlapped {q['overlapped_h']} h")
        print(f"driver-bound beyond {p['driver_bound_beyond_nodes']} nodes")
    serve = results.get("serve")
    if serve:
        print(f"\n{'serve':28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'non-200':>8} {'rps ratio':>10}")
        for label, r in serve.items():
            print(f"{label:28} {r['rps']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['non_200']:>8} "
                  f"{r['rps_ratio_to_plain']:>10}")


if __name__ == "__main__":
    main()
