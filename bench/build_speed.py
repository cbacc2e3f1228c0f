"""Indexer figures on BEIR SciFact: build throughput against the encoder's own limit,
incremental add, no-change build, and peak memory.

    .venv/bin/python bench/build_speed.py [--scifact ../shared/benchmarks/scifact] [--out bench/results/build_speed.json]
    .venv/bin/python bench/build_speed.py --profile 500   # only: where a build's time goes (cProfile, 500 docs)

Everything is measured in one run on this machine; ratios matter more than seconds. The build
runs the product's encoder (ONNX Runtime; its one-time export from the bundled weights is cached
beforehand, as after any first build); the limit is plain sentence-transformers encode().
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import encoder_info, results_file, write_results  # noqa: E402

DEFAULT_SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact"


def run_cli(args: list[str], env: dict) -> tuple[float, int, str]:
    """Run `python -m indexer ...` in a child; returns (seconds, peak RSS in MB, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "indexer", *args], env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"indexer {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # RUSAGE_CHILDREN keeps the largest child so far: only trust it for the first, biggest run.
    return seconds, max(peak, before) // 1024, proc.stdout


def encode_limit(index: Path, batch_size: int) -> dict:
    """Plain SentenceTransformer.encode of exactly the texts the build embedded."""
    from sentence_transformers import SentenceTransformer

    from indexer.chunking import embedding_text
    from indexer.embedder import bundled_model_path
    from indexer.generation import open_current
    from indexer.models import Chunk

    generation = open_current(index)
    texts = []
    for info in generation.documents():
        doc = generation.document(info.doc_id)
        for c in generation.document_chunks(info.doc_id):
            texts.append(embedding_text(doc, Chunk(c.doc_id, c.ordinal, c.start, c.end, c.text, c.heading, c.page)))
    model = SentenceTransformer(str(bundled_model_path()), device="cpu", local_files_only=True)
    model.encode(texts[:64], batch_size=batch_size)  # warm-up
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - started
    return {"chunks": len(texts), "seconds": seconds, "chunks_per_s": len(texts) / seconds}


def profile_build(scifact: Path, n_docs: int, top: int = 20) -> None:
    """cProfile of an in-process build of the first n_docs SciFact documents."""
    import cProfile
    import pstats

    from indexer.build import build_index
    from indexer.embedders import make_embedder

    with tempfile.TemporaryDirectory(prefix="ss-bench-profile-") as work:
        corpus = Path(work) / "corpus"
        corpus.mkdir()
        with open(scifact / "corpus.jsonl", encoding="utf-8") as src:
            lines = [line for _, line in zip(range(n_docs), src)]
        (corpus / "scifact.jsonl").write_text("".join(lines), encoding="utf-8")
        embedder = make_embedder("minilm")
        embedder.embed_query("load the model before profiling")
        profiler = cProfile.Profile()
        profiler.enable()
        report = build_index(corpus, Path(work) / "index", embedder)
        profiler.disable()
        print(f"build of {report.documents} documents, {report.chunks} chunks")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--out", type=Path, default=None,
                        help="default bench/results/build_speed.json (build_speed-<embedder>.json for another embedder)")
    parser.add_argument("--embedder", default="minilm", help="the build's embedder kind (minilm, minilm-int8, ...)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5, help="no-change builds to time")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="instead: print a cProfile of building the first N documents")
    args = parser.parse_args()
    args.out = args.out or results_file("build_speed", args.embedder)
    if args.profile:
        profile_build(args.scifact, args.profile)
        return

    work = Path(tempfile.mkdtemp(prefix="ss-bench-build-"))
    corpus, index = work / "corpus", work / "index"
    corpus.mkdir()
    shutil.copyfile(args.scifact / "corpus.jsonl", corpus / "scifact.jsonl")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "STATEMENT_SEARCH_BATCH_SIZE": str(args.batch_size),
           "STATEMENT_SEARCH_EMBEDDER": args.embedder}
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "batch_size": args.batch_size,
                     "embedder": args.embedder}
    try:
        print("full build of SciFact ...", flush=True)
        seconds, peak_mb, out = run_cli(["build", "--corpus", str(corpus), "--index", str(index), "--quiet", "--json"], env)
        report = json.loads(out)
        results["full_build"] = {
            "seconds": round(seconds, 2),
            "documents": report["documents"],
            "chunks": report["chunks"],
            "chunks_per_s": round(report["chunks"] / seconds, 2),
            "peak_rss_mb": peak_mb,
        }

        print("plain SentenceTransformer.encode of the same chunk texts ...", flush=True)
        limit = encode_limit(index, args.batch_size)
        results["encode_limit"] = {k: round(v, 2) for k, v in limit.items()}
        results["build_to_limit_ratio"] = round(results["full_build"]["chunks_per_s"] / limit["chunks_per_s"], 3)
        # Issue 17's figure: the whole build's time over plain encode's time of the same texts.
        results["build_time_to_encode_time"] = round(results["full_build"]["seconds"] / limit["seconds"], 3)

        print("no-change builds ...", flush=True)
        times = [run_cli(["build", "--corpus", str(corpus), "--index", str(index), "--quiet"], env)[0] for _ in range(args.repeats)]
        results["no_change_build_s"] = {"median": round(statistics.median(times), 3), "runs": [round(t, 3) for t in times]}

        print("incremental: one new document in a new file ...", flush=True)
        (corpus / "one-more.jsonl").write_text(
            json.dumps({"_id": "bench-new-1", "title": "Forced criminality in scam centres",
                        "text": "Trafficking for forced criminality in cyber-scam centres continues to grow. "
                                "Legal frameworks must let prosecutors follow the money across borders."}) + "\n"
        )
        seconds, _, out = run_cli(["build", "--corpus", str(corpus), "--index", str(index), "--quiet", "--json"], env)
        report = json.loads(out)
        results["incremental_new_file"] = {
            "seconds": round(seconds, 2), "chunks_embedded": report["chunks_embedded"],
            "share_of_full_build": round(seconds / results["full_build"]["seconds"], 4),
        }

        print("incremental: one line appended to the big JSONL ...", flush=True)
        with open(corpus / "scifact.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"_id": "bench-new-2", "title": "Victim identification",
                                 "text": "Screening and referral tools help identify victims of trafficking."}) + "\n")
        seconds, _, out = run_cli(["build", "--corpus", str(corpus), "--index", str(index), "--quiet", "--json"], env)
        report = json.loads(out)
        results["incremental_appended_line"] = {
            "seconds": round(seconds, 2), "chunks_embedded": report["chunks_embedded"],
            "chunks_reused": report["chunks_reused"],
            "share_of_full_build": round(seconds / results["full_build"]["seconds"], 4),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)

    write_results(args.out, results, encoder=encoder_info(args.embedder))
    fb, lim = results["full_build"], results["encode_limit"]
    print()
    print(f"{'figure':44} value")
    print(f"{'full build (SciFact)':44} {fb['seconds']} s, {fb['documents']} docs, {fb['chunks']} chunks, {fb['chunks_per_s']} chunks/s")
    print(f"{'plain encode, same texts, batch ' + str(args.batch_size):44} {lim['seconds']} s, {lim['chunks_per_s']} chunks/s")
    print(f"{'build / encode throughput ratio (target 0.9)':44} {results['build_to_limit_ratio']}")
    print(f"{'build time / plain encode time (issue 17)':44} {results['build_time_to_encode_time']}x ({args.embedder})")
    print(f"{'peak RSS of the full build':44} {fb['peak_rss_mb']} MB")
    print(f"{'no-change build, median of ' + str(args.repeats):44} {results['no_change_build_s']['median']} s")
    for key in ("incremental_new_file", "incremental_appended_line"):
        r = results[key]
        print(f"{key.replace('_', ' '):44} {r['seconds']} s, {r['chunks_embedded']} embedded, {100 * r['share_of_full_build']:.1f}% of full")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
