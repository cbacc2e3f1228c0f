"""Queries keep succeeding while the index is rebuilt again and again, and every response
comes from one whole generation, never a mix.

    .venv/bin/python bench/rebuild_under_load.py [--builds 20] [--clients 2] [--lead 3] [--deadline 1800]

- setup: a copy of corpus/ (the seed statements) in a temporary folder, indexed there with
  the real model (`python -m indexer build`, STATEMENT_SEARCH_CORPUS / STATEMENT_SEARCH_INDEX);
  the real server (`python -m search_app`) on 127.0.0.1 and a free port serves that index.
- load: `--clients` Python threads, each with one keep-alive connection (http.client), send
  GET /api/search and /api/ask in turn, rotating through the questions of bench/questions.jsonl,
  every other one replaced by one of a few about the text the builds add and change, from
  `--lead` seconds before the first build until the server serves the last generation (plus
  a short tail). Closed loop: each client sends its next request when the last one is read.
- rebuilds: `--builds` consecutive incremental builds (`python -m indexer build`), each after
  one change to the copied corpus, in a cycle: add a new small statement file, append a
  paragraph to one of the seed statements, delete the oldest added file.
- checks: every response must be 200 with an X-Index-Generation header. A watcher copies each
  newly published generation's index.sqlite aside as soon as its folder appears (builds
  prune to the last 3 generations). After the run each response is checked against the copy
  of the generation its header names: (a) that generation was published, (b) every hit's
  document exists there with the same title, its chunk id names chunks of that document there
  whose span holds the hit's offsets, and the document text at the hit's offsets is the hit's
  text; an answer's text is the document text at its citation's offsets. A response whose
  header and results came from different generations fails (b) whenever the two differ in
  what it shows: the questions aim at the text the builds add, change and remove.

Figures: requests sent, errors (not 200, connection errors), generations published and
served, responses and hits checked, mismatches (target: zero errors, zero mismatches).
Traffic goes only to 127.0.0.1; every loop is bounded in count and time; the server is always
stopped and the temporary folder removed.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import Server, install_sigterm_exit, tree_rss_mb  # noqa: E402
from bench.machine import write_results  # noqa: E402
from indexer.generation import Generation  # noqa: E402
from indexer.layout import SQLITE, IndexDir  # noqa: E402
from search_app.results import parse_chunk_key  # noqa: E402

GENERATION_HEADER = "X-Index-Generation"
SEED_CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "bench" / "questions.jsonl"
# Questions about the text the builds add and change, so that results differ between generations.
EXTRA_QUESTIONS = (
    "What did the Kiribati delegation report on seasonal labour mobility?",
    "Kiribati seasonal labour mobility",
    "addendum on seasonal worker protections",
    "When will members review seasonal worker protections again?",
    "Tuvalu fisheries observer programme",
)
# Bounds.
REQUEST_TIMEOUT_S = 30.0
BUILD_TIMEOUT_S = 600.0
MAX_REQUESTS = 1_000_000
SNAPSHOT_POLL_S = 0.05
SWAP_WAIT_S = 30.0
TAIL_S = 2.0
KEEP_ERROR_SAMPLES = 20


# ------------------------------------------------------------------ the corpus and the builds


def indexer_env(corpus: Path, index: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_SEARCH_")}
    env.update({"STATEMENT_SEARCH_CORPUS": str(corpus), "STATEMENT_SEARCH_INDEX": str(index),
                "STATEMENT_SEARCH_EMBEDDER": "minilm", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    return env


def run_build(corpus: Path, index: Path) -> dict:
    """`python -m indexer build --json` (incremental), bounded; the report and the wall time."""
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "indexer", "build", "--json"], cwd=ROOT,
                              env=indexer_env(corpus, index), capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"a build took longer than {BUILD_TIMEOUT_S:.0f} s") from exc
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"build exited with {done.returncode}:\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    return {"generation": report.get("generation"), "published": report.get("generation") is not None,
            "seconds": round(seconds, 2), "documents": report.get("documents"), "chunks": report.get("chunks"),
            "chunks_embedded": report.get("chunks_embedded")}


class CorpusEditor:
    """One change per build, in a cycle: add a statement file, append a paragraph to a seed
    statement, delete the oldest added file."""

    def __init__(self, corpus: Path):
        self.corpus = corpus
        self.seeds = sorted(p for p in corpus.iterdir() if p.suffix in (".txt", ".md"))
        self.added: list[Path] = []
        self.step = 0

    def change(self) -> str:
        self.step += 1
        kind = ("add", "append", "delete")[(self.step - 1) % 3]
        if kind == "delete" and not self.added:
            kind = "add"
        if kind == "add":
            path = self.corpus / f"2025-01-{self.step:02d}-bench-added-statement-{self.step:03d}.txt"
            path.write_text(
                f"Bench statement {self.step} on labour mobility\n\n"
                f"The Kiribati delegation reported on seasonal labour mobility in round {self.step}. "
                f"Members welcomed the Tuvalu fisheries observer programme and its {self.step} new observers. "
                "Officials agreed to share information on recruitment fees and to protect seasonal workers "
                "from deceptive recruitment.\n",
                encoding="utf-8",
            )
            self.added.append(path)
            return f"add {path.name}"
        if kind == "append":
            path = self.seeds[(self.step // 3) % len(self.seeds)]
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(
                    f"\n\nAddendum {self.step}: members noted the Kiribati report on seasonal labour mobility and "
                    f"agreed to review seasonal worker protections again in round {self.step + 1}.\n"
                )
            return f"append to {path.name}"
        path = self.added.pop(0)
        path.unlink()
        return f"delete {path.name}"


class Snapshots:
    """Copies each newly published generation's index.sqlite aside as soon as its folder
    appears, so responses can be checked after the builds pruned it."""

    def __init__(self, index: Path, into: Path):
        self.index_dir = IndexDir(index)
        self.into = into
        self.copied: dict[str, Path] = {}
        self.seen_at: dict[str, float] = {}
        self.missed: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshots", daemon=True)

    def poll(self) -> None:
        for name in self.index_dir.generation_names():
            if name in self.copied or name in self.missed:
                continue
            target = self.into / name  # a folder holding just the generation's SQLite file
            try:
                target.mkdir(exist_ok=True)
                shutil.copyfile(self.index_dir.path / name / SQLITE, target / SQLITE)
            except FileNotFoundError:  # pruned before we saw it
                self.missed.append(name)
                continue
            self.copied[name] = target
            self.seen_at[name] = time.monotonic()

    def _run(self) -> None:
        while not self._stop.wait(SNAPSHOT_POLL_S):
            try:
                self.poll()
            except OSError as exc:  # e.g. a folder pruned between listing and copying
                print(f"  snapshot: {exc}", file=sys.stderr)

    def start(self) -> None:
        self.poll()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.poll()


# ------------------------------------------------------------------ the load


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


@dataclass(frozen=True)
class SeenHit:
    chunk_id: str
    doc_id: str
    title: str
    start: int
    end: int
    text: str  # digest


@dataclass
class Record:
    endpoint: str
    generation: str | None
    hits: list[SeenHit]
    answer: SeenHit | None = None


def seen_hit(h: dict) -> SeenHit:
    c = h["citation"]
    return SeenHit(h["chunk_id"], c["doc_id"], c["title"], c["start"], c["end"], digest(h["text"]))


@dataclass
class LoadStats:
    sent: Counter = field(default_factory=Counter)
    ok: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    connection_errors: int = 0
    missing_header: int = 0
    samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, message: str) -> None:
        if len(self.samples) < KEEP_ERROR_SAMPLES:
            self.samples.append(message)


def client_loop(number: int, port: int, questions: list[str], stats: LoadStats, stop: threading.Event,
                deadline: float) -> None:
    """One keep-alive connection; /api/search and /api/ask in turn; reconnect after an error."""
    conn: http.client.HTTPConnection | None = None
    i = number * 7
    while not stop.is_set() and time.monotonic() < deadline:
        with stats.lock:
            if sum(stats.sent.values()) >= MAX_REQUESTS:
                break
        q = questions[i % len(questions)]
        endpoint = "/api/search" if (i // len(questions) + i) % 2 == 0 else "/api/ask"
        i += 1
        path = f"{endpoint}?{urlencode({'q': q, 'k': 10 if endpoint == '/api/search' else 5})}"
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
        started = time.perf_counter()
        with stats.lock:
            stats.sent[endpoint] += 1
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            status = response.status
            generation = response.getheader(GENERATION_HEADER)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = None
            with stats.lock:
                stats.connection_errors += 1
                stats.note(f"{endpoint} q={q[:40]!r}: {type(exc).__name__}: {exc}")
            continue
        elapsed = 1000 * (time.perf_counter() - started)
        with stats.lock:
            stats.statuses[status] += 1
            if status != 200:
                stats.note(f"{endpoint} q={q[:40]!r}: {status} {body[:300]!r}")
                continue
            stats.ok[endpoint] += 1
            stats.latencies_ms.append(elapsed)
            if not generation:
                stats.missing_header += 1
                stats.note(f"{endpoint}: no {GENERATION_HEADER} header")
        data = json.loads(body)
        if endpoint == "/api/search":
            record = Record(endpoint, generation, [seen_hit(h) for h in data["results"]])
        else:
            answer = data.get("answer")
            record = Record(endpoint, generation, [seen_hit(h) for h in data["passages"]],
                            None if answer is None else SeenHit(
                                "", answer["citation"]["doc_id"], answer["citation"]["title"],
                                answer["citation"]["start"], answer["citation"]["end"], digest(answer["text"])))
        with stats.lock:
            stats.records.append(record)
    if conn is not None:
        conn.close()


def served_generation(port: int) -> str | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
        conn.request("GET", "/api/health")
        data = json.loads(conn.getresponse().read())
        conn.close()
        return data.get("generation")
    except (OSError, http.client.HTTPException, ValueError):
        return None


# ------------------------------------------------------------------ the checks


class Checker:
    """Answers from a generation's copied index.sqlite, opened read-only."""

    def __init__(self, snapshots: dict[str, Path]):
        self.snapshots = snapshots
        self.generations: dict[str, Generation] = {}
        self.docs: dict[tuple[str, str], tuple[str, str] | None] = {}
        self.spans: dict[tuple[str, str, int, int], tuple[int, int] | None] = {}

    def generation(self, name: str) -> Generation:
        """The copy's read API (only its SQLite side: the copy has no vectors)."""
        if name not in self.generations:
            self.generations[name] = Generation(self.snapshots[name], {"model": {"dimension": 0}}, None)
        return self.generations[name]

    def document(self, generation: str, doc_id: str) -> tuple[str, str] | None:
        key = (generation, doc_id)
        if key not in self.docs:
            document = self.generation(generation).document(doc_id)
            self.docs[key] = (document.title, document.text) if document else None
        return self.docs[key]

    def chunk_span(self, generation: str, doc_id: str, first: int, last: int) -> tuple[int, int] | None:
        key = (generation, doc_id, first, last)
        if key not in self.spans:
            run = self.generation(generation).chunk_run(doc_id, first, last)
            self.spans[key] = (run[0].start, run[-1].end) if len(run) == last - first + 1 else None
        return self.spans[key]

    def problems(self, record: Record) -> list[str]:
        g = record.generation
        if g not in self.snapshots:
            return [f"{record.endpoint}: header names {g!r}, not a published generation"]
        out = []
        for h in record.hits:
            doc = self.document(g, h.doc_id)
            if doc is None:
                out.append(f"{g}: hit {h.chunk_id}: no document {h.doc_id!r} in this generation")
                continue
            title, text = doc
            if title != h.title:
                out.append(f"{g}: hit {h.chunk_id}: title {h.title!r}, this generation has {title!r}")
            key = parse_chunk_key(h.chunk_id)
            span = self.chunk_span(g, *key) if key and key[0] == h.doc_id else None
            if span is None:
                out.append(f"{g}: hit {h.chunk_id}: no such chunk(s) of {h.doc_id!r} in this generation")
            elif not span[0] <= h.start <= h.end <= span[1]:
                out.append(f"{g}: hit {h.chunk_id}: offsets {h.start}-{h.end} outside its chunk {span[0]}-{span[1]}")
            if digest(text[h.start:h.end]) != h.text:
                out.append(f"{g}: hit {h.chunk_id}: text differs from the document text at {h.start}-{h.end}")
        a = record.answer
        if a is not None:
            doc = self.document(g, a.doc_id)
            if doc is None or digest(doc[1][a.start:a.end]) != a.text:
                out.append(f"{g}: answer from {a.doc_id!r} {a.start}-{a.end}: not this generation's text")
        return out


# ------------------------------------------------------------------ main


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=20, help="consecutive incremental builds (default 20)")
    parser.add_argument("--clients", type=int, default=2, help="client threads, one keep-alive connection each (default 2)")
    parser.add_argument("--lead", type=float, default=3.0, help="seconds of load before the first build (default 3)")
    parser.add_argument("--deadline", type=float, default=1800.0, help="the whole run stops by then, seconds (default 1800)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not 1 <= args.builds <= 200 or not 1 <= args.clients <= 16:
        parser.error("--builds between 1 and 200, --clients between 1 and 16")
    install_sigterm_exit()
    deadline = time.monotonic() + args.deadline

    seed_questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
                      if line.strip()]
    # Every other question is about the text the builds change, so most generations answer differently.
    questions = [q for i, seed in enumerate(seed_questions) for q in (seed, EXTRA_QUESTIONS[i % len(EXTRA_QUESTIONS)])]

    stats = LoadStats()
    stop = threading.Event()
    builds: list[dict] = []
    rss: dict = {}
    with tempfile.TemporaryDirectory(prefix="ss-bench-rebuild-") as tmp:
        tmp_path = Path(tmp)
        corpus, index, snaps = tmp_path / "corpus", tmp_path / "index", tmp_path / "snapshots"
        shutil.copytree(SEED_CORPUS, corpus)
        snaps.mkdir()
        print(f"initial build of {corpus} ...", file=sys.stderr)
        first = run_build(corpus, index)
        print(f"  {first['generation']}: {first['documents']} documents, {first['chunks']} chunks, "
              f"{first['seconds']:.1f} s", file=sys.stderr)
        snapshots = Snapshots(index, snaps)
        snapshots.start()
        server = Server(index, tmp_path)
        clients: list[threading.Thread] = []
        editor = CorpusEditor(corpus)
        try:
            print(f"server: starting on port {server.port} ...", file=sys.stderr)
            cold = server.start("trafficking in persons")
            rss["after_start_mb"] = tree_rss_mb(server.pid)
            clients = [threading.Thread(target=client_loop, name=f"client-{n}",
                                        args=(n, server.port, questions, stats, stop, deadline))
                       for n in range(args.clients)]
            for c in clients:
                c.start()
            time.sleep(args.lead)
            for n in range(1, args.builds + 1):
                if time.monotonic() > deadline:
                    print("  deadline reached: no more builds", file=sys.stderr)
                    break
                change = editor.change()
                build = run_build(corpus, index)
                build["change"] = change
                builds.append(build)
                with stats.lock:
                    sent = sum(stats.sent.values())
                print(f"  build {n}/{args.builds}: {change} -> {build['generation'] if build['published'] else 'nothing'} "
                      f"({build['seconds']:.1f} s); {sent} requests so far", file=sys.stderr)
            last = builds[-1]["generation"] if builds else first["generation"]
            swap_deadline = min(deadline, time.monotonic() + SWAP_WAIT_S)
            while not (swapped := served_generation(server.port) == last) and time.monotonic() < swap_deadline:
                time.sleep(0.1)
            rss["end_mb"] = tree_rss_mb(server.pid)
            time.sleep(TAIL_S)
        except Exception:
            print(f"server log tail ({server.log_path}):\n{server.log_tail()}", file=sys.stderr)
            raise
        finally:
            stop.set()
            for c in clients:
                c.join(timeout=REQUEST_TIMEOUT_S + 5)
            server.stop()
            snapshots.stop()
        server_log = server.log_path.read_text(errors="replace")
        tracebacks = server_log.count("Traceback")

        print(f"checking {len(stats.records)} responses against {len(snapshots.copied)} generations ...",
              file=sys.stderr)
        checker = Checker(snapshots.copied)
        mismatched_responses, problems, hits_checked = 0, [], 0
        # How sharp the check is: the responses it would fail had their header named the
        # generation just before or just after the one that answered (what a response mixing
        # two neighbouring generations would look like).
        names = sorted(snapshots.copied)
        neighbours = {n: names[max(0, i - 1): i] + names[i + 1: i + 2] for i, n in enumerate(names)}
        would_catch, comparable = 0, 0
        for record in stats.records:
            found = checker.problems(record)
            hits_checked += len(record.hits) + (record.answer is not None)
            if found:
                mismatched_responses += 1
                problems.extend(found[: max(0, KEEP_ERROR_SAMPLES - len(problems))])
            elif neighbours.get(record.generation):
                comparable += 1
                would_catch += any(checker.problems(Record(record.endpoint, other, record.hits, record.answer))
                                   for other in neighbours[record.generation])
        for generation in checker.generations.values():
            generation.close()

    served = Counter(r.generation for r in stats.records)
    published = [b["generation"] for b in builds if b["published"]]
    errors = sum(n for s, n in stats.statuses.items() if s != 200) + stats.connection_errors + stats.missing_header
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "builds_requested": args.builds, "clients": args.clients,
        "initial_build": first, "builds": builds, "cold_start": cold,
        "requests_sent": dict(stats.sent), "requests_total": sum(stats.sent.values()),
        "ok": dict(stats.ok), "statuses": {str(k): v for k, v in stats.statuses.items()},
        "connection_errors": stats.connection_errors, "missing_header": stats.missing_header,
        "errors": errors, "error_samples": stats.samples,
        "latency_ms": {"p50": percentile(stats.latencies_ms, 50), "p95": percentile(stats.latencies_ms, 95),
                       "p99": percentile(stats.latencies_ms, 99), "max": percentile(stats.latencies_ms, 100)},
        "generations_published": len(published), "generations_copied": sorted(snapshots.copied),
        "generations_missed": snapshots.missed,
        "generations_served": {str(k): v for k, v in sorted(served.items(), key=lambda kv: str(kv[0]))},
        "last_generation": last, "last_generation_served": swapped,
        "responses_checked": len(stats.records), "hits_checked": hits_checked,
        "mismatched_responses": mismatched_responses, "mismatch_samples": problems,
        "sharpness": {"responses": comparable, "caught_if_named_a_neighbouring_generation": would_catch},
        "server_rss": rss, "server_log_tracebacks": tracebacks,
        "clean": errors == 0 and mismatched_responses == 0 and not snapshots.missed and swapped,
    }
    out = args.out or ROOT / "bench" / "results" / "rebuild_under_load.json"
    write_results(out, results)

    build_s = [b["seconds"] for b in builds]
    print()
    print(f"{len(builds)} incremental builds (real model) of the seed corpus under load, {args.clients} client threads")
    print(f"  requests sent          {results['requests_total']}  ({', '.join(f'{k} {v}' for k, v in stats.sent.items())})")
    print(f"  errors                 {errors}  (not 200: {sum(n for s, n in stats.statuses.items() if s != 200)}, "
          f"connection errors: {stats.connection_errors}, no header: {stats.missing_header})")
    print(f"  latency ms             p50 {results['latency_ms']['p50']}  p95 {results['latency_ms']['p95']}  "
          f"p99 {results['latency_ms']['p99']}  max {results['latency_ms']['max']}")
    print(f"  generations published  {len(published)} (+ the initial one); copied aside {len(snapshots.copied)}, "
          f"missed {len(snapshots.missed)}")
    print(f"  server took up the last generation ({last}): {'yes' if swapped else 'NO'}")
    print(f"  generations served     {len(served)}: " + ", ".join(f"{k} {v}" for k, v in sorted(served.items(), key=lambda kv: str(kv[0]))))
    print(f"  responses checked      {len(stats.records)} ({hits_checked} hits and answers)")
    print(f"  mismatches             {mismatched_responses}")
    print(f"  check sharpness        {would_catch} of {comparable} responses would fail the check had they "
          f"named the generation just before or after")
    if build_s:
        print(f"  build seconds          min {min(build_s):.1f}  max {max(build_s):.1f}  total {sum(build_s):.1f}")
    print(f"  server RSS MB          {', '.join(f'{k} {v}' for k, v in rss.items())}; tracebacks in its log: {tracebacks}")
    for line in stats.samples[:5] + problems[:5]:
        print(f"    {line}")
    print("clean (zero errors, zero mismatches): " + ("yes" if results["clean"] else "NO"))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
