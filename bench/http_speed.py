"""Query latency on BEIR SciFact against the encoder's own limit: in process, over HTTP, and
cold start of the server.

    .venv/bin/python bench/http_speed.py [--limit N] [--warmup 20] [--starts 3] [--index DIR] [--profile]
                                         [--sparse 60] [--gap 0.5]

All in one run on this machine; ratios to the limit matter more than milliseconds. The limit is
read at the start and again at the end of the run (on these VMs it moved by up to ~15% between
the two): each row's p50 is given over the start reading (`p50_to_limit`) and over the mean of
both (`p50_to_limit_mean`).

- limit: plain sentence-transformers (the bundled model) `encode([query])` + FAISS search, k=10,
  on the same generation's vector index: what any query must pay at least. The encoder alone
  (no FAISS) is shown beside it.
- in process: `Searcher.search` (hybrid and semantic, k=10) and `answer_question` (hybrid, k=5),
  with the product's encoder (ONNX Runtime, as the server runs it; its time alone is shown too).
- HTTP: the real server (`python -m search_app`) in a child process on 127.0.0.1, one client with
  a persistent connection (httpx.Client), GET /api/search (hybrid and semantic, k=10) and
  /api/ask (hybrid, k=5). Latency is measured at the client, body fully read.
- sparse: the first server then gets --sparse more hybrid searches (SciFact claims it has not
  seen, outside the test queries), one every --gap seconds, as a reader searches: back-to-back
  requests keep the encoder's threads awake and the CPU caches warm, which a real search box
  does not, so this is closer to the latency a reader meets.
- cold start: from spawning `python -m search_app` to /api/health saying ok, and to the first
  answered /api/search.

The Searcher keeps a small cache of query embeddings, so no measured query is ever served from
it: every phase gets a fresh Searcher (or a freshly started server), is warmed up with SciFact
claims that are NOT test queries, and then asks each of the 300 test queries exactly once.
The 3 servers started for the 3 HTTP phases are also the 3 cold starts (the median is reported).
Percentiles are numpy's (linear interpolation).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

# Import order matters here, and not for style: torch and faiss-cpu each bundle their own
# libgomp, and when faiss is loaded first a FAISS search right after an encode makes that encode
# about twice as slow on these 2 cores (measured: ~20 ms against ~10 ms p50). A plain script
# imports sentence-transformers (torch) first, so the limit does too; the server gets whatever
# order its own code imports them in.
import torch  # isort: skip
from sentence_transformers import SentenceTransformer  # isort: skip

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_SCIFACT, REQUEST_TIMEOUT_S, Server, load_scifact, scifact_index  # noqa: E402
from bench.machine import encoder_info, results_file, write_results  # noqa: E402
from indexer.embedder import bundled_model_path  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.answers import answer_question, default_answer_model  # noqa: E402
from search_app.requests import SearchRequest  # noqa: E402
from search_app.searcher import SERVER_STAGES, Searcher  # noqa: E402

K = 10
ASK_K = 5
# The server runs the keyword half of hybrid search in a pool beside the encoder; so do we.
KEYWORD_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="keyword")
# Bounds: no phase may run away (requests and server starts are bounded in bench.common).
PHASE_DEADLINE_S = 900.0


# ------------------------------------------------------------------ figures


def summary(ms: list[float], errors: int = 0, **extra) -> dict:
    a = np.asarray(ms, dtype=np.float64)
    out = {"n": int(a.size), "errors": errors}
    if a.size:
        p50, p95, p99 = np.percentile(a, [50, 95, 99])
        out.update(p50_ms=round(float(p50), 2), p95_ms=round(float(p95), 2), p99_ms=round(float(p99), 2),
                   mean_ms=round(float(a.mean()), 2))
    out.update(extra)
    return out


def timed_loop(fn, queries: list[str], deadline_s: float = PHASE_DEADLINE_S) -> list[float]:
    """Milliseconds of fn(q) for each query, stopping early (bounded) past the deadline."""
    times = []
    stop_at = time.monotonic() + deadline_s
    for q in queries:
        started = time.perf_counter()
        fn(q)
        times.append(1000 * (time.perf_counter() - started))
        if time.monotonic() > stop_at:
            print(f"  phase deadline ({deadline_s:.0f} s) reached after {len(times)} queries", file=sys.stderr)
            break
    return times


# ------------------------------------------------------------------ the limit


def measure_limit(model, vector_index, warmup: list[str], queries: list[str]) -> dict:
    """Plain `encode([query])` + FAISS search, k=10: nothing else (no FAISS when vector_index
    is None: the encoder alone)."""

    def one(q: str):
        vector = model.encode([q])
        return None if vector_index is None else vector_index.search(vector, K)

    for q in warmup:
        one(q)
    return summary(timed_loop(one, queries))


def measure_encoder(embedder, warmup: list[str], queries: list[str]) -> dict:
    for q in warmup:
        embedder.embed_query(q)
    return summary(timed_loop(embedder.embed_query, queries))


# ------------------------------------------------------------------ in process


def measure_in_process(generation, embedder, warmup: list[str], queries: list[str], what: str) -> dict:
    """A fresh Searcher (empty query cache), warmed up on other queries, each query once."""
    searcher = Searcher(generation, embedder, SERVER_STAGES, executor=KEYWORD_POOL)  # as the server runs it
    if what == "ask":
        model = default_answer_model()

        def one(q: str):
            return answer_question(searcher, SearchRequest(q, k=ASK_K, mode="hybrid"), model)
    else:
        def one(q: str):
            return searcher.search(SearchRequest(q, k=K, mode=what))
    for q in warmup:
        one(q)
    cached_before = searcher.encoder.cached_queries
    times = timed_loop(one, queries)
    # Every measured query had to be embedded: the cache grew by one per distinct query.
    embedded = searcher.encoder.cached_queries - cached_before
    return summary(times, embedded_queries=embedded)


def profile_in_process(generation, embedder, warmup: list[str], queries: list[str], top: int = 25) -> str:
    searcher = Searcher(generation, embedder, SERVER_STAGES, executor=KEYWORD_POOL)  # as the server runs it
    for q in warmup:
        searcher.search(SearchRequest(q, k=K, mode="hybrid"))
    profiler = cProfile.Profile()
    profiler.enable()
    for q in queries:
        searcher.search(SearchRequest(q, k=K, mode="hybrid"))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# ------------------------------------------------------------------ over HTTP


def measure_http(base: str, path: str, params: dict, warmup: list[str], queries: list[str], gap_s: float = 0.0) -> dict:
    """One client, one persistent connection; each query once. Client-side latency with the
    body read; the server's own took_ms (time inside Searcher/answer) beside it. With `gap_s`,
    the client waits that long (untimed) before each request: a reader's pace, not a loop's."""
    import httpx

    errors = 0
    took: list[float] = []
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as client:
        def one(q: str):
            return client.get(path, params={"q": q, **params})

        for q in warmup:
            one(q)
        times, stop_at = [], time.monotonic() + PHASE_DEADLINE_S
        for q in queries:
            time.sleep(gap_s)
            started = time.perf_counter()
            try:
                r = one(q)
                ok = r.status_code == 200
            except httpx.HTTPError:
                r, ok = None, False
            elapsed = 1000 * (time.perf_counter() - started)
            if not ok:
                errors += 1
                continue
            times.append(elapsed)
            took.append(float(r.json()["took_ms"]))
            if time.monotonic() > stop_at:
                print(f"  phase deadline reached after {len(times)} queries", file=sys.stderr)
                break
    server = round(float(np.percentile(took, 50)), 2) if took else None
    return summary(times, errors, server_took_p50_ms=server)


HTTP_PHASES = (
    ("http_search_hybrid", "/api/search", {"k": K, "mode": "hybrid"}, f"HTTP /api/search hybrid k={K}"),
    ("http_ask_hybrid", "/api/ask", {"k": ASK_K, "mode": "hybrid"}, f"HTTP /api/ask hybrid k={ASK_K}"),
    ("http_search_semantic", "/api/search", {"k": K, "mode": "semantic"}, f"HTTP /api/search semantic k={K}"),
)


# ------------------------------------------------------------------ main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--index", type=Path, default=None,
                        help="an existing index to query (default: the SciFact index of bench/quality.py, built if needed)")
    parser.add_argument("--limit", type=int, default=0, help="first N test queries only (quick looks)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up queries per phase (never test queries)")
    parser.add_argument("--starts", type=int, default=3, help="cold starts to time (at least one per HTTP phase is made)")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of in-process hybrid search")
    parser.add_argument("--sparse", type=int, default=60,
                        help="then N more /api/search hybrid requests (non-test claims), one every --gap seconds (0: none)")
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between the sparse requests")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-spinning", action="store_true",
                        help="the product's encoder threads sleep between queries (STATEMENT_SEARCH_ENCODER_SPINNING=0), "
                             "in process and in the servers; written to http_speed-nospin.json")
    parser.add_argument("--embedder", default="minilm",
                        help="the product's embedder kind, in process and in the servers (minilm-bf16, ...); its "
                             "SciFact index lives in its own cache (XDG_CACHE_HOME), as for bench/quality.py")
    return parser.parse_args()


def measure_servers(index: Path, args, warmup: list[str], queries: list[str], sparse_queries: list[str],
                    rows: dict) -> list[dict]:
    """One fresh server per HTTP phase (the first also gets the sparse phase); their start-up
    times are the cold starts, returned."""
    cold: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="ss-bench-http-") as logs:
        for number in range(max(args.starts, len(HTTP_PHASES))):
            server = Server(index, Path(logs), number, EMBEDDER=args.embedder,
                            ENCODER_SPINNING="0" if args.no_spinning else "1")
            try:
                print(f"server {number + 1}: starting on port {server.port} ...", file=sys.stderr)
                start = server.start(warmup[0] if warmup else queries[0])
                if number < args.starts:
                    cold.append(start)
                if number < len(HTTP_PHASES):
                    key, path, params, _ = HTTP_PHASES[number]
                    print(f"server {number + 1}: {path} {params} ...", file=sys.stderr)
                    rows[key] = measure_http(server.base, path, params, warmup, queries)
                if number == 0 and args.sparse:
                    # Claims this server has not seen (its query cache would answer the test
                    # queries it was just asked), one every --gap seconds.
                    print(f"server 1: /api/search hybrid, one query every {args.gap} s ...", file=sys.stderr)
                    rows["http_search_hybrid_sparse"] = measure_http(
                        server.base, "/api/search", {"k": K, "mode": "hybrid"}, [], sparse_queries, args.gap)
            finally:
                server.stop()
    return cold


def add_ratios(rows: dict) -> None:
    """Each row's p50 over the limit's at the start of the run, and over the mean of the start
    and end readings: the torch limit itself moves by ~10% between readings on these VMs."""
    start = rows["limit"].get("p50_ms")
    end = rows.get("limit_end", {}).get("p50_ms")
    mean = (start + end) / 2 if start and end else start
    for row in rows.values():
        if start and "p50_ms" in row:
            row["p50_to_limit"] = round(row["p50_ms"] / start, 3)
            row["p50_to_limit_mean"] = round(row["p50_ms"] / mean, 3)


def print_table(rows: dict, cold_start: dict, labels: dict[str, str], heading: str) -> None:
    print()
    print(heading)
    print(f"{'':42} {'p50':>7} {'p95':>7} {'p99':>7} {'mean':>7} {'errors':>6} {'server':>7} {'p50/limit':>9} {'/mean limit':>11}")
    for key, label in labels.items():
        r = rows.get(key)
        if not r or "p50_ms" not in r:
            continue
        server = f"{r['server_took_p50_ms']:7.2f}" if r.get("server_took_p50_ms") is not None else f"{'':7}"
        print(f"{label:42} {r['p50_ms']:7.2f} {r['p95_ms']:7.2f} {r['p99_ms']:7.2f} {r['mean_ms']:7.2f} "
              f"{r['errors']:6d} {server} {r.get('p50_to_limit', float('nan')):8.2f}x "
              f"{r.get('p50_to_limit_mean', float('nan')):10.2f}x")
    print(f"{'(server = p50 of took_ms inside the handler)':42}")
    if cold_start["runs"]:
        runs = ", ".join(f"{c['health_ok_s']:.2f}/{c['first_answer_s']:.2f}" for c in cold_start["runs"])
        print(f"\ncold start, median of {len(cold_start['runs'])}: health ok {cold_start['health_ok_median_s']:.2f} s, "
              f"first answered query {cold_start['first_answer_median_s']:.2f} s   (runs: {runs})")


def main() -> None:
    args = parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    tests, _ = load_scifact(args.scifact, "test")
    others, _ = load_scifact(args.scifact, "dev")
    queries = list(tests.values())[: args.limit or None]
    unseen = [q for q in others.values() if q not in tests.values()]
    warmup, sparse_queries = unseen[: args.warmup], unseen[args.warmup : args.warmup + args.sparse]
    index = args.index or scifact_index(args.scifact, make_embedder(args.embedder))
    generation = open_current(index)
    generation.positions()  # as the server reads them once it serves (live_index.read_positions_later)
    counts = generation.counts()
    print(f"index {index}: {counts.get('documents')} documents, {counts.get('chunks')} chunks, "
          f"vectors {generation.manifest.get('vector_index', {}).get('kind')}; "
          f"{len(queries)} queries, {len(warmup)} warm-up", file=sys.stderr)

    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    results: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
                    "torch_threads": torch.get_num_threads(),
                    "import_order": "torch (sentence-transformers) before faiss in this process"},
        "index": {"path": str(index), "generation": generation.name, **counts,
                  "vector_index": generation.manifest.get("vector_index", {})},
        "queries": len(queries), "warmup_per_phase": len(warmup),
        "method": "each test query once per phase after warm-up on non-test SciFact claims; fresh Searcher "
                  "(in process) or freshly started server (HTTP) per phase, so the query-embedding cache never "
                  "answers a measured query; client-side latency with one persistent connection",
    }
    rows: dict = {}

    print("limit: plain encode([query]) + FAISS search ...", file=sys.stderr)
    model = SentenceTransformer(str(bundled_model_path()), device="cpu", local_files_only=True)
    rows["limit"] = measure_limit(model, generation.vector_index, warmup, queries)
    rows["encode_only"] = measure_limit(model, None, warmup, queries)

    import faiss

    faiss_threads = faiss.omp_get_max_threads()  # the limit runs FAISS as a plain script would

    print("in process: Searcher.search and answer_question ...", file=sys.stderr)
    # The product's own encoder (ONNX Runtime, what the server runs), loaded as the server loads it.
    embedder = make_embedder(args.embedder, spinning=not args.no_spinning)
    rows["encode_only_product"] = measure_encoder(embedder, warmup, queries)
    rows["inproc_search_hybrid"] = measure_in_process(generation, embedder, warmup, queries, "hybrid")
    rows["inproc_search_semantic"] = measure_in_process(generation, embedder, warmup, queries, "semantic")
    rows["inproc_ask_hybrid"] = measure_in_process(generation, embedder, warmup, queries, "ask")
    profile = profile_in_process(generation, embedder, warmup, queries) if args.profile else None

    cold = measure_servers(index, args, warmup, queries, sparse_queries, rows)

    print("limit again, end of run ...", file=sys.stderr)
    faiss.omp_set_num_threads(faiss_threads)  # the in-process searches ran FAISS on one thread
    rows["limit_end"] = measure_limit(model, generation.vector_index, warmup, queries)

    add_ratios(rows)
    results["latency"] = rows
    results["cold_start"] = {
        "runs": cold,
        "health_ok_median_s": round(float(np.median([c["health_ok_s"] for c in cold])), 3) if cold else None,
        "first_answer_median_s": round(float(np.median([c["first_answer_s"] for c in cold])), 3) if cold else None,
    }

    out = args.out or results_file("http_speed-nospin" if args.no_spinning else "http_speed", args.embedder)
    write_results(out, results, encoder=encoder_info(args.embedder))

    labels = {
        "limit": f"limit: ST encode([q]) + FAISS k={K}",
        "encode_only": "encoder alone: ST encode([q]), no FAISS",
        "encode_only_product": "our encoder alone (ONNX Runtime)",
        "inproc_search_hybrid": f"in-process Searcher.search hybrid k={K}",
        "inproc_search_semantic": f"in-process Searcher.search semantic k={K}",
        "inproc_ask_hybrid": f"in-process answer_question hybrid k={ASK_K}",
        **{key: label for key, _, _, label in HTTP_PHASES},
        "http_search_hybrid_sparse": f"HTTP /api/search hybrid, 1 per {args.gap:g} s",
        "limit_end": "limit again (end of run)",
    }
    print_table(rows, results["cold_start"], labels,
                f"SciFact: {counts.get('chunks')} chunks, {len(queries)} test queries each once, "
                f"{len(warmup)} other warm-up queries per phase; ms")
    if profile:
        print("\ncProfile of in-process hybrid Searcher.search over the same queries:\n" + profile)
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
