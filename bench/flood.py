"""One client floods the API; do the others notice? The per-client rate limit under load.

    .venv/bin/python bench/flood.py [--seconds 20] [--others 3] [--flood-connections 32] [--limit 120/minute]

The real server (`python -m search_app`, real model, the SciFact index of bench/quality.py)
runs on 127.0.0.1 with the rate limit given (the product's default: 10/second; 120/minute
per client).
"Other clients" are --others well-behaved clients, each from its own loopback address
(127.0.0.11, .12, ...), each sending one /api/search a second (SciFact claims, under the
limit). After a 5-second warm-up they run twice for --seconds: on an idle server, then while one flooding client sends
/api/search from --flood-connections connections as fast as the server answers: wrk when it
is installed (one thread; told apart by an Origin header, as a widget's site is), else an
httpx client from 127.0.0.2 in this process (which takes a core of its own from the server). Reported: the others' p50/p95 latency idle and under flood, the ratio of the p95s,
the others' failed requests (must be none), and what the flooder got (200s, 429s, requests/s).
Bounded in time; the server is always stopped. Results: bench/results/flood.json.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench.common import DEFAULT_SCIFACT, REQUEST_TIMEOUT_S, Server, load_scifact, scifact_index  # noqa: E402
from bench.machine import write_results  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "flood.json"
FLOODER_ADDRESS = "127.0.0.2"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


async def polite_client(base: str, address: str, queries: list[str], seconds: float, out: dict) -> None:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=REQUEST_TIMEOUT_S) as client:
        stop_at = time.monotonic() + seconds
        i = 0
        while time.monotonic() < stop_at:
            tick = time.monotonic()
            try:
                r = await client.get("/api/search", params={"q": queries[i % len(queries)], "k": 10})
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            took = 1000 * (time.monotonic() - tick)
            out["latencies"].append(took) if ok else None
            out["failed"] += not ok
            i += 1
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))


async def flooder(base: str, queries: list[str], seconds: float, connections: int, out: dict) -> None:
    transport = httpx.AsyncHTTPTransport(local_address=FLOODER_ADDRESS)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, transport=transport, limits=limits, timeout=REQUEST_TIMEOUT_S) as client:
        stop_at = time.monotonic() + seconds

        async def worker(n: int) -> None:
            i = n
            while time.monotonic() < stop_at:
                try:
                    r = await client.get("/api/search", params={"q": queries[i % len(queries)], "k": 10})
                    out[str(r.status_code)] = out.get(str(r.status_code), 0) + 1
                except httpx.HTTPError:
                    out["errors"] = out.get("errors", 0) + 1
                i += connections

        await asyncio.gather(*(worker(n) for n in range(connections)))


async def wrk_flooder(base: str, query: str, seconds: float, connections: int, out: dict) -> None:
    """wrk (one thread) as the flooder: light on the CPU the server shares. It cannot choose its
    source address, so it is told apart from the others by an Origin header (the limit's key
    is address and Origin)."""
    url = f"{base}/api/search?{httpx.QueryParams({'q': query, 'k': 10})}"
    proc = await asyncio.create_subprocess_exec(
        "wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "-H", "Origin: https://flood.example", url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    text = (await proc.communicate())[0].decode()
    total = re.search(r"(\d+) requests in", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["requests"] = int(total.group(1)) if total else None
    out["not_200"] = int(non_2xx.group(1)) if non_2xx else 0
    out["tool"] = "wrk"


async def phase(base: str, queries: list[str], args, flood: bool) -> dict:
    others = [{"latencies": [], "failed": 0} for _ in range(args.others)]
    flood_out: dict = {}
    tasks = [polite_client(base, f"127.0.0.{11 + n}", queries[n * 50:], args.seconds, others[n])
             for n in range(args.others)]
    if flood and args.flooder == "wrk":
        tasks.append(wrk_flooder(base, queries[500], args.seconds, args.flood_connections, flood_out))
    elif flood:
        tasks.append(flooder(base, queries[500:], args.seconds, args.flood_connections, flood_out))
    await asyncio.gather(*tasks)
    latencies = [x for o in others for x in o["latencies"]]
    result = {"requests": len(latencies), "failed": sum(o["failed"] for o in others),
              "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 0.95), 1)}
    if flood:
        total = flood_out.get("requests") or sum(v for k, v in flood_out.items() if k.isdigit())
        result["flooder"] = {**flood_out, "requests_per_s": round(total / args.seconds, 1)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--others", type=int, default=3)
    parser.add_argument("--flood-connections", type=int, default=32)
    parser.add_argument("--limit", default=Settings.from_env({}).rate_limit,
                        help="the server's STATEMENT_SEARCH_RATE_LIMIT (default: the product's)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (each counts its own clients)")
    parser.add_argument("--flooder", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python",
                        help="wrk (apt-get install wrk; light on CPU) or an httpx client in this process")
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    args = parser.parse_args()
    index = scifact_index(args.scifact, make_embedder("minilm"))
    queries = list(load_scifact(args.scifact, "test")[0].values()) + list(load_scifact(args.scifact, "dev")[0].values())
    with tempfile.TemporaryDirectory() as logs:
        server = Server(index, Path(logs), RATE_LIMIT=args.limit, WORKERS=args.workers)
        try:
            server.start(queries[0])
            # A warm-up the figures leave out: the first searches of a fresh process are slower.
            asyncio.run(phase(server.base, queries[::-1], argparse.Namespace(**{**vars(args), "seconds": 5}), flood=False))
            idle = asyncio.run(phase(server.base, queries, args, flood=False))
            flooded = asyncio.run(phase(server.base, queries, args, flood=True))
        finally:
            server.stop()
    ratio = round(flooded["p95_ms"] / idle["p95_ms"], 2)
    results = {"limit": args.limit, "workers": args.workers, "flooder_tool": args.flooder, "seconds": args.seconds, "others": args.others,
               "flood_connections": args.flood_connections, "idle": idle, "flood": flooded,
               "p95_ratio_flood_to_idle": ratio, "machine": platform.processor() or platform.machine()}
    print(f"others idle:        p50 {idle['p50_ms']} ms, p95 {idle['p95_ms']} ms, {idle['failed']} failed of "
          f"{idle['requests'] + idle['failed']}")
    print(f"others under flood: p50 {flooded['p50_ms']} ms, p95 {flooded['p95_ms']} ms, {flooded['failed']} failed of "
          f"{flooded['requests'] + flooded['failed']}  (p95 ratio {ratio}; target <= 2)")
    print(f"flooder ({args.flood_connections} connections): {flooded['flooder']}")
    write_results(RESULTS, results)
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
