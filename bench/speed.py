"""The speed-and-scale table in one command: runs the speed benchmarks one after another (never
side by side: they would share the 2 cores) and prints their figures together.

    .venv/bin/python bench/speed.py [--skip build,load,scale] [--scale-n 1000000] [--load-seconds 30]

Each part is its own script with its own results file, and can be run alone:
- bench/build_speed.py  full SciFact build vs plain encode, incremental, no-change, peak memory
- bench/http_speed.py   in-process and HTTP query latency vs the plain limit, cold start
- bench/load.py         wrk against /api/search with 1 and 2 server processes vs embedding alone
- bench/scale.py        1,000,000 synthetic passages: ANN recall, latency, disk and memory
This script only runs them and reads their results back; bench/results/speed.json holds the
summary printed here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import write_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PARTS = ("build", "http", "load", "scale")


def run(script: str, *args: str) -> float:
    started = time.monotonic()
    print(f"\n=== {script} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, check=True)
    return time.monotonic() - started


def read(name: str) -> dict:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else {}


def summarise(scale_n: int) -> list[tuple[str, str, str]]:
    """(figure, value, target) rows from the parts' results files."""
    rows: list[tuple[str, str, str]] = []
    b = read("build_speed.json")
    if b:
        fb, lim = b["full_build"], b["encode_limit"]
        rows += [
            ("full build, SciFact", f"{fb['seconds']} s, {fb['chunks_per_s']} chunks/s, peak {fb['peak_rss_mb']} MB", ""),
            ("plain ST encode of the same texts", f"{lim['seconds']} s, {lim['chunks_per_s']} chunks/s", ""),
            ("build / encode limit", f"{b['build_to_limit_ratio']}x", ">= 0.9x"),
            ("no-change build (median)", f"{b['no_change_build_s']['median']} s", ""),
            ("incremental: one new document", f"{b['incremental_new_file']['seconds']} s", ""),
        ]
    h = read("http_speed.json")
    if h:
        lat = h["latency"]
        for key, label in (("limit", "limit: ST encode + FAISS (p50)"), ("encode_only_product", "our encoder alone"),
                           ("inproc_search_hybrid", "in-process hybrid"), ("inproc_search_semantic", "in-process semantic"),
                           ("http_search_hybrid", "HTTP /api/search hybrid"), ("http_ask_hybrid", "HTTP /api/ask hybrid"),
                           ("http_search_semantic", "HTTP /api/search semantic")):
            r = lat.get(key)
            if r and "p50_ms" in r:
                target = "< 15 ms and < 1.0x" if key.startswith("http_search") else ""
                rows.append((label, f"p50 {r['p50_ms']} / p95 {r['p95_ms']} / p99 {r['p99_ms']} ms, "
                                    f"{r.get('p50_to_limit', '')}x limit", target))
        cs = h.get("cold_start", {})
        if cs.get("first_answer_median_s") is not None:
            rows.append(("cold start to first answer", f"{cs['first_answer_median_s']} s", ""))
    ld = read("load.json")
    if ld:
        for r in ld.get("runs", []):
            rows.append((f"load: {r['workers']} worker(s), {r['connections']} connections",
                         f"{r['rps']} req/s, p95 {r['p95_ms']} ms, errors {r['non_200'] + r['socket_errors_total']}, "
                         f"{r['rps_to_embed_limit']}x our encoder, {r.get('rps_to_plain_limit', '?')}x plain ST",
                         "0 errors, >= 0.8x"))
        rows.append(("our encoder alone (best of 1/2 threads)", f"{ld['embed_limit']['limit_qps']} queries/s", ""))
        if "plain_limit" in ld:
            rows.append(("plain ST encode alone (best of 1/2 threads)", f"{ld['plain_limit']['limit_qps']} queries/s", ""))
    s = read("scale.json" if scale_n == 1_000_000 else f"scale-{scale_n}.json")  # scale.py's naming
    if s:
        sr, lat = s.get("search", {}), s.get("search", {}).get("latency", {})
        rows += [
            (f"scale {scale_n:,}: index", f"{s['vector_index']}", ""),
            (f"scale {scale_n:,}: recall@10", f"{s['recall']['recall@10']}", ">= 0.95"),
            (f"scale {scale_n:,}: vector memory", f"{s['vector_memory']['total_mb']} MB", "< 2048 MB"),
            (f"scale {scale_n:,}: on disk", f"{s['disk']['total_mb']} MB", ""),
        ]
        for mode in ("semantic", "hybrid", "keyword"):
            if mode in lat:
                rows.append((f"scale {scale_n:,}: {mode} p50/p95", f"{lat[mode]['p50_ms']} / {lat[mode]['p95_ms']} ms",
                             "p50 < 20 ms" if mode == "semantic" else ""))
        mem = sr.get("memory_mb", {}).get("after_test_queries")
        if mem:
            rows.append((f"scale {scale_n:,}: search process RSS", f"{mem['VmRSS']} MB (peak {mem['VmHWM']})", ""))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help=f"comma-separated parts not to run ({', '.join(PARTS)})")
    parser.add_argument("--scale-n", type=int, default=1_000_000)
    parser.add_argument("--load-seconds", type=int, default=30)
    args = parser.parse_args()
    skip = {p.strip() for p in args.skip.split(",") if p.strip()}
    if skip - set(PARTS):
        parser.error(f"--skip: unknown part(s) {', '.join(sorted(skip - set(PARTS)))}")

    seconds = {}
    if "build" not in skip:
        seconds["build"] = run("build_speed.py")
    if "http" not in skip:
        seconds["http"] = run("http_speed.py")
    if "load" not in skip:
        seconds["load"] = run("load.py", "--duration", str(args.load_seconds))
    if "scale" not in skip:
        seconds["scale"] = run("scale.py", "--n", str(args.scale_n))

    rows = summarise(args.scale_n)
    write_results(RESULTS / "speed.json",
                  {"parts_run_seconds": {k: round(v, 1) for k, v in seconds.items()},
                   # Skipped parts are read from their results files as they stand (each records its own machine).
                   "parts_read_as_they_were": sorted(skip),
                   "rows": [{"figure": f, "value": v, "target": t} for f, v, t in rows]})
    print(f"\n{'figure':44} {'value':70} target")
    for figure, value, target in rows:
        print(f"{figure:44} {value:70} {target}")
    print(f"\nwritten to {RESULTS / 'speed.json'} (parts skipped: {', '.join(sorted(skip)) or 'none'})")


if __name__ == "__main__":
    main()
