"""What several bench scripts share: where BEIR SciFact lives, its queries and qrels, the
SciFact index built (or reused) through our own indexer in a cache folder outside the repo,
large synthetic vector sets grown from its chunk vectors, the real server
(`python -m search_app`) in a child process on 127.0.0.1, and its memory.

Imported as `bench.common` (the scripts put the repository root on sys.path).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact"
# A blank XDG_CACHE_HOME counts as unset, as for the model cache (indexer/host.py): Path("")
# would put the bench indexes in the working directory.
CACHE = Path(os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache") / "statement-search" / "bench"
# Bounds for the server helpers: no request may hang a run, no start may wait for ever.
REQUEST_TIMEOUT_S = 30.0
START_DEADLINE_S = 180.0
POLL_S = 0.05


def load_scifact(scifact: Path, split: str, limit: int = 0) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(queries, qrels) in queries.jsonl order, the first `limit` only if given. `test`: the
    claims in qrels/test.tsv with their relevant documents; `dev`: the other claims, labelled
    by their own evidence annotations."""
    test: dict[str, set[str]] = {}
    with open(scifact / "qrels" / "test.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            qid, did, score = line.strip().split("\t")
            if int(score) > 0:
                test.setdefault(qid, set()).add(did)
    queries, qrels = {}, {}
    with open(scifact / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            q = json.loads(line)
            if split == "test" and q["_id"] in test:
                queries[q["_id"]], qrels[q["_id"]] = q["text"], test[q["_id"]]
            elif split == "dev" and q["_id"] not in test and q.get("metadata"):
                # Evidence annotations of non-test claims: labels for tuning only, never retriever input.
                queries[q["_id"]], qrels[q["_id"]] = q["text"], set(q["metadata"])
            if limit and len(queries) == limit:
                break
    return queries, qrels


def scifact_claims(scifact: Path) -> list[str]:
    """Every distinct SciFact claim text (1105 of the 1109 claims), the test queries first, then the others in
    file order: more than the server's query-embedding cache holds, so rotating through them
    never hits that cache."""
    tests = list(load_scifact(scifact, "test")[0].values())
    seen = set(tests)
    out = list(tests)
    with open(scifact / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"]
            if text not in seen:
                seen.add(text)
                out.append(text)
    return out


def scifact_index(scifact: Path, embedder) -> Path:
    """The SciFact corpus indexed by our indexer in CACHE (built on first use, ~7 min on 2
    cores; later calls are a no-change build)."""
    from indexer.build import build_index

    corpus, index = CACHE / "scifact" / "corpus", CACHE / "scifact" / "index"
    corpus.mkdir(parents=True, exist_ok=True)
    link = corpus / "scifact.jsonl"
    if not link.exists():
        link.symlink_to((scifact / "corpus.jsonl").resolve())
    report = build_index(corpus, index, embedder, progress=sys.stderr.isatty())
    print(f"SciFact index: {report.documents} documents, {report.chunks} chunks "
          f"({'built' if report.published else 'up to date'}, {report.seconds:.0f} s)", file=sys.stderr)
    return index


def stored_vectors(generation) -> np.ndarray:
    """Every chunk vector of an opened Generation, in chunk id order (n x dimension, float32)."""
    return generation.all_vectors()[1]


# ------------------------------------------------------------------ search stages


class Remembered:
    """A retriever stage that remembers each query's candidates: every variant fuses the same lists."""

    def __init__(self, retriever):
        self.retriever, self.name, self.memo = retriever, retriever.name, {}

    def retrieve(self, query, n, scope):
        key = (query.text, query.expansions, n, None if scope.ids is None else scope.ids.tobytes())
        if key not in self.memo:
            self.memo[key] = self.retriever.retrieve(query, n, scope)
        return self.memo[key]


# ------------------------------------------------------------------ synthetic vectors

SYNTH_BLOCK = 100_000


def synthesise_blocks(base: np.ndarray, n: int, seed: int = 0) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """N vectors grown from real ones, block by block: (first row, a, b, vectors). The first
    block is `base` itself (a = b = its row numbers); every later row mixes two random base
    rows and adds noise, v = norm(0.7 base[a] + 0.3 base[b] + noise), so the set keeps the real
    vectors' geometry instead of being uniform noise. a and b let a caller make a matching text."""
    rng = np.random.default_rng(seed)
    head = min(n, len(base))
    rows = np.arange(head)
    yield 0, rows, rows, np.ascontiguousarray(base[:head], dtype=np.float32)
    for lo in range(len(base), n, SYNTH_BLOCK):
        m = min(SYNTH_BLOCK, n - lo)
        a = rng.integers(0, len(base), m)
        b = rng.integers(0, len(base), m)
        noise = rng.standard_normal((m, base.shape[1]), dtype=np.float32) * (0.1 / np.sqrt(base.shape[1]))
        v = 0.7 * base[a] + 0.3 * base[b] + noise
        yield lo, a, b, (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32, copy=False)


def synthesise(base: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """All of synthesise_blocks' vectors in one array."""
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for lo, _, _, v in synthesise_blocks(base, n, seed):
        out[lo : lo + len(v)] = v
    return out


# ------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(index: Path, port: int, **extra: str) -> dict:
    """The environment of a benchmarked server: ours without any STATEMENT_SEARCH_* of the
    caller, then the index, loopback host and port, the real model, offline; `extra` names
    further settings without the prefix (RELOAD_INTERVAL="0.2")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_SEARCH_")}
    env.update({
        "STATEMENT_SEARCH_INDEX": str(index),
        "STATEMENT_SEARCH_HOST": "127.0.0.1",
        "STATEMENT_SEARCH_PORT": str(port),
        "STATEMENT_SEARCH_EMBEDDER": "minilm",
        # Load benchmarks are one client sending thousands of requests: no per-client limit
        # unless a benchmark sets one (RATE_LIMIT="120/minute").
        "STATEMENT_SEARCH_RATE_LIMIT": "off",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    })
    env.update({f"STATEMENT_SEARCH_{k}": str(v) for k, v in extra.items()})
    return env


class Server:
    """`python -m search_app` in a child process on 127.0.0.1 and a free port; always stop()
    it (a finally block)."""

    def __init__(self, index: Path, log_dir: Path, number: int = 0, **extra_env: str):
        self.index = index
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"server-{number}.log"
        self.extra_env = extra_env
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self, first_query: str, k: int = 10) -> dict:
        """Spawn, then time health ok and the first answered /api/search (seconds)."""
        import httpx

        with open(self.log_path, "wb") as log:
            started = time.perf_counter()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "search_app", "--index", str(self.index), "--host", "127.0.0.1",
                 "--port", str(self.port)],
                cwd=ROOT, env=server_env(self.index, self.port, **self.extra_env), stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        stop_at = time.monotonic() + START_DEADLINE_S
        health = None
        with httpx.Client(base_url=self.base, timeout=REQUEST_TIMEOUT_S) as client:
            while health is None:
                self._check_alive()
                if time.monotonic() > stop_at:
                    raise RuntimeError(f"server not healthy after {START_DEADLINE_S:.0f} s; see {self.log_path}")
                try:
                    r = client.get("/api/health")
                    if r.status_code == 200 and r.json().get("status") == "ok":
                        health = time.perf_counter() - started
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(POLL_S)
            r = client.get("/api/search", params={"q": first_query, "k": k, "mode": "hybrid"})
            if r.status_code != 200 or not r.json().get("results"):
                raise RuntimeError(f"first query failed: {r.status_code} {r.text[:300]}")
            first = time.perf_counter() - started
        return {"health_ok_s": round(health, 3), "first_answer_s": round(first, 3)}

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def _check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail(2000)}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc/<pid>/task/<tid>/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
            except OSError:
                pass
    return out


def tree_rss_mb(pid: int) -> float | None:
    """VmRSS of pid and its descendants, MB (None once pid is gone)."""
    total_kb, found = 0, False
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
                        found = True
                        break
        except OSError:
            pass
    return round(total_kb / 1024, 1) if found else None


def install_sigterm_exit() -> None:
    """Make SIGTERM (and SIGHUP) raise SystemExit, so `finally` blocks stop what a script started."""
    import signal

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)


def time_calls(call, items, runs: int) -> dict:
    """p50/p95 in milliseconds of call(item) over the first `runs` items, in process."""
    times = []
    for item in list(items)[:runs]:
        started = time.perf_counter()
        call(item)
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "runs": len(times)}
